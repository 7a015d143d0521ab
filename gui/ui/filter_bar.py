"""The filter bar: text, event types, tenant, time range, CEL and the notification rule. It emits
``changed`` (debounced) and gives the whole filter as one ``FilterSpec``; Esc in any of its
fields clears the field, and pressed again leaves it for the table (it never stops the stream)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from gui.api.models import short_type
from gui.eventlog.filter import FilterSpec
from gui.ui.notify import RULE_HELP
from gui.ui.status import ElidedLabel, SteadyLabel
from gui.ui.time_range import TimeRangeFilter
from gui.ui.type_menu import TypeMenu

DEBOUNCE_MS = 200


class FilterBar(QWidget):
    NOTIFY_TIP = RULE_HELP
    changed = Signal()  # the filter changed (after a short pause in typing)
    notify_rule_edited = Signal(str)
    leave_requested = Signal()  # Esc in an empty field: focus goes to the table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.setAccessibleName("Filters")
        self.filter_edit = _field(QLineEdit(), "filterEdit", "Filter text")
        self.filter_edit.setPlaceholderText("Filter: text in any column or the payload  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.type_button = _field(QToolButton(text="Types: all"), "typeFilterButton", "Event type filter")
        self.type_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.type_menu = TypeMenu(self.type_button)  # stays open while types are checked
        self.type_menu.setObjectName("typeFilterMenu")
        self.type_button.setMenu(self.type_menu)
        self.tenant_edit = _field(QLineEdit(), "tenantFilterEdit", "Tenant filter")
        self.tenant_edit.setPlaceholderText("tenant")
        self.tenant_edit.setClearButtonEnabled(True)
        self.time_range = TimeRangeFilter()
        self.cel_filter_edit = _field(QLineEdit(), "celFilterEdit", "CEL filter")
        self.cel_filter_edit.setPlaceholderText('CEL, e.g. data.kind == "customer"')
        self.cel_filter_edit.setClearButtonEnabled(True)
        self.cel_error_label = _field(QLabel(""), "celErrorLabel", "CEL error")
        self.cel_error_label.setStyleSheet("color: #d9534f")
        self.cel_error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notify_edit = _field(QLineEdit(), "notifyRuleEdit", "Notification rule")
        self.notify_edit.setPlaceholderText("Notify: e.g. deleted")
        self.notify_edit.setToolTip(self.NOTIFY_TIP)
        # why the rule cannot match (red), or how many events matched it since it was set
        self.notify_label = _field(ElidedLabel(""), "notifyRuleLabel", "Notification rule result")
        self.notify_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notify_label.setMaximumWidth(self.notify_label.fontMetrics().horizontalAdvance("x" * 36))
        # as wide as its widest usual text: a new count repaints it alone (gui.ui.status.SteadyLabel)
        self.showing_label = _field(
            SteadyLabel("Showing 0 of 0", "Showing 1,000,000 of 1,000,000"), "showingLabel", "Rows shown"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit, 3)
        layout.addWidget(self.type_button)
        layout.addWidget(self.tenant_edit, 1)
        layout.addWidget(self.time_range)
        layout.addWidget(self.cel_filter_edit, 2)
        layout.addWidget(self.cel_error_label)
        layout.addWidget(self.notify_edit, 1)
        layout.addWidget(self.notify_label)
        layout.addWidget(self.showing_label)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        for edit in (self.filter_edit, self.tenant_edit, self.cel_filter_edit):
            edit.textChanged.connect(self._timer.start)
        self.time_range.changed.connect(self._timer.start)
        self.notify_edit.editingFinished.connect(lambda: self.notify_rule_edited.emit(self.notify_edit.text()))
        for field in self.fields():
            field.installEventFilter(self)

    def fields(self) -> list[QWidget]:
        """Every input of the bar, in Tab order."""
        tr = self.time_range
        return [
            self.filter_edit,
            self.type_button,
            self.tenant_edit,
            tr.preset_combo,
            tr.since_edit,
            tr.until_edit,
            tr.reset_button,
            self.cel_filter_edit,
            self.notify_edit,
        ]

    def spec(self, local_time: bool) -> FilterSpec:
        since, until = self.time_range.bounds()
        return FilterSpec(
            text=self.filter_edit.text().strip(),
            types=frozenset(a.data() for a in self.type_menu.actions() if a.isChecked()),
            tenant=self.tenant_edit.text().strip(),
            since=since,
            until=until,
            cel=self.cel_filter_edit.text().strip(),
            local_time=local_time,
        )

    def clear(self) -> None:
        for edit in (self.filter_edit, self.tenant_edit, self.cel_filter_edit):
            edit.clear()
        for action in self.type_menu.actions():
            action.setChecked(False)
        self.time_range.reset()

    def add_types(self, type_ids: list[str]) -> None:
        known = {a.data() for a in self.type_menu.actions()}
        for type_id in type_ids:
            if type_id and type_id not in known:
                action = self.type_menu.addAction(short_type(type_id))
                action.setData(type_id)
                action.setCheckable(True)
                action.setToolTip(type_id)
                action.toggled.connect(self._on_type_toggled)

    def _on_type_toggled(self) -> None:
        chosen = [a.text() for a in self.type_menu.actions() if a.isChecked()]
        if not chosen:
            text = "Types: all"
        elif len(chosen) <= 2:
            text = "Types: " + ", ".join(c.removeprefix("tenant.") for c in chosen)
        else:
            text = f"Types: {len(chosen)} of {len(self.type_menu.actions())}"
        self.type_button.setText(text)
        self.type_button.setToolTip("Shown types: " + ", ".join(chosen) if chosen else "Every event type is shown")
        self._timer.start()

    def set_cel_error(self, text: str) -> None:
        self.cel_error_label.setText(text)
        self.cel_error_label.setToolTip(text)
        self.cel_filter_edit.setToolTip(text)

    def set_notify_error(self, text: str) -> None:
        """An invalid notification rule: said beside the field, as the CEL filter's error is (empty: it is fine)."""
        self.notify_edit.setToolTip(f"⚠ {text}\n\n{self.NOTIFY_TIP}" if text else self.NOTIFY_TIP)
        self.notify_edit.setStyleSheet("color: #d9534f" if text else "")
        self.notify_label.setStyleSheet("color: #d9534f" if text else "")
        self.notify_label.setText(f"⚠ {text}" if text else "")
        self.notify_label.setToolTip(text)

    def set_notify_count(self, matched: int, describe: str) -> None:
        """How many events matched the rule since it was set (stays until the rule changes)."""
        self.notify_label.setStyleSheet("")
        self.notify_label.setText(f"{matched:,} matched")
        self.notify_label.setToolTip(f"{matched:,} events matched the notification rule ({describe}) since it was set")

    def set_time_zone(self, local: bool) -> None:
        self.time_range.set_local(local)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Esc: clear a field with text, else leave the bar for the table."""
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() != Qt.Key.Key_Escape or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if isinstance(watched, QLineEdit) and watched.text():
            watched.clear()
        else:
            self.leave_requested.emit()
        return True


def _field(widget: QWidget, name: str, accessible: str) -> QWidget:  # type: ignore[type-var]
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget
