"""The position bar: where to start reading (and the offset that resolves to), this machine's
consumer ID, and Start / Pause / Stop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QStackedWidget, QStyle, QToolButton, QWidget

from gui.api import EventManagerClient, Subscription
from gui.api.durations import format_time
from gui.api.events import INT64_MAX
from gui.consumer import StartPosition, resolve_position
from gui.storage import StateStore
from gui.ui import background
from gui.ui.actions import Actions, action_button, built, named
from gui.ui.connection_bar import buddy
from gui.ui.labels import ElidedLabel
from gui.ui.time_range import TypedDateTimeEdit, zone_name

POSITIONS = (
    ("Earliest", "earliest"),
    ("Committed", "committed"),
    ("Stored", "stored"),
    ("Latest", "latest"),
    ("Time", "time"),
    ("Custom", "custom"),
)


class PositionBar(QWidget):
    position_changed = Signal()

    def __init__(self, actions: Actions) -> None:
        super().__init__()
        self.setObjectName("positionBar")
        self.offset_mode_combo = named(QComboBox(), "offsetModeCombo", "Start position")
        for label, key in POSITIONS:
            self.offset_mode_combo.addItem(label, key)
        self.custom_offset_edit = named(QLineEdit(), "customOffsetEdit", "Custom offset")
        self.custom_offset_edit.setPlaceholderText("offset number")
        self.custom_offset_edit.setMinimumWidth(self.custom_offset_edit.fontMetrics().horizontalAdvance("9" * 14) + 16)
        # the time is typed as the table shows it, in the table's zone (``local``): the field holds
        # the wall-clock time and it is read in that zone as the table's times are made (Python's
        # local time), so a time copied from the table starts there
        self.local = False
        self.timestamp_edit = named(TypedDateTimeEdit(), "timestampEdit", "Start time")
        self.timestamp_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.timestamp_edit.setTimeZone(QTimeZone.utc())
        self.timestamp_edit.setCalendarPopup(True)
        # as wide as its text and the calendar button (Qt's hint allows for wider dates): room for the zone
        text_width = self.timestamp_edit.fontMetrics().horizontalAdvance("2026-12-03 20:05:00")
        self.timestamp_edit.setMinimumWidth(text_width + 32)
        self.zone_label = named(QLabel(""), "startZoneLabel", "Start time zone")
        self.set_start_time(datetime.now(UTC) - timedelta(hours=1))
        self.set_local(False)
        time_input = QWidget()
        time_layout = QHBoxLayout(time_input)
        time_layout.setContentsMargins(0, 0, 0, 0)
        time_layout.setSpacing(4)
        time_layout.addWidget(self.timestamp_edit)
        time_layout.addWidget(self.zone_label)
        # the offset and the time share one place: choosing a mode never widens the window
        self.position_input = built(QStackedWidget(), "positionInput")
        self.position_input.addWidget(QWidget())
        self.position_input.addWidget(self.custom_offset_edit)
        self.position_input.addWidget(time_input)
        self.resolved_label = named(QLabel(""), "resolvedOffsetLabel", "Resolved offset")
        self.resolved_label.setTextFormat(Qt.TextFormat.PlainText)
        self.resolved_label.setMinimumWidth(self.resolved_label.fontMetrics().horizontalAdvance("→ offset 999,999"))
        self.consumer_id_label = named(ElidedLabel("—"), "consumerIdLabel", "Consumer ID")
        # the ID's first characters; all of it in the tooltip and on Copy (a whole UUID would not fit a laptop)
        self.consumer_id_label.setFixedWidth(self.consumer_id_label.fontMetrics().horizontalAdvance("d6de5984-606f…"))
        self.consumer_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_consumer_button = built(QToolButton(), "copyConsumerButton", text="Copy")
        self.copy_consumer_button.setToolTip("Copy this machine's consumer ID")
        self.new_consumer_button = built(QToolButton(), "newConsumerButton", text="New…")
        self.new_consumer_button.setToolTip("A new consumer ID for this machine (changes which instance leads)")
        style = self.style()
        actions.start.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        actions.pause.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        actions.stop.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.start_button = action_button(actions.start, "Start", "startButton", follow_text=True)
        self.pause_button = action_button(actions.pause, "Pause", "pauseButton", follow_text=True)
        self.stop_button = action_button(actions.stop, "Stop", "stopButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        before: tuple[QWidget, ...] = (
            buddy("Start fr&om", self.offset_mode_combo),
            self.offset_mode_combo,
            self.position_input,
            self.resolved_label,
        )
        after: tuple[QWidget, ...] = (
            QLabel("Consumer"),
            self.consumer_id_label,
            self.copy_consumer_button,
            self.new_consumer_button,
            self.start_button,
            self.pause_button,
            self.stop_button,
        )
        for widget in before:
            layout.addWidget(widget)
        layout.addStretch(1)
        for widget in after:
            layout.addWidget(widget)
        self.offset_mode_combo.currentIndexChanged.connect(self._show_input)
        for changed in (
            self.offset_mode_combo.currentIndexChanged,
            self.custom_offset_edit.textChanged,
            self.timestamp_edit.dateTimeChanged,
        ):
            changed.connect(self.position_changed)
        self._show_input()

    def tab_chain(self) -> list[QWidget]:
        return [
            self.offset_mode_combo,
            self.custom_offset_edit,
            self.timestamp_edit,
            self.copy_consumer_button,
            self.new_consumer_button,
            self.start_button,
            self.pause_button,
            self.stop_button,
        ]

    def _show_input(self) -> None:
        self.position_input.setCurrentIndex({"custom": 1, "time": 2}.get(self.offset_mode_combo.currentData(), 0))

    def start_position(self) -> StartPosition:
        """The chosen position; ValueError with a message a person reads for a bad custom offset."""
        mode = self.offset_mode_combo.currentData()
        if mode == "custom":
            text = self.custom_offset_edit.text().strip().replace(",", "").replace("_", "")
            if not text.isdigit():
                raise ValueError("Custom offset must be a whole number ≥ 0")
            offset = int(text)
            if offset > INT64_MAX:
                raise ValueError(f"Custom offset must be at most {INT64_MAX:,}")
            return StartPosition("offset", offset)
        if mode == "time":
            return StartPosition("time", format_time(self.start_time()))
        return StartPosition(mode)

    def start_time(self) -> datetime:
        """The time typed, read in the zone the table shows (UTC or local time); ValueError when
        this machine cannot place it in local time."""
        shown = self.timestamp_edit.dateTime()
        day, clock = shown.date(), shown.time()
        wall = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(), clock.second())
        if not self.local:
            return wall.replace(tzinfo=UTC)
        try:
            return wall.astimezone(UTC)  # a naive time is local time, as the table's times are made
        except (OverflowError, OSError, ValueError) as err:
            raise ValueError(f"Start time {wall} is out of range in local time") from err

    def set_start_time(self, when: datetime) -> None:
        """Show ``when`` (an aware time) in the field, in the zone the table shows."""
        wall = when.astimezone() if self.local else when.astimezone(UTC)
        self.timestamp_edit.setDateTime(
            QDateTime(
                QDate(wall.year, wall.month, wall.day), QTime(wall.hour, wall.minute, wall.second), QTimeZone.utc()
            )
        )

    def set_local(self, local: bool) -> None:
        """The table shows local time (or UTC): the start time is shown and typed in that zone,
        named next to the field; the moment chosen stays the same."""
        try:
            moment: datetime | None = self.start_time()
        except ValueError:
            moment = None
        self.local = local
        if moment is not None:
            self.timestamp_edit.blockSignals(True)  # the same moment: nothing to resolve again
            self.set_start_time(moment)
            self.timestamp_edit.blockSignals(False)
        # short enough for a laptop's width in every mode; the offset in its tooltip and the zone combo
        self.zone_label.setText("local" if local else "UTC")
        tip = (
            f"Start at the first event at or after this time ({f'local time, {zone_name()}' if local else 'UTC'}), "
            "typed as the table shows times; Ctrl+T switches the zone"
        )
        self.timestamp_edit.setToolTip(tip)
        self.zone_label.setToolTip(tip)

    def current_start(self) -> StartPosition | None:
        try:
            return self.start_position()
        except ValueError:
            return None

    def refresh_resolved(
        self,
        client: EventManagerClient | None,
        sub: Subscription | None,
        store: StateStore,
        current: Callable[[], Subscription | None],
    ) -> None:
        """Show the offset the chosen position resolves to (asked off the UI thread); an answer for
        a subscription or position no longer chosen is dropped."""
        background.cancel(self, "resolve")  # an answer for what was chosen before is dropped
        if client is None or sub is None:
            self.resolved_label.setText("")
            return
        try:
            start = self.start_position()
        except ValueError as err:
            self.resolved_label.setText(f"⚠ {err}")
            return
        self.resolved_label.setText("→ resolving…")
        key = (sub.subscription_id, start)

        def still_asked() -> bool:
            chosen = current()
            return key == (chosen.subscription_id if chosen else None, self.current_start())

        def ok(offset: int) -> None:
            if still_asked():  # the newest moves on: it is the topic's end when the stream starts
                now = f"→ the newest when started (offset {offset:,} now)" if start.kind == "latest" else ""
                self.resolved_label.setText(now or f"→ offset {offset:,}")

        def failed(err: Exception) -> None:
            if still_asked():
                self.resolved_label.setText(f"→ {err}" if isinstance(err, ValueError) else f"→ ⚠ {err}")
                self.resolved_label.setToolTip(str(err))

        background.run(self, lambda: resolve_position(client, sub, start, store), ok, failed, key="resolve")

    def show_consumer_id(self, consumer_id: str) -> None:
        self.consumer_id_label.setText(consumer_id)

    def show_error(self, text: str) -> None:
        """A position that cannot be started from (a bad custom offset): said beside it."""
        self.resolved_label.setText(f"⚠ {text}")
        self.resolved_label.setToolTip(text)
