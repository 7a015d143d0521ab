"""The main window: connection and subscription pickers, position controls, live table, filters,
detail pane, commits and export."""

from __future__ import annotations

import asyncio
import logging
import time
from array import array
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDateTime,
    QModelIndex,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    QTimeZone,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QFont, QGuiApplication, QIcon, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.api import EventManagerClient, Subscription
from gui.api.client import normalize_dc_url
from gui.api.durations import format_time
from gui.api.errors import ApiError
from gui.api.models import short_type
from gui.consumer import Batch, Consumer, ConsumerState, StartPosition, resolve_position
from gui.eventlog.cel import CelError
from gui.eventlog.export import DEFAULT_COLUMNS, Cancelled, export_events
from gui.eventlog.store import HEADERS, EventStore, FilterSpec, RowFilter
from gui.storage import Profile, StateStore, secrets
from gui.ui.detail import DetailPane
from gui.ui.dialogs import AddSubscriptionDialog, ConnectionDialog, ExportOptionsDialog, SubscriptionDialog
from gui.ui.model import EventTableModel
from gui.ui.notify import Notifier
from gui.ui.table import EventTableView
from gui.ui.worker import ConsumerThread

log = logging.getLogger(__name__)
RESOURCES = Path(__file__).resolve().parents[2] / "resources"
POSITIONS = (
    ("Earliest", "earliest"),
    ("Committed", "committed"),
    ("Stored", "stored"),
    ("Latest", "latest"),
    ("Time", "time"),
    ("Custom", "custom"),
)
FLUSH_MS = 50  # at most ~20 table updates a second...
BUSY_FLUSH_MS = 200  # ...but 5 when each brings hundreds of rows: a repaint costs the same either way
BUSY_ROWS = 200
MESSAGE_MS = 8000  # how long a passing message stays in the status bar
# rows Ctrl+C copies at most: their text is made on the UI thread (~90 ms here); export takes any number
COPY_ROWS = 5_000
_ONE_LINE = str.maketrans("\t\r\n", "   ")  # a copied cell stays one cell of one line


class ElidedLabel(QLabel):
    """One line of text that ends in "…" where the room runs out, the whole of it in the tooltip:
    a long error in the status bar neither widens the window nor loses its end."""

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(80, super().minimumSizeHint().height())

    def paintEvent(self, _event: object) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            room = self.contentsRect()
            text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
            painter.drawText(room, int(self.alignment()), text)
        finally:
            painter.end()


class MainWindow(QMainWindow):
    async_done = Signal(object, object)  # callback, value

    def __init__(
        self,
        store: StateStore,
        *,
        demo_secrets: dict[str, str] | None = None,
        settings_dir: Path | None = None,
        cap: int = 1_000_000,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName("Event Monitor main window")
        self.setWindowTitle("Event Monitor")
        icon = RESOURCES / "icons" / "event-monitor.svg"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.state_store = store
        self.demo_secrets = demo_secrets or {}
        # UI state lives beside the state store, so EVENT_MONITOR_HOME relocates both (the demo's elsewhere)
        ini = (settings_dir or store.path.parent) / "window.ini"
        self.settings = QSettings(str(ini), QSettings.Format.IniFormat)
        self.events = EventStore(cap=cap)
        self.model = EventTableModel(self.events, self)
        self.client: EventManagerClient | None = None
        self.subscription: Subscription | None = None
        self.consumer_thread: ConsumerThread | None = None
        self.consumer_options: dict[str, Any] = {}  # extra Consumer arguments (e.g. backoff timing)
        self.paused = False
        self._pending: list[Batch] = []
        self._held: list[Batch] = []
        self._follow = True
        self._new_below = 0
        self._gaps = 0
        self._rate_marks: list[tuple[float, int]] = []
        self._total = 0
        self._last_poll = 0.0
        self._last_offset: int | None = None
        self._filter_generation = 0
        self._selection_generation = 0  # which row's subject history is awaited
        self._filter_spec = FilterSpec()
        self._search_needle = b""  # the text filter's search, handed to the consumer thread
        self._known_types = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self._filtering = False  # a filter run has not answered yet
        self._exports: list[dict[str, bool]] = []  # the cancel flag of each export still being written
        self._build()
        self._wire()
        self.async_done.connect(lambda callback, value: callback(value))
        self.notifier = Notifier(self, self.windowIcon())
        self._flush_timer = QTimer(self, interval=FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush_tick)
        self._flush_timer.start()
        self._lag_timer = QTimer(self, interval=5000)
        self._lag_timer.timeout.connect(self.refresh_lag)
        self._lag_timer.start()
        self.reload_connections()
        self._restore_settings()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(8, 8, 8, 4)

        row1 = QHBoxLayout()
        self.connection_combo = self._named(QComboBox(), "connectionCombo", "Connection")
        self.connection_combo.setMinimumWidth(200)
        self.add_connection_button = QPushButton("Add connection…")
        self.subscription_combo = self._named(QComboBox(), "subscriptionCombo", "Subscription")
        self.subscription_combo.setMinimumWidth(260)
        self.new_subscription_button = QPushButton("New subscription…")
        self.add_subscription_button = QPushButton("Add existing…")
        self.consumer_id_label = self._named(QLabel("—"), "consumerIdLabel", "Consumer ID")
        self.consumer_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_consumer_button = QToolButton(text="Copy")
        self.new_consumer_button = QToolButton(text="New consumer ID")
        for widget in (
            QLabel("Connection"),
            self.connection_combo,
            self.add_connection_button,
            QLabel("Subscription"),
            self.subscription_combo,
            self.new_subscription_button,
            self.add_subscription_button,
        ):
            row1.addWidget(widget)
        row1.addStretch(1)
        outer.addLayout(row1)

        row2 = QHBoxLayout()
        self.offset_mode_combo = self._named(QComboBox(), "offsetModeCombo", "Start position")
        for label, key in POSITIONS:
            self.offset_mode_combo.addItem(label, key)
        self.custom_offset_edit = self._named(QLineEdit(), "customOffsetEdit", "Custom offset")
        self.custom_offset_edit.setPlaceholderText("offset number")
        self.custom_offset_edit.setMaximumWidth(140)
        self.timestamp_edit = self._named(
            QDateTimeEdit(QDateTime.currentDateTimeUtc().addSecs(-3600)), "timestampEdit", "Start time"
        )
        self.timestamp_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.timestamp_edit.setCalendarPopup(True)
        self.resolved_label = self._named(QLabel(""), "resolvedOffsetLabel", "Resolved offset")
        self.commit_mode_combo = self._named(QComboBox(), "commitModeCombo", "Commit mode")
        self.commit_mode_combo.addItem("Commit to server (manual)", "server")
        self.commit_mode_combo.addItem("Store offset locally (each batch)", "stored")
        style = self.style()
        self.start_button = self._named(
            QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Start"), "startButton", "Start"
        )
        self.pause_button = self._named(
            QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause), "Pause"), "pauseButton", "Pause"
        )
        self.pause_button.setCheckable(True)
        self.stop_button = self._named(
            QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), "Stop"), "stopButton", "Stop"
        )
        for widget in (
            QLabel("Start from"),
            self.offset_mode_combo,
            self.custom_offset_edit,
            self.timestamp_edit,
            self.resolved_label,
        ):
            row2.addWidget(widget)
        row2.addStretch(1)
        for widget in (
            QLabel("Consumer ID"),
            self.consumer_id_label,
            self.copy_consumer_button,
            self.new_consumer_button,
        ):
            row2.addWidget(widget)
        row2.addSpacing(12)
        for widget in (self.commit_mode_combo, self.start_button, self.pause_button, self.stop_button):
            row2.addWidget(widget)
        outer.addLayout(row2)

        row3 = QHBoxLayout()
        self.filter_edit = self._named(QLineEdit(), "filterEdit", "Filter text")
        self.filter_edit.setPlaceholderText("Filter: text in any column or the payload  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.type_button = self._named(QToolButton(text="Types: all"), "typeFilterButton", "Event type filter")
        self.type_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.type_menu = QMenu(self.type_button)
        self.type_button.setMenu(self.type_menu)
        self.tenant_edit = self._named(QLineEdit(), "tenantFilterEdit", "Tenant filter")
        self.tenant_edit.setPlaceholderText("tenant ID")
        self.tenant_edit.setMaximumWidth(200)
        self.since_edit = self._time_bound("sinceEdit", "Events from")
        self.until_edit = self._time_bound("untilEdit", "Events until")
        self.cel_filter_edit = self._named(QLineEdit(), "celFilterEdit", "CEL filter")
        self.cel_filter_edit.setPlaceholderText('CEL, e.g. data.kind == "customer"')
        self.cel_error_label = self._named(QLabel(""), "celErrorLabel", "CEL error")
        self.cel_error_label.setStyleSheet("color: #c0392b")
        self.showing_label = self._named(QLabel("Showing 0 of 0"), "showingLabel", "Rows shown")
        self.notify_edit = self._named(QLineEdit(), "notifyRuleEdit", "Notification rule")
        self.notify_edit.setPlaceholderText("Notify: type or CEL")
        self.notify_edit.setToolTip(
            "Desktop notification (at most one every 10 s) for events of this type "
            "(e.g. tenant.deleted) or matching this CEL expression"
        )
        row3.addWidget(self.filter_edit, 3)
        row3.addWidget(self.type_button)
        row3.addWidget(self.tenant_edit, 1)
        row3.addWidget(self.since_edit)
        row3.addWidget(self.until_edit)
        row3.addWidget(self.cel_filter_edit, 2)
        row3.addWidget(self.cel_error_label)
        row3.addWidget(self.notify_edit, 1)
        row3.addWidget(self.showing_label)
        outer.addLayout(row3)

        self.table = self._named(EventTableView(self.model), "eventTable", "Events")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # a repaint of a live tail lays out ~300 new strings: skip eliding and, for scripts that do not
        # need it (IDs, times, Latin names), shaping; together they cut a repaint by about a third
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        font = QFont(self.table.font())
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        self.table.setFont(font)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionsMovable(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        for column, width in enumerate((80, 190, 150, 250, 270, 110, 270, 90)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table)
        self.new_events_button = self._named(QPushButton("0 new events ↓"), "newEventsButton", "Jump to newest")
        self.new_events_button.hide()
        self.cap_notice = self._named(QLabel(""), "capNoticeLabel", "Dropped events notice")
        self.cap_notice.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(self.cap_notice)
        bottom.addStretch(1)
        bottom.addWidget(self.new_events_button)
        table_layout.addLayout(bottom)

        dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
        self.detail = DetailPane(dark)
        self.detail.time_text = self.model.time_text  # times in the history as the table shows them
        self.commit_log = self._named(QListWidget(), "commitLogList", "Commit log")
        self.revert_button = QPushButton("Revert to this")
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.addWidget(self.commit_log)
        log_layout.addWidget(self.revert_button)
        self.detail.addTab(log_box, "Commits")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(table_box)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 400])
        outer.addWidget(self.splitter, 1)

        actions = QHBoxLayout()
        self.commit_button = self._named(
            QPushButton("Commit up to here  (Ctrl+Enter)"), "commitButton", "Commit up to the selected event"
        )
        self.export_button = QPushButton("Export CSV…  (Ctrl+E)")
        self.export_jsonl_button = QPushButton("Export JSON Lines…")
        self.time_zone_combo = self._named(QComboBox(), "timeZoneCombo", "Time display")
        self.time_zone_combo.addItem("Times in UTC", "utc")
        self.time_zone_combo.addItem("Times in local time", "local")
        actions.addWidget(self.commit_button)
        actions.addStretch(1)
        actions.addWidget(self.time_zone_combo)
        actions.addWidget(self.export_button)
        actions.addWidget(self.export_jsonl_button)
        outer.addLayout(actions)
        self.setCentralWidget(central)

        self.export_csv_action = QAction("Export CSV…", self)
        self.export_csv_action.setObjectName("exportCsvAction")
        self.export_csv_action.setShortcut(QKeySequence("Ctrl+E"))
        self.addAction(self.export_csv_action)

        status = self.statusBar()
        self.stream_status_label = self._named(ElidedLabel("stopped"), "streamStatusLabel", "Stream status")
        self.rate_label = self._named(QLabel("0 ev/s"), "rateLabel", "Events per second")
        self.event_count_label = self._named(QLabel("0 events"), "eventCountLabel", "Event count")
        self.gap_label = self._named(QLabel("0 gaps"), "gapLabel", "Gaps")
        self.lag_label = self._named(QLabel("lag —"), "lagLabel", "Lag")
        self.last_poll_label = self._named(QLabel("last poll —"), "lastPollLabel", "Last poll")
        self.committed_offset_label = self._named(QLabel("committed —"), "committedOffsetLabel", "Committed offset")
        self.retry_button = self._named(QPushButton("Retry now"), "retryButton", "Retry now")
        self.retry_button.setToolTip("Retry the connection now instead of waiting for the next attempt")
        self.retry_button.setVisible(False)  # only while waiting to retry after a failure
        self.retry_button.clicked.connect(self.retry_now)
        status.addWidget(self.stream_status_label)  # its text's width, less (elided) when room is short
        status.addWidget(self.retry_button)  # beside the message it acts on
        status.addWidget(QWidget(), 1)  # the rest of the room, before the counters
        for widget in (
            self.rate_label,
            self.event_count_label,
            self.gap_label,
            self.lag_label,
            self.last_poll_label,
            self.committed_offset_label,
        ):
            status.addPermanentWidget(widget)
        # counters wide enough for big numbers from the start: as they grow, the labels around them
        # neither shift nor make the window lay out and repaint everything on each update
        for label, widest in (
            (self.showing_label, "Showing 1,000,000 of 1,000,000"),
            (self.rate_label, "100,000 ev/s"),
            (self.event_count_label, "100,000,000 events"),
            (self.gap_label, "10,000 gaps"),
            (self.lag_label, "lag 10,000,000"),
            (self.last_poll_label, "last poll 00:00:00"),
        ):
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(widest))
        self.resize(1400, 900)
        self._update_position_inputs()
        self._update_buttons()

    def _time_bound(self, name: str, accessible: str) -> QDateTimeEdit:
        """A time filter bound; its minimum shows as "any" and means no bound."""
        edit = self._named(QDateTimeEdit(), name, accessible)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        edit.setTimeZone(QTimeZone.utc())
        edit.setMinimumDateTime(QDateTime.fromSecsSinceEpoch(0, QTimeZone.utc()))
        edit.setSpecialValueText("from: any" if "since" in name else "until: any")
        edit.setDateTime(edit.minimumDateTime())
        edit.setCalendarPopup(True)
        edit.setToolTip(f"{accessible} (UTC); the earliest value means no bound")
        return edit

    def _bound(self, edit: QDateTimeEdit) -> datetime | None:
        if edit.dateTime() == edit.minimumDateTime():
            return None
        return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)

    @staticmethod
    def _named(widget: Any, name: str, accessible: str) -> Any:
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        return widget

    def _wire(self) -> None:
        self.add_connection_button.clicked.connect(self.on_add_connection)
        self.connection_combo.currentIndexChanged.connect(self.on_connection_changed)
        self.subscription_combo.currentIndexChanged.connect(self.on_subscription_changed)
        self.new_subscription_button.clicked.connect(self.on_new_subscription)
        self.add_subscription_button.clicked.connect(self.on_add_existing_subscription)
        self.copy_consumer_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.consumer_id_label.text())
        )
        self.new_consumer_button.clicked.connect(self.on_new_consumer_id)
        self.offset_mode_combo.currentIndexChanged.connect(self._update_position_inputs)
        self.offset_mode_combo.currentIndexChanged.connect(self.refresh_resolved)
        self.custom_offset_edit.textChanged.connect(self.refresh_resolved)
        self.timestamp_edit.dateTimeChanged.connect(self.refresh_resolved)
        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self.set_paused)
        self.stop_button.clicked.connect(self.stop)
        self.filter_edit.textChanged.connect(self.schedule_filter)
        self.tenant_edit.textChanged.connect(self.schedule_filter)
        self.cel_filter_edit.textChanged.connect(self.schedule_filter)
        self.since_edit.dateTimeChanged.connect(self.schedule_filter)
        self.commit_mode_combo.currentIndexChanged.connect(self.refresh_committed)
        self.notify_edit.editingFinished.connect(self.on_notify_rule)
        self.until_edit.dateTimeChanged.connect(self.schedule_filter)
        self._filter_timer = QTimer(self, singleShot=True, interval=200)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self.on_row_selected)
        self.table.copy_requested.connect(self.copy_rows)
        self.table.verticalScrollBar().valueChanged.connect(self.on_scrolled)
        self.table.customContextMenuRequested.connect(self.on_table_menu)
        self.new_events_button.clicked.connect(self.jump_to_newest)
        self.commit_button.clicked.connect(self.commit_selected)
        self.export_button.clicked.connect(lambda: self.export_dialog("csv"))
        self.export_jsonl_button.clicked.connect(lambda: self.export_dialog("jsonl"))
        self.export_csv_action.triggered.connect(lambda: self.export_dialog("csv"))
        self.revert_button.clicked.connect(self.revert_commit)
        self.time_zone_combo.currentIndexChanged.connect(self.on_time_zone)
        for keys, slot in (
            ("Ctrl+F", self.focus_filter),
            ("Ctrl+Return", self.commit_selected),
            ("Ctrl+Enter", self.commit_selected),
            ("F5", self.start),
            ("Esc", self.on_escape),
            ("Space", self.toggle_pause),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

    # -- async one-shot calls (qasync) --------------------------------------------------------

    def run_async(self, fn: Callable[[], Any], ok: Callable[[Any], None], failed: Callable[[Exception], None]) -> None:
        """Run a blocking call on a worker thread via the qasync loop; callbacks run on the UI thread."""
        loop = asyncio.get_event_loop()

        async def call() -> None:
            try:
                value = await loop.run_in_executor(None, fn)
            except Exception as err:  # shown to the user by `failed`
                log.info("background call failed: %s", err)
                self.async_done.emit(failed, err)
            else:
                self.async_done.emit(ok, value)

        task = asyncio.ensure_future(call(), loop=loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def show_error(self, err: Exception) -> None:
        self.stream_status_label.setText(f"error: {err}")

    # -- connections -----------------------------------------------------------------------------

    def reload_connections(self, select: str | None = None) -> None:
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        for profile in self.state_store.profiles():
            self.connection_combo.addItem(f"{profile.name}  ({profile.url})", profile.name)
        self.connection_combo.blockSignals(False)
        if select is not None:
            index = self.connection_combo.findData(select)
            self.connection_combo.setCurrentIndex(index)
        self.on_connection_changed()

    def current_profile(self) -> Profile | None:
        name = self.connection_combo.currentData()
        return self.state_store.profile(name) if name else None

    def on_add_connection(self) -> None:
        dialog = ConnectionDialog(self.run_async, self, reserved=tuple(self.demo_secrets))
        if self.demo_secrets:  # the demo runs on the user's own store: say that this one is kept
            dialog.set_note(
                "The demo is running, but this connection is saved with your own connections: "
                "it is still there when the demo ends."
            )
        if dialog.exec():
            self.save_connection(*dialog.values())

    def save_connection(self, name: str, url: str, client_id: str, secret: str) -> None:
        try:
            url = normalize_dc_url(url)
            secrets.set_secret(url, client_id, secret)
        except (ApiError, secrets.KeyringUnavailable) as err:
            QMessageBox.warning(self, "Connection not saved", str(err))
            return
        self.state_store.save_profile(Profile(name, url, client_id))
        self.reload_connections(select=name)

    def on_connection_changed(self) -> None:
        self.stop()
        profile = self.current_profile()
        if self.client is not None:
            self.client.close()
        self.client = None
        if profile is not None:
            try:
                secret = self.demo_secrets.get(profile.name) or secrets.get_secret(profile.url, profile.client_id)
            except secrets.KeyringUnavailable as err:
                secret = None
                self.stream_status_label.setText(str(err))
            if secret:
                self.client = EventManagerClient(profile.url, profile.client_id, secret)
            else:
                self.stream_status_label.setText(f"No secret for {profile.name}: add the connection again")
        self.reload_subscriptions()

    # -- subscriptions ---------------------------------------------------------------------------

    def reload_subscriptions(self, select: str | None = None) -> None:
        self.subscription_combo.blockSignals(True)
        self.subscription_combo.clear()
        if self.client is not None:
            for sub in self.state_store.subscriptions(self.client.dc_url, self.client.client_id):
                types = ", ".join(short_type(t) if not t.endswith("*") else t.rsplit("~", 1)[-1] for t in sub.types)
                label = f"{sub.subscription_id[:8]}…  {short_type(sub.topic_id)}  [{types}]"
                self.subscription_combo.addItem(label, sub.subscription_id)
                self.subscription_combo.setItemData(
                    self.subscription_combo.count() - 1,
                    f"{sub.subscription_id}\n{sub.topic_id}\n{', '.join(sub.types)}",
                    Qt.ItemDataRole.ToolTipRole,
                )
        self.subscription_combo.blockSignals(False)
        if select is not None:
            self.subscription_combo.setCurrentIndex(self.subscription_combo.findData(select))
        self.on_subscription_changed()

    def on_subscription_changed(self) -> None:
        self.stop()
        sub_id = self.subscription_combo.currentData()
        self.subscription = None
        if self.client is not None and sub_id:
            self.subscription = self.state_store.subscription(self.client.dc_url, self.client.client_id, sub_id)
        if self.subscription is not None and self.client is not None:
            self.consumer_id_label.setText(
                self.state_store.consumer_id(self.client.dc_url, self.client.client_id, sub_id)
            )
        else:
            self.consumer_id_label.setText("—")
        self._reset_table()
        self.reload_commit_log()
        self.refresh_resolved()
        self.refresh_committed()
        self._update_buttons()
        self._update_counts()

    def on_new_subscription(self) -> None:
        if self.client is None:
            return
        dialog = SubscriptionDialog(self.client, self.run_async, self)
        if dialog.exec() and dialog.created is not None:
            self.state_store.save_subscription(self.client.dc_url, self.client.client_id, dialog.created)
            self.reload_subscriptions(select=dialog.created.subscription_id)

    def on_add_existing_subscription(self) -> None:
        if self.client is None:
            return
        dialog = AddSubscriptionDialog(self)
        if dialog.exec() and dialog.result is not None:
            self.state_store.save_subscription(self.client.dc_url, self.client.client_id, dialog.result)
            self.reload_subscriptions(select=dialog.result.subscription_id)

    def on_new_consumer_id(self) -> None:
        if self.client is None or self.subscription is None:
            return
        answer = QMessageBox.question(
            self,
            "New consumer ID",
            "A new consumer ID changes which instance the server treats as the leader of this subscription: "
            "until the old one's session times out, this window will be on standby. Continue?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.stop()
            new = self.state_store.new_consumer_id(
                self.client.dc_url, self.client.client_id, self.subscription.subscription_id
            )
            self.consumer_id_label.setText(new)

    # -- position --------------------------------------------------------------------------------

    def _update_position_inputs(self) -> None:
        mode = self.offset_mode_combo.currentData()
        self.custom_offset_edit.setVisible(mode == "custom")
        self.timestamp_edit.setVisible(mode == "time")

    def start_position(self) -> StartPosition:
        mode = self.offset_mode_combo.currentData()
        if mode == "custom":
            text = self.custom_offset_edit.text().strip()
            if not text.isdigit():
                raise ValueError("Custom offset must be a whole number ≥ 0")
            return StartPosition("offset", int(text))
        if mode == "time":
            when = self.timestamp_edit.dateTime().toUTC().toPython()
            return StartPosition("time", format_time(when.replace(tzinfo=UTC)))
        return StartPosition(mode)

    def refresh_resolved(self) -> None:
        client, sub = self.client, self.subscription
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

        def ok(offset: int) -> None:
            if key == (self.subscription.subscription_id if self.subscription else None, self._current_start()):
                self.resolved_label.setText(f"→ offset {offset}")

        def failed(err: Exception) -> None:
            self.resolved_label.setText(f"→ {err}" if isinstance(err, ValueError) else f"→ ⚠ {err}")

        self.run_async(lambda: resolve_position(client, sub, start, self.state_store), ok, failed)

    def _current_start(self) -> StartPosition | None:
        try:
            return self.start_position()
        except ValueError:
            return None

    # -- streaming -------------------------------------------------------------------------------

    def start(self) -> None:
        if self.client is None or self.subscription is None:
            self.stream_status_label.setText("Pick a connection and a subscription first")
            return
        try:
            start = self.start_position()
        except ValueError as err:
            self.stream_status_label.setText(str(err))
            return
        self.stop()
        self._reset_table()
        client, sub = self.client, self.subscription
        consumer_id = self.consumer_id_label.text()
        commit = "stored" if self.commit_mode_combo.currentData() == "stored" else "none"
        store = self.state_store
        options = dict(self.consumer_options)

        def factory(sink: Any) -> Consumer:
            return Consumer(client, sub, consumer_id, start, sink, commit=commit, store=store, **options)

        thread = ConsumerThread(factory)
        thread.worker.search_needle = self._search_needle
        thread.worker.batch_received.connect(self.on_batch)
        thread.worker.state_changed.connect(self.on_state)
        self.consumer_thread = thread
        self.paused = False
        self.pause_button.setChecked(False)
        thread.start()
        self._save_settings()
        self._update_buttons()

    def _reset_table(self) -> None:
        """Empty the table and its counters (a new subscription or a new start)."""
        self.model.clear()
        self._gaps = 0
        self._total = 0
        self._last_offset = None
        self._rate_marks.clear()

    def stop(self) -> None:
        self.retry_button.setVisible(False)
        thread, self.consumer_thread = self.consumer_thread, None
        if thread is not None:
            thread.stop()
            self.flush_pending()
        self._update_buttons()

    def on_escape(self) -> None:
        """Esc stops the stream, but not while typing in a field: there it clears the field (a
        filter, say), and pressed again leaves it for the table."""
        field = QApplication.focusWidget()
        if isinstance(field, QLineEdit):
            if field.text():
                field.clear()
            else:
                self.table.setFocus()
            return
        self.stop()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self._pending.extend(self._held)
            self._held.clear()
            self.flush_pending()
        self._update_buttons()

    def toggle_pause(self) -> None:
        if self.consumer_thread is not None:
            self.pause_button.setChecked(not self.pause_button.isChecked())

    @Slot(object)  # a slot of this window: queued to the GUI thread, not run in the consumer's
    def on_batch(self, batch: Batch) -> None:
        (self._held if self.paused else self._pending).append(batch)
        self._last_poll = time.time()
        if batch.events:
            self._last_offset = batch.offset
            self._rate_marks.append((time.monotonic(), len(batch.events)))

    @Slot(object)
    def on_state(self, state: ConsumerState) -> None:
        if state.state == "standby":
            text = f"standby — another instance is the leader, retry in {state.retry_in or 0:.0f} s"
        elif state.state == "streaming":
            text = "streaming"
            self._last_poll = time.time()
        else:
            text = state.message
        self.stream_status_label.setText(text)
        self.retry_button.setVisible(state.state == "backing_off" and self.consumer_thread is not None)
        if state.state == "stopped":
            self._update_buttons()

    def retry_now(self) -> None:
        """Cut the wait before the next attempt short (the user knows the network is back)."""
        self.retry_button.setVisible(False)
        if self.consumer_thread is not None:
            self.consumer_thread.worker.retry_now()

    def _flush_tick(self) -> None:
        """The flush timer: store what arrived now, show it a turn of the event loop later, so
        that storing a large flush and the repaint showing it never run back to back: timers
        that came due meanwhile (and input) get their turn between the two."""
        if self._store_pending():
            QTimer.singleShot(1, self._show_new_rows)
        else:
            self._update_counts()

    def flush_pending(self) -> None:
        """Store and show everything that arrived, now (one beginInsertRows)."""
        self._store_pending()
        self._show_new_rows()

    def _store_pending(self) -> bool:
        """Append the batches that arrived to the store; whether there were any."""
        if not self._pending:
            return False
        batches, self._pending = self._pending, []
        arrived = sum(len(b.events) for b in batches)
        self._flush_timer.setInterval(BUSY_FLUSH_MS if arrived >= BUSY_ROWS else FLUSH_MS)
        for batch in batches:
            notice = self.notifier.check(batch.events)
            if notice:
                self.tell(notice)
            self.events.append(batch.events, ((g.first, g.last) for g in batch.gaps))
            self._gaps += len(batch.gaps)
            self._total += len(batch.events)
        if len(self.events.types.values) != self._known_types:
            self._known_types = len(self.events.types.values)
            self.update_type_menu()
        if self.lag_label.text() == "lag —":
            self.refresh_lag()  # the first figure now, then every few seconds
        return True

    def _show_new_rows(self) -> None:
        """Tell the table about the stored rows it does not show yet (filtered when a filter is on)."""
        added = self.model.add_rows(range(self.model.end, self.events.base + len(self.events)))
        if len(self.events) > self.events.cap:
            self.model.drop_oldest()
            self.cap_notice.setText(f"⚠ {self.events.dropped:,} oldest events dropped (cap {self.events.cap:,})")
            self.cap_notice.show()
        if self._follow:
            self.table.scrollToBottom()
        elif added:
            self._new_below += added
            self.new_events_button.setText(f"{self._new_below} new events ↓")
            self.new_events_button.show()
        self._update_counts()

    def on_scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        self._follow = value >= bar.maximum() - 2
        if self._follow:
            self._new_below = 0
            self.new_events_button.hide()

    def jump_to_newest(self) -> None:
        self._follow = True
        self.table.scrollToBottom()
        self._new_below = 0
        self.new_events_button.hide()

    def _update_counts(self) -> None:
        now = time.monotonic()
        self._rate_marks = [m for m in self._rate_marks if now - m[0] < 5]
        rate = sum(n for _, n in self._rate_marks) / 5 if self._rate_marks else 0
        self.rate_label.setText(f"{rate:.0f} ev/s")
        self.event_count_label.setText(f"{self._total:,} events")
        self.gap_label.setText(f"{self._gaps} gaps")
        if not self._filtering:
            self.showing_label.setText(f"Showing {self.model.rowCount():,} of {len(self.events):,}")
        if self._last_poll:
            self.last_poll_label.setText("last poll " + time.strftime("%H:%M:%S", time.localtime(self._last_poll)))

    def _update_buttons(self) -> None:
        running = self.consumer_thread is not None and self.consumer_thread.running()
        ready = self.client is not None and self.subscription is not None
        self.start_button.setEnabled(ready)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.new_subscription_button.setEnabled(self.client is not None)
        self.add_subscription_button.setEnabled(self.client is not None)
        self.new_consumer_button.setEnabled(ready)

    def refresh_lag(self) -> None:
        client, sub, last = self.client, self.subscription, self._last_offset
        if client is None or sub is None or self.consumer_thread is None or last is None:
            return
        self.run_async(
            lambda: client.topic_offset(sub.topic_id, "CURRENT"),
            lambda latest: self.lag_label.setText(f"lag {max(0, latest - last):,}"),
            lambda err: None,
        )

    # -- filtering -------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def schedule_filter(self) -> None:
        self._filter_timer.start()

    def current_filter(self) -> FilterSpec:
        types = frozenset(a.data() for a in self.type_menu.actions() if a.isChecked())
        return FilterSpec(
            text=self.filter_edit.text().strip(),
            types=types,
            tenant=self.tenant_edit.text().strip(),
            since=self._bound(self.since_edit),
            until=self._bound(self.until_edit),
            cel=self.cel_filter_edit.text().strip(),
            local_time=self.model.local_time,
        )

    def apply_filter(self) -> None:
        spec = self.current_filter()
        try:
            row_filter = None if spec.empty else RowFilter(spec)  # compiling is also the CEL check
        except CelError as err:
            self.cel_error_label.setText(str(err))
            self.cel_filter_edit.setToolTip(str(err))
            return
        self.cel_error_label.setText("")
        self.cel_filter_edit.setToolTip("")
        self._filter_generation += 1
        generation = self._filter_generation
        self._filter_spec = spec
        self._search_needle = row_filter.search_needle if row_filter is not None else b""
        if self.consumer_thread is not None:
            self.consumer_thread.worker.search_needle = self._search_needle
        if row_filter is None:
            self._filtering = False
            self.model.set_view(None, None)
            self._update_counts()
            return
        rows = self.events.rows()
        self._filtering = True  # until this run answers: the count shown is not the new filter's yet
        self.showing_label.setText(f"Filtering {len(rows):,} events…")

        def work() -> array[int]:
            return row_filter.apply(self.events, rows, cancelled=lambda: generation != self._filter_generation)

        self.run_async(
            work,
            lambda result: self.on_filter_done(generation, row_filter, rows, result),
            lambda err: self.on_filter_failed(generation, err),
        )

    def on_filter_done(self, generation: int, row_filter: RowFilter, rows: range, result: array[int]) -> None:
        if generation != self._filter_generation:
            return
        self._filtering = False
        # rows that arrived while the filter ran get filtered now
        tail = range(rows.stop, self.model.end)
        if len(tail):
            result.extend(row_filter.apply(self.events, tail))
        self.model.set_view(row_filter, result)
        self._update_counts()
        if self._follow:
            self.table.scrollToBottom()

    def on_filter_failed(self, generation: int, err: Exception) -> None:
        if generation == self._filter_generation:
            self._filtering = False
            self._update_counts()
        self.show_error(err)

    def update_type_menu(self) -> None:
        known = {a.data() for a in self.type_menu.actions()}
        for type_id in self.events.types.values:
            if type_id and type_id not in known:
                action = self.type_menu.addAction(short_type(type_id))
                action.setData(type_id)
                action.setCheckable(True)
                action.setToolTip(type_id)
                action.toggled.connect(self._on_type_toggled)

    def _on_type_toggled(self) -> None:
        chosen = [a.text() for a in self.type_menu.actions() if a.isChecked()]
        self.type_button.setText(f"Types: {len(chosen)} chosen" if chosen else "Types: all")
        self.schedule_filter()

    def on_notify_rule(self) -> None:
        try:
            self.notifier.set_rule(self.notify_edit.text())
        except ValueError as err:
            self.notify_edit.setToolTip(str(err))
            self.notify_edit.setStyleSheet("color: #c0392b")
            return
        self.notify_edit.setStyleSheet("")

    # -- detail ----------------------------------------------------------------------------------

    def on_row_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Show the event at once; its subject's history follows from a worker thread (finding it
        searches every held event: ~100 ms for a million, too long for the UI thread when arrow
        keys move the selection). A history for a row no longer selected is dropped."""
        self._selection_generation += 1
        if not current.isValid():
            self.detail.show_event(None, b"", [])
            return
        row = self.model.row_id(current.row())
        event = self.events.event(row)
        self.detail.show_event(event, self.events.raw_bytes(row), [event])
        subject = event.get("subject", "")
        if subject:
            generation, store = self._selection_generation, self.events

            def show(history: list[dict[str, Any]]) -> None:
                if generation == self._selection_generation:
                    self.detail.show_history(history)

            self.run_async(lambda: store.subject_events(subject), show, lambda err: None)

    def on_table_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction("Commit up to here", self.commit_selected)
        index = self.table.indexAt(pos)
        if index.isValid():
            menu.addAction("Copy cell", lambda: self.copy_cell(index))
        menu.addAction("Copy rows\tCtrl+C", self.copy_rows)
        menu.addAction("Copy event JSON", lambda: QGuiApplication.clipboard().setText(self.detail.pretty.toPlainText()))
        menu.addAction("Export selection…", lambda: self.export_dialog("csv", selection=True))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def on_time_zone(self) -> None:
        self.model.set_local_time(self.time_zone_combo.currentData() == "local")
        self.on_row_selected(self.table.currentIndex(), QModelIndex())  # its history's times too
        if self.filter_edit.text().strip():
            self.apply_filter()  # a time typed in the text filter is read in the zone shown

    # -- commits ---------------------------------------------------------------------------------

    def selected_sequence(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.model.row_id(index.row())
        return int(self.events.seq[row - self.events.base])

    def commit_selected(self) -> None:
        sequence = self.selected_sequence()
        if sequence is None:
            self.tell("Select an event to commit up to it")
            return
        self.commit_offset(sequence)

    def commit_offset(self, offset: int, *, confirm: bool = True) -> None:
        client, sub = self.client, self.subscription
        if client is None or sub is None:
            return
        target = "stored" if self.commit_mode_combo.currentData() == "stored" else "server"
        current = self.model.committed
        if confirm and current >= 0 and offset < current:
            answer = QMessageBox.question(
                self,
                "Move the committed offset back?",
                f"The committed offset is {current}. Committing {offset} moves it backwards: events after it "
                "will be read again. Continue?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        if target == "stored":
            self.state_store.store_offset(client.dc_url, client.client_id, sub.subscription_id, offset, log=True)
            self.on_committed(offset)
            return

        def work() -> int:
            client.commit_offset(sub.subscription_id, offset)
            self.state_store.log_commit(
                client.dc_url,
                client.client_id,
                sub.subscription_id,
                "server",
                current if current >= 0 else None,
                offset,
            )
            return offset

        self.run_async(work, self.on_committed, lambda err: QMessageBox.warning(self, "Commit failed", str(err)))

    def on_committed(self, offset: int) -> None:
        self._show_committed(offset)
        self.reload_commit_log()
        self.refresh_resolved()

    def _show_committed(self, offset: int) -> None:
        self.model.set_committed(offset)
        self.committed_offset_label.setText(f"committed {offset}")

    def refresh_committed(self) -> None:
        """Show the offset committed where the current commit mode commits: server or this machine."""
        client, sub = self.client, self.subscription
        self.model.set_committed(-1)
        self.committed_offset_label.setText("committed —")
        if client is None or sub is None:
            return
        if self.commit_mode_combo.currentData() == "stored":
            stored = self.state_store.stored_offset(client.dc_url, client.client_id, sub.subscription_id)
            if stored is not None:
                self._show_committed(stored)
            return
        self.run_async(lambda: client.committed_offset(sub.subscription_id), self._show_committed, lambda err: None)

    def reload_commit_log(self) -> None:
        self.commit_log.clear()
        if self.client is None or self.subscription is None:
            return
        for commit in self.state_store.commits(
            self.client.dc_url, self.client.client_id, self.subscription.subscription_id
        ):
            when = datetime.fromtimestamp(commit.at).strftime("%Y-%m-%d %H:%M:%S")
            origin = "—" if commit.from_offset is None else str(commit.from_offset)
            item_text = f"{when}  {commit.target}: {origin} → {commit.offset}"
            self.commit_log.addItem(item_text)
            self.commit_log.item(self.commit_log.count() - 1).setData(Qt.ItemDataRole.UserRole, commit.from_offset)

    def revert_commit(self) -> None:
        item = self.commit_log.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole) is None:
            return
        self.commit_offset(int(item.data(Qt.ItemDataRole.UserRole)))

    # -- export ----------------------------------------------------------------------------------

    def export_rows(self, selection: bool = False) -> Sequence[int]:
        """The store rows to export: the selected ones, or all shown (a snapshot, made without a
        Python loop over every row: exporting a million rows does not stall the window)."""
        if selection:
            return self.selected_rows()
        return self.model.shown_rows()

    def selected_rows(self) -> array[int]:
        """The store rows of the selected table rows, in table order: from the selection's ranges,
        not a list of a million indexes when everything is selected."""
        spans: list[tuple[int, int]] = []
        for first, last in sorted((r.top(), r.bottom()) for r in self.table.selectionModel().selection()):
            if spans and first <= spans[-1][1] + 1:  # overlapping or touching: one span
                spans[-1] = (spans[-1][0], max(spans[-1][1], last))
            else:
                spans.append((first, last))
        return self.model.rows_in(spans)

    def copy_rows(self) -> None:
        """Ctrl+C: the selected rows as the table shows them, tab-separated under a header line
        (pastes into a spreadsheet as columns); at most COPY_ROWS, export is there for more."""
        rows = self.selected_rows()
        if not rows:
            self.tell("Select rows to copy")
            return
        taken = rows[:COPY_ROWS]
        lines = ["\t".join(HEADERS)]
        lines += ["\t".join(cell.translate(_ONE_LINE) for cell in self.model.row_text(row)) for row in taken]
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        self.tell(
            f"Copied {len(taken):,} rows"
            if len(taken) == len(rows)
            else f"Copied the first {len(taken):,} of {len(rows):,} selected rows; Export CSV… writes them all"
        )

    def tell(self, text: str) -> None:
        """A passing message (an action's outcome, a notification rule's hit): shown over the
        stream status for a few seconds, which then comes back."""
        self.statusBar().showMessage(text, MESSAGE_MS)

    def copy_cell(self, index: QModelIndex) -> None:
        QGuiApplication.clipboard().setText(str(index.data() or ""))

    def export_dialog(self, fmt: str, selection: bool = False) -> None:
        has_selection = self.table.selectionModel().hasSelection()
        options = ExportOptionsDialog(DEFAULT_COLUMNS, has_selection, fmt == "csv", self)
        options.selection_check.setChecked(selection and has_selection)
        if not options.exec():
            return
        columns = options.chosen_columns()
        if fmt == "csv" and not columns:
            QMessageBox.information(self, "Export", "Choose at least one column.")
            return
        suffix = "csv" if fmt == "csv" else "jsonl"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export events",
            self.default_export_path(suffix),
            "CSV (*.csv)" if fmt == "csv" else "JSON Lines (*.jsonl)",
        )
        if path:
            self.export_to(
                Path(path),
                fmt,
                selection=options.selection_check.isChecked(),
                bom=options.bom_check.isChecked(),
                columns=columns,
            )

    def default_export_path(self, suffix: str) -> str:
        """Where the save dialog starts: the folder of the last export (else Documents, else home),
        and a name with the date and time, so exports do not overwrite one another by default."""
        last = str(self.settings.value("export_dir") or "")
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        folder = next((Path(f) for f in (last, documents) if f and Path(f).is_dir()), Path.home())
        return str(folder / f"events-{datetime.now().strftime('%Y-%m-%d-%H%M')}.{suffix}")

    def export_to(
        self,
        path: Path,
        fmt: str = "csv",
        *,
        selection: bool = False,
        bom: bool = False,
        columns: tuple[str, ...] = DEFAULT_COLUMNS,
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        """Export in the background with progress and cancel; the file appears only when complete."""
        self.settings.setValue("export_dir", str(path.parent))  # the next export starts there
        rows = self.export_rows(selection)
        spec = self._filter_spec
        first = self.events.seq[rows[0] - self.events.base] if rows else None
        last = self.events.seq[rows[-1] - self.events.base] if rows else None
        comments = [
            f"Event Monitor export {format_time(datetime.now(UTC))}",
            f"subscription {self.subscription.subscription_id if self.subscription else '-'}",
            f"offsets {first}..{last}, {len(rows)} events",
            f"filter text={spec.text!r} types={sorted(spec.types)} tenant={spec.tenant!r} cel={spec.cel!r}",
        ]
        read = self.events.json_arrays(rows)  # a snapshot; reading and decoding happen off the UI thread
        progress = QProgressDialog("Exporting…", "Cancel", 0, max(1, len(rows)), self)
        progress.setObjectName("exportProgress")
        progress.setMinimumDuration(500)
        cancelled = {"flag": False}
        self._exports.append(cancelled)
        progress.canceled.connect(lambda: cancelled.update(flag=True))
        report = {"done": 0}

        def tick(done: int, total: int) -> bool:
            report["done"] = done
            return not cancelled["flag"]

        def work() -> int:
            return export_events(
                path,
                read(),
                fmt=fmt,
                columns=columns,
                bom=bom,
                comments=comments if fmt == "csv" else (),
                total=len(rows),
                progress=tick,
            )

        timer = QTimer(self, interval=100)
        timer.timeout.connect(lambda: progress.setValue(report["done"]))
        timer.start()

        def finished(result: Any) -> None:
            self._exports.remove(cancelled)
            timer.stop()
            progress.reset()
            if isinstance(result, Cancelled):
                self.tell("Export cancelled; no file written")
            elif isinstance(result, Exception):
                QMessageBox.warning(self, "Export failed", f"{result}\nNo file was written.")
            else:
                self.tell(f"Exported {result:,} events to {path}")
            if on_done is not None:
                on_done(result)

        self.run_async(work, finished, finished)

    # -- settings --------------------------------------------------------------------------------

    def _save_settings(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("splitter", self.splitter.saveState())
        s.setValue("header", self.table.horizontalHeader().saveState())
        s.setValue("connection", self.connection_combo.currentData())
        s.setValue("subscription", self.subscription_combo.currentData())
        s.setValue("position", self.offset_mode_combo.currentData())
        s.setValue("filter", self.filter_edit.text())
        s.setValue("cel", self.cel_filter_edit.text())
        s.setValue("commit_mode", self.commit_mode_combo.currentData())
        s.setValue("time_zone", self.time_zone_combo.currentData())

    def _restore_settings(self) -> None:
        s = self.settings
        if s.value("geometry"):
            self.restoreGeometry(s.value("geometry"))
        if s.value("splitter"):
            self.splitter.restoreState(s.value("splitter"))
        if s.value("header"):
            self.table.horizontalHeader().restoreState(s.value("header"))
        for combo, key in (
            (self.connection_combo, "connection"),
            (self.subscription_combo, "subscription"),
            (self.offset_mode_combo, "position"),
            (self.commit_mode_combo, "commit_mode"),
            (self.time_zone_combo, "time_zone"),
        ):
            value = s.value(key)
            index = combo.findData(value) if value else -1
            if index >= 0:
                combo.setCurrentIndex(index)
        self.filter_edit.setText(str(s.value("filter") or ""))
        self.cel_filter_edit.setText(str(s.value("cel") or ""))

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self._exports:
            answer = QMessageBox.question(
                self,
                "Export in progress",
                "An export is still being written. Stop it and close the window?\n\nIts file is not written.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for cancelled in self._exports:
                cancelled["flag"] = True
        self._save_settings()
        self.stop()
        if self.client is not None:
            self.client.close()
        super().closeEvent(event)
