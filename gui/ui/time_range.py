"""The time-range filter: a preset (any time, last 5 minutes … today) or a custom range typed or
picked in the zone the table shows, with one button that resets it to "any time"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTime, QTimeZone, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QToolButton, QWidget

from gui.ui.actions import built

PRESETS = (
    ("any", "Any time"),
    ("5m", "Last 5 minutes"),
    ("15m", "Last 15 minutes"),
    ("1h", "Last hour"),
    ("24h", "Last 24 hours"),
    ("today", "Today"),
    ("custom", "Custom range…"),
)
_SPANS = {"5m": timedelta(minutes=5), "15m": timedelta(minutes=15), "1h": timedelta(hours=1), "24h": timedelta(days=1)}
FORMAT = "yyyy-MM-dd HH:mm:ss"  # as the table shows times (to the second)


def zone_name() -> str:
    """The local zone as people read it: its name and UTC offset (now)."""
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    return f"{now.tzname()}, UTC{offset[:3]}:{offset[3:]}" if offset else str(now.tzname())


class TypedDateTimeEdit(QDateTimeEdit):
    """A date-time field that takes a time typed whole, as the table shows it ("2026-12-01
    20:05:00"), not only section by section: the first digit over a whole selection starts at the
    year, and a separator typed where Qt already moved past it is not taken as "next section"
    (Qt's own edit would skip a section there and drop the digits after it)."""

    _SEPARATORS = "-: T/."

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        text, line = event.text(), self.lineEdit()
        if text and text.isdigit() and len(line.selectedText()) > len(self.sectionText(self.currentSection())):
            self.setCurrentSectionIndex(0)  # all selected: typing starts at the first section
            self.setSelectedSection(self.sectionAt(0))
        elif text and text in self._SEPARATORS:
            start = line.selectionStart() if line.hasSelectedText() else line.cursorPosition()
            if start > 0 and line.text()[start - 1] in self._SEPARATORS:
                event.accept()  # already at the section after this separator
                return
        super().keyPressEvent(event)


class TimeRangeFilter(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeRangeFilter")
        self.local = False
        self._custom_set = False  # the custom bounds were set once (else they start at the last hour)
        self.preset_combo = built(QComboBox(), "timePresetCombo")
        self.preset_combo.setAccessibleName("Time range")
        for key, label in PRESETS:
            self.preset_combo.addItem(label, key)
        self.since_edit = self._edit("sinceEdit", "Events from")
        self.until_edit = self._edit("untilEdit", "Events until")
        self.reset_button = built(QToolButton(), "timeResetButton", text="✕")
        self.reset_button.setAccessibleName("Reset the time range")
        self.reset_button.setToolTip("Any time (no time filter)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.reset_button)
        # a custom range's two fields: on a line of their own under the filter bar (beside the
        # preset, at 1024 px they squeezed the bar's other fields to a few letters)
        self.range_row = built(QWidget(), "customRangeRow")
        row = QHBoxLayout(self.range_row)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel("Custom range from"), self.since_edit, QLabel("until"), self.until_edit):
            row.addWidget(widget)
        row.addStretch(1)
        self.preset_combo.currentIndexChanged.connect(self._on_preset)
        self.reset_button.clicked.connect(self.reset)
        self._show_inputs()
        self.set_local(False)

    def _edit(self, name: str, accessible: str) -> QDateTimeEdit:
        edit = built(TypedDateTimeEdit(), name)
        edit.setAccessibleName(accessible)
        edit.setDisplayFormat(FORMAT)
        edit.setCalendarPopup(True)
        edit.dateTimeChanged.connect(self._on_edited)
        return edit

    @property
    def preset(self) -> str:
        return str(self.preset_combo.currentData())

    def set_preset(self, key: str) -> None:
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(key)))

    def reset(self) -> None:
        self.set_preset("any")

    def set_local(self, local: bool) -> None:
        """Type and show the range in local time (as the table does) or in UTC."""
        self.local = local
        zone = QTimeZone.systemTimeZone() if local else QTimeZone.utc()
        name = "local time" if local else "UTC"
        for edit, what in ((self.since_edit, "from"), (self.until_edit, "until")):
            moment = edit.dateTime()
            edit.blockSignals(True)
            edit.setTimeZone(zone)
            edit.setDateTime(moment.toTimeZone(zone))
            edit.blockSignals(False)
            edit.setToolTip(f"Events {what} this time ({name}, {FORMAT.lower()}); type it or pick it")

    def _on_preset(self) -> None:
        if self.preset == "custom" and not self._custom_set:
            now = QDateTime.currentDateTimeUtc()  # the calendar opens on today
            self._set_range(now.addSecs(-3600), now)
        self._show_inputs()
        self.changed.emit()

    def set_custom(self, since: float, until: float) -> None:
        """A custom range from ``since`` to ``until`` (epoch seconds), e.g. dragged on the timeline."""
        self._set_range(QDateTime.fromSecsSinceEpoch(int(since)), QDateTime.fromSecsSinceEpoch(int(until)))
        self.preset_combo.blockSignals(True)
        self.set_preset("custom")
        self.preset_combo.blockSignals(False)
        self._show_inputs()
        self.changed.emit()

    def _set_range(self, since: QDateTime, until: QDateTime) -> None:
        for edit, moment in ((self.since_edit, since), (self.until_edit, until)):
            edit.blockSignals(True)
            edit.setDateTime(moment.toTimeZone(edit.timeZone()))
            edit.blockSignals(False)
        self._custom_set = True

    def _on_edited(self) -> None:
        """A bound typed or picked: that is a custom range."""
        self._custom_set = True
        if self.preset != "custom":
            self.preset_combo.blockSignals(True)
            self.set_preset("custom")
            self.preset_combo.blockSignals(False)
            self._show_inputs()
        self.changed.emit()

    def _show_inputs(self) -> None:
        custom = self.preset == "custom"
        self.range_row.setVisible(custom)
        self.reset_button.setVisible(self.preset != "any")

    def bounds(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """(since, until) in UTC, None where unbounded; presets are relative to ``now``."""
        preset = self.preset
        now = now or datetime.now(UTC)
        if preset == "any":
            return None, None
        if preset in _SPANS:
            return now - _SPANS[preset], None
        if preset == "today":
            zone = QTimeZone.systemTimeZone() if self.local else QTimeZone.utc()
            midnight = QDateTime(QDateTime.currentDateTime(zone).date(), QTime(0, 0), zone)
            return datetime.fromtimestamp(midnight.toSecsSinceEpoch(), UTC), None
        since = datetime.fromtimestamp(self.since_edit.dateTime().toSecsSinceEpoch(), UTC)
        until = datetime.fromtimestamp(self.until_edit.dateTime().toSecsSinceEpoch(), UTC)
        return since, until
