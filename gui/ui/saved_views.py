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

from gui.storage import StateStore
from gui.storage.views import SHIPPED, SavedView, check_name
from gui.ui import message
from gui.ui.actions import Actions, named
from gui.ui.event_table import EventTable
from gui.ui.filter_bar import FilterBar
from gui.ui.tones import set_tone
from gui.ui.view import ViewEditor


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
        set_tone(self.error_label, "error")
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
        subscription: Callable[[], str | None],
    ) -> None:
        super().__init__(window)
        self.window, self.store, self.actions, self.filter_bar = window, store, actions, filter_bar
        self.table, self.zone_combo, self.subscription = table, zone_combo, subscription
        self.editor = ViewEditor(filter_bar, table, zone_combo)
        self.combo = named(QComboBox(), "savedViewCombo", "Saved views")
        self.combo.setToolTip("Recall a saved view: its filters, columns and time zone (View ▸ Save view… adds one)")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.views: list[SavedView] = []
        self.dialog: SaveViewDialog | None = None
        self.combo.activated.connect(self._on_chosen)
        filter_bar.changed.connect(self._on_filters_changed)
        actions.save_view.triggered.connect(self.ask_name)
        actions.delete_view.triggered.connect(self.delete_chosen)
        self.reload()

    # -- the list ----------------------------------------------------------------------------

    def reload(self, select: SavedView | None = None) -> None:
        """The shipped views, then those for every subscription and for this one, in the combo and the menu."""
        try:
            stored = self.store.saved_views(self.subscription())
        except Exception as err:  # a state file that cannot be read: the shipped views still work
            message.info(self, f"Saved views could not be read: {err}")
            stored = []
        self.views = [*SHIPPED, *stored]
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Views…", None)
        for i, view in enumerate(self.views):
            label = view.name + (" (this subscription)" if view.scope else "")
            self.combo.addItem(label, i)
            self.combo.setItemData(self.combo.count() - 1, view.describe(), Qt.ItemDataRole.ToolTipRole)
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
            action.setToolTip(view.describe())
            action.triggered.connect(lambda _checked=False, v=view: self.apply(v))
        self._update_actions()

    def chosen(self) -> SavedView | None:
        index = self.combo.currentData()
        return self.views[index] if isinstance(index, int) and index < len(self.views) else None

    def _update_actions(self) -> None:
        view = self.chosen()
        self.actions.delete_view.setEnabled(view is not None and not view.shipped)

    # -- choosing ----------------------------------------------------------------------------

    def _on_chosen(self, _index: int) -> None:
        view = self.chosen()
        self._update_actions()
        if view is not None:
            self.apply(view)

    def matches(self, view: SavedView) -> bool:
        """The filters shown are the view's (its columns and zone aside: those are not filters)."""
        now = self.capture(view.name, view.scope)
        if (now.text, now.types, now.tenant, now.time_preset, now.cel) != (
            view.text,
            tuple(sorted(view.types)),
            view.tenant,
            view.time_preset,
            view.cel,
        ):
            return False
        if view.time_preset != "custom":
            return True
        return all(
            b is None or (a is not None and abs(a - b) < 1)
            for a, b in ((now.since, view.since), (now.until, view.until))
        )

    def _on_filters_changed(self) -> None:
        """Filters changed (Clear filters, a field typed): once they are not the chosen view's, the
        combo says "Views…" again rather than a name that no longer describes the table."""
        view = self.chosen()
        if view is not None and not self.matches(view):
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(0)
            self.combo.blockSignals(False)
            self._update_actions()

    def apply(self, view: SavedView) -> None:
        """Every filter of ``view``; its columns and zone when it has them."""
        self.editor.show(view.spec, columns=not view.shipped)
        for i, known in enumerate(self.views):
            if known == view:
                self.combo.blockSignals(True)
                self.combo.setCurrentIndex(i + 1)
                self.combo.blockSignals(False)
        self._update_actions()
        message.info(self, f"View “{view.name}”: {view.describe()}")

    # -- saving and deleting -----------------------------------------------------------------

    def capture(self, name: str, scope: str) -> SavedView:
        """The current filters, columns and zone as a view."""
        return SavedView.of(name, scope, self.editor.current())

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
            message.info(self, f"View not saved: {err}")
            return None
        self.reload(select=view)
        message.info(self, f"Saved view “{view.name}”" + (" for this subscription" if view.scope else ""))
        return view

    def delete_chosen(self) -> None:
        view = self.chosen()
        if view is None or view.shipped:
            return
        try:
            self.store.delete_view(view.name, view.scope)
        except Exception as err:
            message.info(self, f"View not deleted: {err}")
            return
        self.reload()
        message.info(self, f"Deleted view “{view.name}”")
