"""The main window: connection and subscription pickers, position controls, live table, filters,
detail pane, commits and export."""

from __future__ import annotations

import asyncio
import logging
import time
from array import array
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDateTime,
    QModelIndex,
    QSettings,
    QStandardPaths,
    Qt,
    QTimer,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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
    QStackedWidget,
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
from gui.consumer import Consumer, StartPosition, resolve_position
from gui.eventlog.cel import CelError
from gui.eventlog.export import DEFAULT_COLUMNS, Cancelled, export_events
from gui.eventlog.store import HEADERS, EventStore, FilterSpec, RowFilter
from gui.storage import Profile, StateStore, secrets
from gui.ui import appearance
from gui.ui.actions import Actions, ShortcutKeeper
from gui.ui.detail import DetailPane
from gui.ui.dialogs import AddSubscriptionDialog, ConnectionDialog, ExportOptionsDialog, SubscriptionDialog
from gui.ui.filter_bar import FilterBar
from gui.ui.model import EventTableModel
from gui.ui.notify import Notifier
from gui.ui.session import StreamSession, StreamStatus
from gui.ui.status import ElidedLabel, StatusPanel
from gui.ui.table import EventTableView
from gui.ui.time_range import TypedDateTimeEdit

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
# rows Ctrl+C copies at most: their text is made on the UI thread (~90 ms here); export takes any number
COPY_ROWS = 5_000
_ONE_LINE = str.maketrans("\t\r\n", "   ")  # a copied cell stays one cell of one line


def _zone_name() -> str:
    """The local zone as people read it: its name and UTC offset."""
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    return f"{now.tzname()}, UTC{offset[:3]}:{offset[3:]}" if offset else str(now.tzname())


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
        self.session = StreamSession(self.events, self)
        self._follow = True
        self._new_below = 0
        self._filter_generation = 0
        self._selection_generation = 0  # which row's subject history is awaited
        self._selected_subject = ""
        self._history_asked = 0.0
        self.appearance = "system"
        self._filter_spec = FilterSpec()
        self._known_types = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self._filtering = False  # a filter run has not answered yet
        self._new_rows_filtering = False  # a CEL run over new rows has not answered yet
        self._exports: list[dict[str, bool]] = []  # the cancel flag of each export still being written
        self.actions = Actions(self)
        self._build()
        self.actions.build_menus(self)
        self._wire()
        self._keeper = ShortcutKeeper(self)
        self.async_done.connect(lambda callback, value: callback(value))
        self.notifier = Notifier(self, self.windowIcon())
        self._history_timer = QTimer(self, singleShot=True)
        self._history_timer.timeout.connect(self._refresh_history)
        self._counts_timer = QTimer(self, interval=500)
        self._counts_timer.timeout.connect(self._update_counts)
        self._counts_timer.start()
        self._lag_timer = QTimer(self, interval=5000)
        self._lag_timer.timeout.connect(self.refresh_lag)
        self._lag_timer.start()
        self.reload_connections()
        self._restore_settings()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(8, 6, 8, 4)
        outer.setSpacing(6)

        row1 = QHBoxLayout()
        self.connection_combo = self._named(QComboBox(), "connectionCombo", "Connection")
        self.subscription_combo = self._named(QComboBox(), "subscriptionCombo", "Subscription")
        for combo in (self.connection_combo, self.subscription_combo):
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.add_connection_button = self._action_button(self.actions.add_connection, "Add connection…")
        self.new_subscription_button = self._action_button(self.actions.new_subscription, "New subscription…")
        self.add_subscription_button = self._action_button(self.actions.add_subscription, "Add existing…")
        self.consumer_id_label = self._named(ElidedLabel("—"), "consumerIdLabel", "Consumer ID")
        # the ID's first characters; all of it in the tooltip and on Copy (a whole UUID would not fit a laptop)
        self.consumer_id_label.setFixedWidth(self.consumer_id_label.fontMetrics().horizontalAdvance("d6de5984-606f…"))
        self.consumer_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_consumer_button = QToolButton(text="Copy", objectName="copyConsumerButton")
        self.copy_consumer_button.setToolTip("Copy this machine's consumer ID")
        self.new_consumer_button = QToolButton(text="New…", objectName="newConsumerButton")
        self.new_consumer_button.setToolTip("A new consumer ID for this machine (changes which instance leads)")
        for widget in (
            self._buddy("&Connection", self.connection_combo),
            self.connection_combo,
            self.add_connection_button,
            self._buddy("Su&bscription", self.subscription_combo),
            self.subscription_combo,
            self.new_subscription_button,
            self.add_subscription_button,
        ):
            row1.addWidget(widget)
        row1.setStretchFactor(self.connection_combo, 1)
        row1.setStretchFactor(self.subscription_combo, 2)
        outer.addLayout(row1)

        row2 = QHBoxLayout()
        self.offset_mode_combo = self._named(QComboBox(), "offsetModeCombo", "Start position")
        for label, key in POSITIONS:
            self.offset_mode_combo.addItem(label, key)
        self.custom_offset_edit = self._named(QLineEdit(), "customOffsetEdit", "Custom offset")
        self.custom_offset_edit.setPlaceholderText("offset number")
        self.custom_offset_edit.setMinimumWidth(self.custom_offset_edit.fontMetrics().horizontalAdvance("9" * 14) + 16)
        self.timestamp_edit = self._named(
            TypedDateTimeEdit(QDateTime.currentDateTimeUtc().addSecs(-3600)), "timestampEdit", "Start time"
        )
        self.timestamp_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.timestamp_edit.setTimeZone(QTimeZone.utc())
        self.timestamp_edit.setCalendarPopup(True)
        self.resolved_label = self._named(QLabel(""), "resolvedOffsetLabel", "Resolved offset")
        self.resolved_label.setTextFormat(Qt.TextFormat.PlainText)
        self.resolved_label.setMinimumWidth(self.resolved_label.fontMetrics().horizontalAdvance("→ offset 999,999"))
        self.commit_mode_combo = self._named(QComboBox(), "commitModeCombo", "Commit mode")
        self.commit_mode_combo.addItem("Commit to server", "server")
        self.commit_mode_combo.addItem("Store offset locally", "stored")
        self.commit_mode_combo.setToolTip(
            "Commit to server: Commit up to here sets the subscription's offset on the server.\n"
            "Store offset locally: this machine remembers each batch's offset (Start from: Stored)."
        )
        style = self.style()
        self.actions.start.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.actions.pause.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        self.actions.stop.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop))
        self.start_button = self._action_button(self.actions.start, "Start", "startButton", follow_text=True)
        self.pause_button = self._action_button(self.actions.pause, "Pause", "pauseButton", follow_text=True)
        self.stop_button = self._action_button(self.actions.stop, "Stop", "stopButton")
        # the offset and the time share one place: choosing a mode never widens the window
        self.position_input = QStackedWidget(objectName="positionInput")
        self.position_input.addWidget(QWidget())
        self.position_input.addWidget(self.custom_offset_edit)
        self.position_input.addWidget(self.timestamp_edit)
        for widget in (
            self._buddy("Start &from", self.offset_mode_combo),
            self.offset_mode_combo,
            self.position_input,
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
        for widget in (self.start_button, self.pause_button, self.stop_button):
            row2.addWidget(widget)
        outer.addLayout(row2)

        self.filter_bar = FilterBar()
        self.filter_edit = self.filter_bar.filter_edit
        self.type_button, self.type_menu = self.filter_bar.type_button, self.filter_bar.type_menu
        self.tenant_edit = self.filter_bar.tenant_edit
        self.time_range = self.filter_bar.time_range
        self.since_edit, self.until_edit = self.time_range.since_edit, self.time_range.until_edit
        self.cel_filter_edit, self.cel_error_label = self.filter_bar.cel_filter_edit, self.filter_bar.cel_error_label
        self.notify_edit, self.showing_label = self.filter_bar.notify_edit, self.filter_bar.showing_label
        outer.addWidget(self.filter_bar)

        self.table = self._named(EventTableView(self.model), "eventTable", "Events")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        # a repaint of a live tail lays out ~300 new strings: no shaping for scripts that do not
        # need it (IDs, times, Latin names)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
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

        self.status = StatusPanel(self)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(0)
        table_layout.addWidget(self.status.banner)
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
        self.revert_button = QPushButton("Revert to this", objectName="revertButton")
        self.revert_button.setEnabled(False)
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
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)

        buttons = QHBoxLayout()
        self.commit_button = self._action_button(self.actions.commit, "Commit up to here", "commitButton")
        self.commit_button.setAccessibleName("Commit up to the selected event")
        self.export_button = self._action_button(self.actions.export_csv, "Export CSV…", "exportCsvButton")
        self.export_jsonl_button = self._action_button(
            self.actions.export_jsonl, "Export JSON Lines…", "exportJsonlButton"
        )
        self.time_zone_combo = self._named(QComboBox(), "timeZoneCombo", "Time display")
        self.time_zone_combo.addItem("Times in UTC", "utc")
        self.time_zone_combo.addItem(f"Times in local time ({_zone_name()})", "local")
        buttons.addWidget(self.commit_button)
        buttons.addWidget(self.commit_mode_combo)  # where Commit up to here commits
        buttons.addStretch(1)
        buttons.addWidget(self.time_zone_combo)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.export_jsonl_button)
        outer.addLayout(buttons)
        self.setCentralWidget(central)
        self.export_csv_action = self.actions.export_csv

        s = self.status
        self.stream_status_label, self.retry_button = s.stream_status_label, s.retry_button
        self.rate_label, self.event_count_label, self.gap_label = s.rate_label, s.event_count_label, s.gap_label
        self.lag_label, self.last_poll_label = s.lag_label, s.last_poll_label
        self.committed_offset_label = s.committed_offset_label
        self._fit_screen()
        self._update_position_inputs()
        self._update_buttons()
        self._set_tab_order()

    def _fit_screen(self) -> None:
        """The first window: 1400x900, or the screen's available room if that is smaller."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = 1400, 900
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width()), min(height, room.height() - 32)
        self.resize(max(width, 640), max(height, 480))

    def _set_tab_order(self) -> None:
        """connection → position → filters → table → detail → buttons."""
        chain = [
            self.connection_combo,
            self.add_connection_button,
            self.subscription_combo,
            self.new_subscription_button,
            self.add_subscription_button,
            self.offset_mode_combo,
            self.custom_offset_edit,
            self.timestamp_edit,
            self.copy_consumer_button,
            self.new_consumer_button,
            self.start_button,
            self.pause_button,
            self.stop_button,
            *self.filter_bar.fields(),
            self.table,
            self.detail,
            self.commit_button,
            self.commit_mode_combo,
            self.time_zone_combo,
            self.export_button,
            self.export_jsonl_button,
        ]
        for widget in chain:
            if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _action_button(
        self, action: QAction, text: str, name: str | None = None, *, follow_text: bool = False
    ) -> QPushButton:
        """A push button that runs ``action`` and follows its enabled/checked state (and its text:
        Start/Restart, Pause/Resume)."""
        button = QPushButton(action.icon(), text)
        if name:
            button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(action.toolTip())
        button.setCheckable(action.isCheckable())
        button.clicked.connect(lambda: action.trigger())

        def follow() -> None:
            button.setEnabled(action.isEnabled())
            if action.isCheckable():
                button.setChecked(action.isChecked())
            if follow_text:
                button.setText(action.text().replace("&", ""))

        action.changed.connect(follow)
        follow()
        return button

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)  # Alt+the underlined letter goes to the field
        return label

    @staticmethod
    def _named(widget: Any, name: str, accessible: str) -> Any:
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        return widget

    def _wire(self) -> None:
        a = self.actions
        a.add_connection.triggered.connect(self.on_add_connection)
        a.new_subscription.triggered.connect(self.on_new_subscription)
        a.add_subscription.triggered.connect(self.on_add_existing_subscription)
        a.export_csv.triggered.connect(lambda: self.export_dialog("csv"))
        a.export_jsonl.triggered.connect(lambda: self.export_dialog("jsonl"))
        a.quit.triggered.connect(self.close)
        a.start.triggered.connect(self.on_start_requested)
        a.pause.toggled.connect(self.set_paused)
        a.stop.triggered.connect(self.stop)
        a.retry.triggered.connect(self.retry_now)
        a.commit.triggered.connect(self.commit_selected)
        a.copy_rows.triggered.connect(self.copy_rows)
        a.find.triggered.connect(self.focus_filter)
        a.clear_filters.triggered.connect(self.filter_bar.clear)
        a.jump_to_newest.triggered.connect(self.jump_to_newest)
        a.local_time.toggled.connect(
            lambda on: self.time_zone_combo.setCurrentIndex(self.time_zone_combo.findData("local" if on else "utc"))
        )
        a.appearance.triggered.connect(lambda action: self.set_appearance(action.data()))
        a.about.triggered.connect(self.show_about)
        self.connection_combo.currentIndexChanged.connect(self.on_connection_changed)
        self.subscription_combo.currentIndexChanged.connect(self.on_subscription_changed)
        self.copy_consumer_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.consumer_id_label.text())
        )
        self.new_consumer_button.clicked.connect(self.on_new_consumer_id)
        self.offset_mode_combo.currentIndexChanged.connect(self._update_position_inputs)
        self.offset_mode_combo.currentIndexChanged.connect(self.refresh_resolved)
        self.custom_offset_edit.textChanged.connect(self.refresh_resolved)
        self.timestamp_edit.dateTimeChanged.connect(self.refresh_resolved)
        self.filter_bar.changed.connect(self.apply_filter)
        self.filter_bar.notify_rule_edited.connect(lambda _text: self.on_notify_rule())
        self.filter_bar.leave_requested.connect(self.table.setFocus)
        self.commit_mode_combo.currentIndexChanged.connect(self.refresh_committed)
        self.session.status_changed.connect(self.on_status)
        self.session.rows_stored.connect(self._show_new_rows)
        self.session.store_about_to_clear.connect(self.model.on_store_about_to_clear)
        self.session.store_cleared.connect(self.model.on_store_cleared)
        self.session.rule_matched.connect(self.on_rule_matched)
        self.session.running_changed.connect(lambda _running: self._update_buttons())
        self.table.selectionModel().currentRowChanged.connect(self.on_row_selected)
        self.table.copy_requested.connect(self.copy_rows)
        self.table.pause_requested.connect(self.toggle_pause)
        self.table.newest_requested.connect(self.jump_to_newest)
        self.table.verticalScrollBar().valueChanged.connect(self.on_scrolled)
        self.table.customContextMenuRequested.connect(self.on_table_menu)
        self.new_events_button.clicked.connect(self.jump_to_newest)
        self.revert_button.clicked.connect(self.revert_commit)
        self.commit_log.currentRowChanged.connect(self._update_revert)
        self.status.retry_button.clicked.connect(self.retry_now)
        self.status.banner.retry_clicked.connect(self.retry_now)
        self.time_zone_combo.currentIndexChanged.connect(self.on_time_zone)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.on_system_scheme_changed)

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
        self.status.error("Event Monitor", str(err))

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
                self.status.tell(str(err))
            if secret:
                self.client = EventManagerClient(profile.url, profile.client_id, secret)
            else:
                self.status.tell(f"No secret for {profile.name} in the keyring: add the connection again")
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
        self.session.clear()
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
        self.position_input.setCurrentIndex({"custom": 1, "time": 2}.get(mode, 0))

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

    @property
    def consumer_thread(self) -> Any:
        """The running stream's thread (None when stopped)."""
        return self.session.thread

    @property
    def consumer_options(self) -> dict[str, Any]:
        return self.session.consumer_options

    @consumer_options.setter
    def consumer_options(self, options: dict[str, Any]) -> None:
        self.session.consumer_options = options

    def on_start_requested(self) -> None:
        """Start (F5): a running stream restarts from the chosen position, and the status says so."""
        restarting = self.session.running
        self.start()
        if restarting and self.session.running:
            self.status.tell("Restarted from the chosen position: the table shows the new stream only")

    def start(self) -> None:
        if self.client is None or self.subscription is None:
            self.status.tell("Pick a connection and a subscription first")
            return
        try:
            start = self.start_position()
        except ValueError as err:
            self.status.tell(str(err))
            self.stream_status_label.setText(str(err))
            return
        self._follow = True
        self._new_below = 0
        self.new_events_button.hide()
        self.cap_notice.hide()
        client, sub = self.client, self.subscription
        consumer_id = self.consumer_id_label.text()
        commit = "stored" if self.commit_mode_combo.currentData() == "stored" else "none"
        store = self.state_store
        options = dict(self.session.consumer_options)

        def factory(sink: Any) -> Consumer:
            return Consumer(client, sub, consumer_id, start, sink, commit=commit, store=store, **options)

        self.actions.pause.setChecked(False)
        self.session.start(factory)
        self._save_settings()
        self._update_buttons()

    def stop(self) -> None:
        self.session.stop()
        self.actions.pause.setChecked(False)
        self._update_buttons()

    def set_paused(self, paused: bool) -> None:
        self.session.set_paused(paused)
        self.actions.pause.setText("&Resume" if self.session.paused else "&Pause")
        if paused and not self.session.paused:
            self.actions.pause.setChecked(False)

    def toggle_pause(self) -> None:
        if self.session.running:
            self.actions.pause.toggle()

    def on_status(self, status: StreamStatus) -> None:
        self.status.show_status(status, can_retry=self.session.running)
        if status.state == "stopped":
            self.actions.pause.setChecked(False)
        self._update_buttons()

    def on_rule_matched(self, matched: int) -> None:
        notice = self.notifier.add(matched)
        if notice:
            self.status.tell(notice)

    def retry_now(self) -> None:
        """Cut the wait before the next attempt short (the user knows the network is back)."""
        self.retry_button.setVisible(False)
        self.session.retry_now()

    def flush_pending(self) -> None:
        self.session.flush_pending()

    def _show_new_rows(self) -> None:
        """Tell the table about the stored rows it does not show yet (filtered when a filter is on).
        A CEL filter runs in Python (~0.4 ms an event over the payload): new rows then go through
        it on a worker thread, one run at a time, and are shown when it answers."""
        new = range(self.model.end, self.events.base + len(self.events))
        row_filter = self.model.row_filter
        if row_filter is not None and row_filter.cel is not None and self.model.view is not None:
            if new and not self._new_rows_filtering:
                self._filter_new_rows(row_filter, new)
            added = 0
        else:
            added = self.model.add_rows(new)
        self._after_new_rows(added)

    def _filter_new_rows(self, row_filter: RowFilter, rows: range) -> None:
        self._new_rows_filtering = True
        generation, store = self._filter_generation, self.events

        def done(kept: array[int]) -> None:
            self._new_rows_filtering = False
            if generation != self._filter_generation or self.model.row_filter is not row_filter:
                return  # another filter (or none) since: it filters these rows itself
            self._after_new_rows(self.model.add_rows(rows, kept))
            if self.model.end < store.base + len(store):
                self._show_new_rows()  # what arrived meanwhile

        def failed(err: Exception) -> None:
            self._new_rows_filtering = False
            self.status.tell(f"Filtering new rows failed: {err}")

        self.run_async(lambda: row_filter.apply(store, rows), done, failed)

    def _after_new_rows(self, added: int) -> None:
        if len(self.events) > self.events.cap:
            self.model.drop_oldest()
            self.cap_notice.setText(f"⚠ {self.events.dropped:,} oldest events dropped (cap {self.events.cap:,})")
            self.cap_notice.show()
        if len(self.events.types.values) != self._known_types:
            self._known_types = len(self.events.types.values)
            self.filter_bar.add_types(list(self.events.types.values))
        if self.lag_label.text() == "lag —" and not self.status.status.down:
            self.refresh_lag()  # the first figure now, then every few seconds
        if self._follow and not self.table.selectionModel().hasSelection():
            self.table.scrollToBottom()
        elif added:
            self._follow = False
            self._new_below += added
            self.new_events_button.setText(f"{self._new_below:,} new events ↓")
            self.new_events_button.show()
        if added:
            self._refresh_history()
        self._update_counts()

    def on_scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        at_end = value >= bar.maximum() - 2
        if at_end and not self.table.selectionModel().hasSelection():
            self._follow = True
            self._new_below = 0
            self.new_events_button.hide()
        elif not at_end:
            self._follow = False

    def jump_to_newest(self) -> None:
        """End / "N new ↓": follow the tail again (the selection goes: it would hold the table still)."""
        self._follow = True
        self.table.clearSelection()
        self.table.scrollToBottom()
        self._new_below = 0
        self.new_events_button.hide()

    def _update_counts(self) -> None:
        s = self.session
        self.status.show_counts(rate=s.rate(), total=s.total, gaps=s.gaps, last_poll=s.last_poll)
        if not self._filtering:
            self.showing_label.setText(f"Showing {self.model.rowCount():,} of {len(self.events):,}")

    def _update_buttons(self) -> None:
        running = self.session.running
        ready = self.client is not None and self.subscription is not None
        a = self.actions
        a.start.setEnabled(ready)
        a.start.setText("Re&start" if running else "&Start")
        a.pause.setEnabled(running)
        a.stop.setEnabled(running)
        a.retry.setEnabled(running)
        a.new_subscription.setEnabled(self.client is not None)
        a.add_subscription.setEnabled(self.client is not None)
        self.new_consumer_button.setEnabled(ready)

    def refresh_lag(self) -> None:
        client, sub, last = self.client, self.subscription, self.session.last_offset
        if client is None or sub is None or not self.session.running or last is None:
            return
        self.run_async(
            lambda: client.topic_offset(sub.topic_id, "CURRENT"),
            lambda latest: self.status.show_lag(max(0, latest - last)),
            lambda err: self.status.show_lag(None),
        )

    # -- filtering -------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def schedule_filter(self) -> None:
        self.filter_bar._timer.start()

    def current_filter(self) -> FilterSpec:
        return self.filter_bar.spec(self.model.local_time)

    def apply_filter(self) -> None:
        spec = self.current_filter()
        try:
            row_filter = None if spec.empty else RowFilter(spec)  # compiling is also the CEL check
        except CelError as err:
            self.filter_bar.set_cel_error(str(err))
            return
        self.filter_bar.set_cel_error("")
        self._filter_generation += 1
        generation = self._filter_generation
        self._filter_spec = spec
        self.session.set_search_needle(row_filter.search_needle if row_filter is not None else b"")
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
        if row_filter.cel is not None:  # rows that arrived meanwhile: on a worker thread, as new rows
            self.model.set_view(row_filter, result, end=rows.stop)
            self._new_rows_filtering = False
            self._show_new_rows()
        else:  # rows that arrived while the filter ran get filtered now (a lookup per row)
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
        self.status.error("Filter failed", str(err))

    def on_notify_rule(self) -> None:
        """The notification rule, checked here, evaluated in the consumer thread from now on."""
        try:
            rule = self.notifier.set_rule(self.notify_edit.text())
        except ValueError as err:
            self.notify_edit.setToolTip(str(err))
            self.notify_edit.setStyleSheet("color: #d9534f")
            return
        self.notify_edit.setStyleSheet("")
        self.notify_edit.setToolTip("")
        self.session.set_rule(rule)

    # -- detail ----------------------------------------------------------------------------------

    def on_row_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Show the event at once; its subject's history follows from a worker thread (finding it
        searches every held event: ~100 ms for a million, too long for the UI thread when arrow
        keys move the selection). A history for a row no longer selected is dropped."""
        self._selection_generation += 1
        self._selected_subject = ""
        if not current.isValid():
            self.detail.show_event(None, b"", [])
            return
        self._follow = False  # a selected row stays where it is while events arrive
        row = self.model.row_id(current.row())
        event = self.events.event(row)
        self.detail.show_event(event, self.events.raw_bytes(row), [event])
        self._selected_subject = str(event.get("subject", "") or "")
        self._history_asked = 0.0
        self._refresh_history()

    def _refresh_history(self) -> None:
        """The selected row's subject history, again as new events arrive (at most once a second)."""
        subject = self._selected_subject
        if not subject:
            return
        wait = 1.0 - (time.monotonic() - self._history_asked)
        if wait > 0:  # asked less than a second ago: once more when the second is up
            self._history_timer.start(int(wait * 1000) + 1)
            return
        self._history_asked = time.monotonic()
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
        local = self.time_zone_combo.currentData() == "local"
        self.model.set_local_time(local)
        self.filter_bar.set_time_zone(local)  # the time range is typed in the zone the table shows
        self.status.local_time = local
        self.actions.local_time.setChecked(local)
        self._update_counts()
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
                f"The committed offset is {current:,}. Committing {offset:,} moves it backwards: events after it "
                "will be read again. Continue?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Enter keeps the offset where it is
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
        self.status.show_committed(offset)

    def refresh_committed(self) -> None:
        """Show the offset committed where the current commit mode commits: server or this machine."""
        client, sub = self.client, self.subscription
        self.model.set_committed(-1)
        self.status.show_committed(None)
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

    def _update_revert(self) -> None:
        item = self.commit_log.currentItem()
        self.revert_button.setEnabled(item is not None and item.data(Qt.ItemDataRole.UserRole) is not None)

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
        self.status.tell(text)

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
        s.setValue("time_range", self.time_range.preset)

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
        if s.value("time_range") in ("any", "5m", "15m", "1h", "24h", "today"):
            self.time_range.set_preset(str(s.value("time_range")))
        self.set_appearance(str(s.value("appearance") or "system"))
        self.cel_filter_edit.setText(str(s.value("cel") or ""))

    def set_appearance(self, scheme: str) -> None:
        """Light, dark or the system's colour scheme (View ▸ Appearance; remembered)."""
        self.appearance = scheme if scheme in appearance.SCHEMES else "system"
        dark = appearance.apply(self.appearance)
        for action in self.actions.appearance.actions():
            action.setChecked(action.data() == self.appearance)
        self.settings.setValue("appearance", self.appearance)
        self.detail.set_dark(dark)
        self.table.viewport().update()

    def on_system_scheme_changed(self) -> None:
        if self.appearance == "system":
            self.set_appearance("system")

    def show_about(self) -> None:
        from gui import __version__

        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About Event Monitor",
            f"Event Monitor {__version__}\n\nWatches the Acronis Cyber Platform event stream.\n"
            f"Local data: {self.state_store.path.parent}",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

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
