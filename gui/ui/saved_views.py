"""Saved views in the window: the combo above the table and View ▸ Saved views recall one (every
filter, the columns and the time zone); View ▸ Save view… names the current set, for every
subscription or only this one; Delete saved view forgets the chosen one. What a view holds is in
``gui.storage.views``; they live in the state store."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui.eventlog.columns import TABLE_KEYS
from gui.storage import StateStore
from gui.storage.views import SHIPPED, SavedView, check_name
from gui.ui.actions import Actions, named
from gui.ui.event_table import EventTable
from gui.ui.filter_bar import FilterBar
from gui.ui.status import StatusPanel


class SaveViewDialog(QDialog):
    """A name, and whether the view is for this subscription only. Opened with ``open()``."""

    def __init__(self, parent: QWidget, subscription: str | None) -> None:
        super().__init__(parent)
        self.setObjectName("saveViewDialog")
        self.setWindowTitle("Save view")
        self.name_edit = named(QLineEdit(), "viewNameEdit", "View name")
        self.name_edit.setPlaceholderText("e.g. Deletions in EMEA")
        self.only_here = named(QCheckBox("Only for this subscription"), "viewScopeCheck", "Only for this subscription")
        self.only_here.setEnabled(subscription is not None)
        self.error_label = named(QLabel(""), "viewErrorLabel", "Problem")
        self.error_label.setStyleSheet("color: #d9534f")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Name the current filters, columns and time zone:"))
        layout.addWidget(self.name_edit)
        layout.addWidget(self.only_here)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(lambda _text: self.error_label.setText(""))

    def _check(self) -> None:
        try:
            check_name(self.name_edit.text())
        except ValueError as err:
            self.error_label.setText(str(err))
            return
        self.accept()


class SavedViews(QObject):
    def __init__(
        self,
        window: QWidget,
        store: StateStore,
        actions: Actions,
        filter_bar: FilterBar,
        table: EventTable,
        zone_combo: QComboBox,
        status: StatusPanel,
        subscription: Callable[[], str | None],
    ) -> None:
        super().__init__(window)
        self.window, self.store, self.actions, self.filter_bar = window, store, actions, filter_bar
        self.table, self.zone_combo, self.status, self.subscription = table, zone_combo, status, subscription
        self.combo = named(QComboBox(), "savedViewCombo", "Saved views")
        self.combo.setToolTip("Recall a saved view: its filters, columns and time zone (View ▸ Save view… adds one)")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.views: list[SavedView] = []
        self.dialog: SaveViewDialog | None = None
        self.combo.activated.connect(self._on_chosen)
        actions.save_view.triggered.connect(self.ask_name)
        actions.delete_view.triggered.connect(self.delete_chosen)
        self.reload()

    # -- the list ----------------------------------------------------------------------------

    def reload(self, select: SavedView | None = None) -> None:
        """The shipped views, then those for every subscription and for this one, in the combo and the menu."""
        try:
            stored = self.store.saved_views(self.subscription())
        except Exception as err:  # a state file that cannot be read: the shipped views still work
            self.status.tell(f"Saved views could not be read: {err}")
            stored = []
        self.views = [*SHIPPED, *stored]
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Views…", None)
        for i, view in enumerate(self.views):
            label = view.name + (" (this subscription)" if view.scope else "")
            self.combo.addItem(label, i)
            self.combo.setItemData(self.combo.count() - 1, self._describe(view), Qt.ItemDataRole.ToolTipRole)
        if select is not None:
            for i, view in enumerate(self.views):
                if (view.name, view.scope) == (select.name, select.scope):
                    self.combo.setCurrentIndex(i + 1)
        self.combo.blockSignals(False)
        menu = self.actions.views_menu
        menu.clear()
        for i, view in enumerate(self.views):
            if i == len(SHIPPED) and stored:
                menu.addSeparator()
            action = menu.addAction(view.name.replace("&", "&&"))
            action.setToolTip(self._describe(view))
            action.triggered.connect(lambda _checked=False, v=view: self.apply(v))
        self._update_actions()

    def chosen(self) -> SavedView | None:
        index = self.combo.currentData()
        return self.views[index] if isinstance(index, int) and index < len(self.views) else None

    def _update_actions(self) -> None:
        view = self.chosen()
        self.actions.delete_view.setEnabled(view is not None and not view.shipped)

    @staticmethod
    def _describe(view: SavedView) -> str:
        parts = []
        if view.text:
            parts.append(f"text “{view.text}”")
        if view.types:
            parts.append("types " + ", ".join(t.rsplit("~", 1)[-1].removeprefix("a.p.") for t in view.types))
        if view.tenant:
            parts.append(f"tenant “{view.tenant}”")
        if view.time_preset != "any":
            parts.append(f"time {view.time_preset}")
        if view.cel:
            parts.append(f"CEL {view.cel}")
        if view.payload:
            parts.append("columns " + ", ".join(view.payload))
        return "; ".join(parts) or "no filter"

    # -- choosing ----------------------------------------------------------------------------

    def _on_chosen(self, _index: int) -> None:
        view = self.chosen()
        self._update_actions()
        if view is not None:
            self.apply(view)

    def apply(self, view: SavedView) -> None:
        """Every filter of ``view``; its columns and zone when it has them."""
        bar = self.filter_bar
        bar.filter_edit.setText(view.text)
        bar.tenant_edit.setText(view.tenant)
        bar.cel_filter_edit.setText(view.cel)
        bar.add_types(list(view.types))  # types not seen yet are offered (and chosen) too
        for action in bar.type_menu.actions():
            action.setChecked(action.data() in view.types)
        time_range = bar.time_range
        if view.time_preset == "custom" and view.since is not None and view.until is not None:
            time_range.set_custom(view.since, view.until)
        else:
            time_range.set_preset(view.time_preset)
        if view.zone:
            index = self.zone_combo.findData(view.zone)
            if index >= 0:
                self.zone_combo.setCurrentIndex(index)
        if not view.shipped:
            self._apply_columns(view)
        for i, known in enumerate(self.views):
            if known == view:
                self.combo.blockSignals(True)
                self.combo.setCurrentIndex(i + 1)
                self.combo.blockSignals(False)
        self._update_actions()
        self.status.tell(f"View “{view.name}”: {self._describe(view)}")

    def _apply_columns(self, view: SavedView) -> None:
        model, header = self.table.model, self.table.view.horizontalHeader()
        model.set_payload_columns(view.payload)
        keys = [model.column_key(i) for i in range(model.columnCount())]
        for section, key in enumerate(keys):
            header.setSectionHidden(section, key in view.hidden)
        for visual, key in enumerate(k for k in view.order if k in keys):
            header.moveSection(header.visualIndex(keys.index(key)), visual)
        self.table.columns_changed.emit()

    # -- saving and deleting -----------------------------------------------------------------

    def capture(self, name: str, scope: str) -> SavedView:
        """The current filters, columns and zone as a view."""
        bar = self.filter_bar
        preset = bar.time_range.preset
        since = until = None
        if preset == "custom":
            low, high = bar.time_range.bounds()
            since = low.timestamp() if low else None
            until = high.timestamp() if high else None
        model, header = self.table.model, self.table.view.horizontalHeader()
        order = tuple(model.column_key(header.logicalIndex(v)) for v in range(header.count()))
        return SavedView(
            name=name,
            scope=scope,
            text=bar.filter_edit.text().strip(),
            types=tuple(sorted(a.data() for a in bar.type_menu.actions() if a.isChecked())),
            tenant=bar.tenant_edit.text().strip(),
            time_preset=preset,
            since=since,
            until=until,
            cel=bar.cel_filter_edit.text().strip(),
            zone=str(self.zone_combo.currentData() or ""),
            hidden=tuple(model.column_key(i) for i in range(model.columnCount()) if header.isSectionHidden(i)),
            order=order if order != TABLE_KEYS + tuple(model.payload_columns) else (),
            payload=tuple(model.payload_columns),
        )

    def ask_name(self) -> None:
        subscription = self.subscription()
        dialog = SaveViewDialog(self.window, subscription)
        chosen = self.chosen()
        if chosen is not None and not chosen.shipped:
            dialog.name_edit.setText(chosen.name)
            dialog.only_here.setChecked(bool(chosen.scope))
        dialog.accepted.connect(
            lambda: self.save(dialog.name_edit.text(), subscription if dialog.only_here.isChecked() else None)
        )
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def save(self, name: str, subscription: str | None = None) -> SavedView | None:
        try:
            view = self.capture(check_name(name), subscription or "")
            self.store.save_view(view)
        except Exception as err:  # a bad name, or a state file that cannot be written: said, nothing lost
            self.status.tell(f"View not saved: {err}")
            return None
        self.reload(select=view)
        self.status.tell(f"Saved view “{view.name}”" + (" for this subscription" if view.scope else ""))
        return view

    def delete_chosen(self) -> None:
        view = self.chosen()
        if view is None or view.shipped:
            return
        try:
            self.store.delete_view(view.name, view.scope)
        except Exception as err:
            self.status.tell(f"View not deleted: {err}")
            return
        self.reload()
        self.status.tell(f"Deleted view “{view.name}”")
