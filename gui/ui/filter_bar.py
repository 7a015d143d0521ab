"""The filter bar: text, event types, tenant, time range, CEL and the notification rule. It emits
``changed`` (debounced) and gives the whole filter as one ``FilterSpec``; Esc in any of its
fields clears the field, and pressed again leaves it for the table (it never stops the stream).

An invalid CEL (or notification rule) takes no room from the other fields: the field gets a red
frame, a warning icon at its end (click it: the message, the cursor to the place) and the message
as its tooltip; while the CEL field has focus the message also shows in full just under it, over
what is below (``cel_error_label``), not in the bar's row."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gui.api.models import short_type
from gui.eventlog.filter import FilterSpec
from gui.ui.actions import built, named
from gui.ui.labels import ElidedLabel, SteadyLabel
from gui.ui.notify import RULE_HELP
from gui.ui.time_range import TimeRangeFilter
from gui.ui.tones import set_tone, tone_colour
from gui.ui.type_menu import TypeMenu

DEBOUNCE_MS = 200


class CheckedEdit(QLineEdit):
    """A field that can say its text is wrong in its own room: a red frame, a warning icon at its
    end (click: the message at once and the cursor to the place) and the message as its tooltip."""

    def __init__(self, tip: str = "") -> None:
        super().__init__()
        self.tip = tip
        self.problem = ""
        self.position: tuple[int, int] | None = None  # (line, character) of the problem, from 1
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.problem_action = QAction(icon, "What is wrong", self)
        self.problem_action.triggered.connect(self.explain)
        self.addAction(self.problem_action, QLineEdit.ActionPosition.TrailingPosition)
        self.problem_action.setVisible(False)  # after adding: the field hides its button then
        self.setToolTip(tip)

    def set_problem(self, text: str, position: tuple[int, int] | None = None) -> None:
        """Say what is wrong with the text ("": nothing)."""
        if (text, position) == (self.problem, self.position):
            return
        self.problem, self.position = text, position
        self.problem_action.setVisible(bool(text))
        self.problem_action.setToolTip(text)
        self.setToolTip(text or self.tip)
        self.setAccessibleDescription(text)
        self.update()

    def explain(self) -> None:
        """The message at once (not after the tooltip's delay) and the cursor where it points."""
        self.setFocus()
        if self.position is not None and self.position[0] == 1:
            text = self.text()
            self.setCursorPosition(min(len(text) - len(text.lstrip()) + self.position[1] - 1, len(text)))
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.problem, self)

    def frame_colour(self) -> QColor:
        return tone_colour("error", self.palette().color(QPalette.ColorRole.Base))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.problem:
            painter = QPainter(self)
            painter.setPen(QPen(self.frame_colour(), 2))
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
            painter.end()


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
        self.type_button = _field(built(QToolButton(), None, text="Types: all"), "typeFilterButton", "Event type filter")
        self.type_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.type_menu = TypeMenu(self.type_button)  # stays open while types are checked
        self.type_menu.setObjectName("typeFilterMenu")
        self.type_button.setMenu(self.type_menu)
        self.tenant_edit = _field(QLineEdit(), "tenantFilterEdit", "Tenant filter")
        self.tenant_edit.setPlaceholderText("tenant")
        self.tenant_edit.setClearButtonEnabled(True)
        self.time_range = TimeRangeFilter()
        self.cel_filter_edit = _field(CheckedEdit(), "celFilterEdit", "CEL filter")
        self.cel_filter_edit.setPlaceholderText('CEL, e.g. data.kind == "customer"')
        self.cel_filter_edit.setClearButtonEnabled(True)
        # the message under the CEL field while it has focus: over what is below, out of the row
        self.cel_error_label = _field(QLabel("", self), "celErrorLabel", "CEL error")
        self.cel_error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cel_error_label.setFrameShape(QFrame.Shape.Box)
        self.cel_error_label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.cel_error_label.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.cel_error_label.setAutoFillBackground(True)
        self.cel_error_label.setContentsMargins(4, 2, 4, 2)
        self.cel_error_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.cel_error_label.hide()
        self.notify_edit = _field(CheckedEdit(self.NOTIFY_TIP), "notifyRuleEdit", "Notification rule")
        self.notify_edit.setPlaceholderText("Notify: e.g. deleted")
        # why the rule cannot match (red), or how many events matched it since it was set
        self.notify_label = _field(ElidedLabel(""), "notifyRuleLabel", "Notification rule result")
        self.notify_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notify_label.setMaximumWidth(self.notify_label.fontMetrics().horizontalAdvance("x" * 36))
        # as wide as its widest usual text: a new count repaints it alone (gui.ui.labels.SteadyLabel)
        self.showing_label = _field(
            SteadyLabel("Showing 0 of 0", "Showing 1,000,000 of 1,000,000"), "showingLabel", "Rows shown"
        )
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        layout = QHBoxLayout()
        rows.addLayout(layout)
        rows.addWidget(self.time_range.range_row)  # a custom range's fields, on a line of their own
        layout.addWidget(self.filter_edit, 3)
        layout.addWidget(self.type_button)
        layout.addWidget(self.tenant_edit, 1)
        layout.addWidget(self.time_range)
        layout.addWidget(self.cel_filter_edit, 2)
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

    def focus_text(self) -> None:
        """Ctrl+F: the text filter, its text selected."""
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def filter_by(self, key: str, value: str) -> None:
        """A row action: show only this tenant's, type's or subject's events."""
        if key == "tenant":
            self.tenant_edit.setText(value)
        elif key == "type":
            for action in self.type_menu.actions():
                action.setChecked(action.data() == value)
        else:
            self.filter_edit.setText(value)

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

    def set_cel_error(self, text: str, position: tuple[int, int] | None = None) -> None:
        """An invalid CEL: said on the field and under it ("": it is fine)."""
        self.cel_error_label.setText(text)
        self.cel_filter_edit.set_problem(text, position)
        self._place_cel_error()

    def _place_cel_error(self) -> None:
        """Under the CEL field, as wide as the message (inside the bar's parent), while the field
        has focus and says a problem."""
        label, edit, host = self.cel_error_label, self.cel_filter_edit, self.parentWidget()
        if not (label.text() and edit.hasFocus() and host is not None):
            label.hide()
            return
        if label.parentWidget() is not host:
            label.setParent(host)  # out of the bar: over the timeline below, for a moment
        width = min(label.sizeHint().width(), host.width() - 8)
        corner = edit.mapTo(host, QPoint(0, edit.height() + 2))
        label.setGeometry(
            max(min(corner.x(), host.width() - width - 4), 4), corner.y(), width, label.sizeHint().height()
        )
        label.show()
        label.raise_()

    def resizeEvent(self, event: object) -> None:  # noqa: N802
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_cel_error()

    def set_notify_error(self, text: str) -> None:
        """An invalid notification rule: said on the field (frame, icon, tooltip) and beside it, as
        the CEL filter's error is (empty: it is fine)."""
        self.notify_edit.set_problem(f"⚠ {text}\n\n{self.NOTIFY_TIP}" if text else "")
        set_tone(self.notify_label, "error" if text else "")
        self.notify_label.setText(f"⚠ {text}" if text else "")
        self.notify_label.setToolTip(text)

    def set_notify_count(self, matched: int, describe: str) -> None:
        """How many events matched the rule since it was set (stays until the rule changes)."""
        set_tone(self.notify_label, "")
        self.notify_label.setText(f"{matched:,} matched")
        self.notify_label.setToolTip(f"{matched:,} events matched the notification rule ({describe}) since it was set")

    def set_time_zone(self, local: bool) -> None:
        self.time_range.set_local(local)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Esc: clear a field with text, else leave the bar for the table."""
        if watched is self.cel_filter_edit and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            QTimer.singleShot(0, self, self._place_cel_error)  # once the focus has moved
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


_field = named  # the widget with the objectName tests and accessibility tools find it by
