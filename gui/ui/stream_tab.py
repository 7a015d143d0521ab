"""One stream in a tab of the main window: builds the parts a user sees (each its own module)
and wires them, in one place. The stream's state is one object, ``state`` (``gui.ui.stream_state``):
the parts display it, and a new stream, subscription or connection starts it over (``reset``)
for all of them at once. What each part does is in its module: the connection bar, the position
bar, the filter bar and its filtering, the timeline, the event table, the detail pane, commits,
export, saved views, the status bar, the stream session; every command is a QAction
(``commands``, ``gui.ui.actions``: each tab has its own, the menu bar shows the current tab's).
The window around the tabs is ``gui.ui.window``."""

from __future__ import annotations

import logging
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSplitter, QStatusBar, QVBoxLayout, QWidget

from gui.api import EventManagerClient, Subscription
from gui.eventlog.store import EventStore
from gui.storage import StateStore
from gui.ui import appearance, managers, message, window_state
from gui.ui.actions import Actions, ShortcutKeeper, action_button, built, named
from gui.ui.commits import Commits
from gui.ui.connection_bar import ConnectionBar
from gui.ui.detail import DetailPane
from gui.ui.dialogs import show_about
from gui.ui.event_table import EventTable
from gui.ui.export_job import Exporter, Provenance
from gui.ui.filter_bar import FilterBar
from gui.ui.filtering import TableFilter
from gui.ui.health import StreamHealth
from gui.ui.model import EventTableModel
from gui.ui.notify import Alerts, Notifier
from gui.ui.position_bar import PositionBar
from gui.ui.saved_views import SavedViews
from gui.ui.selection import SelectionDetail
from gui.ui.session import StreamSession
from gui.ui.sorting import TableSort
from gui.ui.status import StatusPanel
from gui.ui.stream_controls import StreamControls
from gui.ui.stream_state import StreamState
from gui.ui.tenant_names import TenantNames
from gui.ui.time_range import zone_name
from gui.ui.timeline import Timeline

log = logging.getLogger(__name__)


class StreamTab(QWidget):
    title_changed = Signal()  # the subscription or the stream's state changed: the tab's title follows

    def __init__(
        self,
        store: StateStore,
        settings: Any,
        root_settings: QSettings,
        *,
        demo_secrets: dict[str, str] | None = None,
        insecure_http: bool = False,
        cap: int = 1_000_000,
        icon: QIcon | None = None,
        alerts: Alerts | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("streamTab")
        self.setAccessibleName("Stream")
        self.state_store = store
        self.demo_secrets = demo_secrets or {}
        self.insecure_http = insecure_http
        self.settings = settings  # this tab's keys of window.ini (window_state.TabSettings)
        self.root_settings = root_settings  # the window's: appearance, the export folder
        self._icon = icon or QIcon()
        self.alerts = alerts  # the window's tray or taskbar alert (gui.ui.notify.Alerts)
        self._closing = False
        self.events = EventStore(cap=cap)
        self.model = EventTableModel(self.events, self)
        self.state = StreamState(self)  # the stream's state: the parts display it
        self.session = StreamSession(self.events, self.state, self)
        self._known_types = 0
        self.commands = Actions(self)
        self._build()
        self._wire()
        self._keeper = ShortcutKeeper(self)
        self._counts_timer = QTimer(self, interval=500)
        self._counts_timer.timeout.connect(self._update_counts)
        self._counts_timer.start()
        self.connection_bar.reload_connections()
        window_state.restore_tab(self)

    # -- the parts -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.status_bar = built(QStatusBar(), "statusBar")
        self.status_bar.setSizeGripEnabled(False)
        self.status = StatusPanel(self.status_bar, self)
        self.status.attach(self.state)
        self.connection_bar = ConnectionBar(
            self.state_store, self.commands, self.demo_secrets, self.insecure_http
        )
        self.connection_bar.streaming = lambda: self.session.running
        self.position_bar = PositionBar(self.commands)
        self.filter_bar = FilterBar()
        self.table_part = EventTable(self.model, self.status.banner)
        self.filtering = TableFilter(self.events, self.model, self.session, self.filter_bar)
        self.sorting = TableSort(self.events, self.model, self.table_part)
        self.timeline = Timeline(self.events, self.model, self)
        self.timeline_view = self.timeline.view
        self.detail = DetailPane(appearance.system_is_dark())
        self.detail.time_text = self.model.time_text  # times in the history as the table shows them
        self.commits = Commits(self.state_store, self.model, lambda: (self.client, self.subscription), self)
        self.commits.offset_shown.connect(self.state.set_committed)
        self.detail.addTab(self.commits.tab, "Commits")
        self.exporter = Exporter(
            self,
            self.events,
            self.root_settings,
            self.table_part.rows_to_export,
            lambda: self.table.selectionModel().hasSelection(),
            lambda: Provenance(
                self.subscription.subscription_id if self.subscription else "-",
                self.filtering.spec,
                self.filter_bar.time_range.preset_combo.currentText(),
                self.saved_views.editor.current(),
            ),
            self.table_part.visible_columns,
            lambda: self.model.local_time,
        )
        self.table_part.shown_rows = self.exporter.shown_rows  # Ctrl+C copies the export's columns
        self.tenant_names = TenantNames(self.events, self.model, self.state_store, lambda: self.client)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table_part)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 400])
        self.splitter.setChildrenCollapsible(False)
        self.commit_button = action_button(self.commands.commit, "Commit up to here", "commitButton")
        self.commit_button.setAccessibleName("Commit up to the selected event")
        self.export_button = action_button(self.commands.export_csv, "Export CSV…", "exportCsvButton")
        self.export_jsonl_button = action_button(self.commands.export_jsonl, "Export JSON Lines…", "exportJsonlButton")
        self.time_zone_combo = named(QComboBox(), "timeZoneCombo", "Time display")
        self.time_zone_combo.addItem("Times in UTC", "utc")
        self.time_zone_combo.addItem(f"Times in local time ({zone_name()})", "local")
        self.saved_views = SavedViews(
            self,
            self.state_store,
            self.commands,
            self.filter_bar,
            self.table_part,
            self.time_zone_combo,
            lambda: self.subscription.subscription_id if self.subscription else None,
        )
        self.saved_view_combo = self.saved_views.combo
        buttons = QHBoxLayout()
        buttons.addWidget(self.commit_button)
        buttons.addWidget(self.commits.mode_combo)  # where Commit up to here commits
        buttons.addStretch(1)
        for widget in (self.saved_view_combo, self.time_zone_combo, self.export_button, self.export_jsonl_button):
            buttons.addWidget(widget)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 0)
        outer.setSpacing(6)
        for part in (self.connection_bar, self.position_bar, self.filter_bar, self.timeline_view):
            outer.addWidget(part)
        outer.addWidget(self.splitter, 1)
        outer.addLayout(buttons)
        outer.addWidget(self.status_bar)
        self.notifier = Notifier(self.alerts or Alerts(self, self._icon))  # the window's, when in one
        self.controls = StreamControls(
            self.session,
            self.commands,
            self.connection_bar,
            self.position_bar,
            self.table_part,
            self.commits,
            self.notifier,
            started=self._save_settings,
            notify_field=self.filter_bar,
        )
        self.health = StreamHealth(  # "why no events?" (gui/ui/health.py)
            self.state, lambda: (self.client, self.subscription, self.state_store), self.commands.stream_health,
            self.status.stream_status_label, self,
        )  # fmt: skip
        self.selection = SelectionDetail(self.events, self.model, self.table_part, self.detail)
        self.selection.select = self.state.select
        self.table = self.table_part.view
        self.controls.update_buttons()
        chain = [
            *self.connection_bar.tab_chain(),
            *self.position_bar.tab_chain(),
            *self.filter_bar.fields(),
            self.table,
            self.detail,
            self.commit_button,
            self.commits.mode_combo,
            self.saved_view_combo,
            self.time_zone_combo,
            self.export_button,
            self.export_jsonl_button,
        ]
        for first, second in pairwise(chain):  # connection → position → filters → table → detail → buttons
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        a = self.commands
        a.export_csv.triggered.connect(lambda: self.exporter.dialog("csv"))
        a.export_jsonl.triggered.connect(lambda: self.exporter.dialog("jsonl"))
        a.commit.triggered.connect(self.commit_selected)
        a.copy_rows.triggered.connect(self.table_part.copy_rows)
        a.find.triggered.connect(self.filter_bar.focus_text)
        a.clear_filters.triggered.connect(self.filter_bar.clear)
        a.jump_to_newest.triggered.connect(self.table_part.jump_to_newest)
        a.local_time.toggled.connect(
            lambda on: self.time_zone_combo.setCurrentIndex(self.time_zone_combo.findData("local" if on else "utc"))
        )
        a.about.triggered.connect(lambda: show_about(self, self.state_store.path.parent))
        managers.wire(self)  # Manage connections/subscriptions, Create subscription from the view
        self.connection_bar.subscription_changed.connect(self.on_subscription_changed)
        self.state.title_changed.connect(self._title_changed)
        # a new stream, subscription or connection: every part starts over, in one place
        for part_reset in (
            self.table_part.reset,
            self.selection.clear,
            self.timeline.reset,
            self.sorting.reset,
            self.tenant_names.reset,  # names asked again
        ):
            self.state.reset.connect(part_reset)
        self.position_bar.position_changed.connect(self.refresh_resolved)
        self.position_bar.copy_consumer_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.state.consumer_id)
        )
        self.position_bar.new_consumer_button.clicked.connect(self.controls.new_consumer_id)
        self.status.retry_button.clicked.connect(self.controls.retry_now)
        self.status.banner.retry_clicked.connect(self.controls.retry_now)
        self.filter_bar.changed.connect(self.filtering.apply)
        self.filter_bar.notify_rule_edited.connect(self.controls.set_notify_rule)
        self.filter_bar.leave_requested.connect(self.table.setFocus)
        self.filtering.applied.connect(self._on_filter_applied)
        self.timeline_view.range_selected.connect(self.filter_bar.time_range.set_custom)
        self.timeline_view.bucket_clicked.connect(
            lambda since, _until: self.table_part.scroll_to_row(self.timeline.row_at(since))
        )
        a.show_timeline.toggled.connect(self.show_timeline)
        self.filtering.rows_added.connect(self._after_new_rows)
        self.commits.committed.connect(lambda _offset: self.refresh_resolved())
        s = self.session
        s.rows_stored.connect(self.filtering.show_new_rows)
        s.store_about_to_clear.connect(self.model.on_store_about_to_clear)
        s.store_cleared.connect(self.model.on_store_cleared)
        self.table.addAction(a.copy_rows)
        self.table_part.commit_requested.connect(self.commit_selected)
        self.table_part.export_selection_requested.connect(lambda: self.exporter.dialog("csv", selection=True))
        self.table_part.copy_event_requested.connect(
            lambda: QGuiApplication.clipboard().setText(self.detail.pretty.toPlainText())
        )
        self.time_zone_combo.currentIndexChanged.connect(self.on_time_zone)
        self.table_part.filter_requested.connect(self.filter_bar.filter_by)
        self.table_part.history_requested.connect(lambda: self.detail.setCurrentIndex(2))
        self.table_part.columns_changed.connect(self._save_settings)

    # -- connection and subscription -------------------------------------------------------------

    @property
    def client(self) -> EventManagerClient | None:
        return self.connection_bar.client

    @property
    def subscription(self) -> Subscription | None:
        return self.connection_bar.subscription

    def on_subscription_changed(self) -> None:
        bar = self.connection_bar
        sub = bar.subscription
        self.state.identify(
            bar.connection_combo.currentData(),
            sub.subscription_id if sub else None,
            bar.subscription_combo.currentText() if sub else "",
            bar.consumer_id(),
        )
        self.state.skip_reasons = tuple(sub.skip_reasons()) if sub else ()
        self.position_bar.show_consumer_id(self.state.consumer_id)
        self.session.clear()  # the state begins again: every part follows
        if bar.problem:
            self.state.set_notice(bar.problem)
        self.commits.reload()
        self.saved_views.reload()  # this subscription's views beside the others
        self.refresh_resolved()
        self.commits.refresh()
        self.controls.update_buttons()
        self._update_counts()

    def refresh_resolved(self) -> None:
        self.position_bar.refresh_resolved(
            self.client, self.subscription, self.state_store, lambda: self.subscription
        )

    # -- streaming (gui/ui/stream_controls.py) ----------------------------------------------------

    @property
    def consumer_thread(self) -> Any:
        """The running stream's thread (None when stopped)."""
        return self.session.consumer

    def _after_new_rows(self, added: int) -> None:
        dropped = 0
        if len(self.events) > self.events.cap:
            self.model.drop_oldest()
            dropped = self.events.dropped
        if len(self.events.types.values) != self._known_types:
            self._known_types = len(self.events.types.values)
            self.filter_bar.add_types(list(self.events.types.values))
        if self.state.lag is None and self.state.live:
            self.controls.refresh_lag()  # the first figure now, then every few seconds
        self.table_part.show_added(added, dropped, self.events.cap)
        self.sorting.show_held()
        if self.commands.show_timeline.isChecked():  # hidden tabs' timelines too: current when shown
            self.timeline.add_shown(added)
            if dropped:
                self.timeline.rows_dropped()
        if added:
            self.selection.refresh_history()
        self.tenant_names.resolve()
        self._update_counts()

    def trim_to_cap(self) -> None:
        """Hold at most the cap (it shrinks when another tab opens): the oldest rows go."""
        if len(self.events) > self.events.cap:
            self.model.drop_oldest()
            self.table_part.show_added(0, self.events.dropped, self.events.cap)
            self.timeline.rows_dropped()
            self._update_counts()

    def _update_counts(self) -> None:
        self.controls.update_counts()
        if not self.filtering.running:
            self.filter_bar.showing_label.setText(f"Showing {self.model.rowCount():,} of {len(self.events):,}")

    # -- filters, detail, time zone --------------------------------------------------------------

    def _on_filter_applied(self) -> None:
        self._update_counts()
        self.selection.keep_if_shown()
        if self.commands.show_timeline.isChecked():
            self.timeline.recount()  # it shows what the filters show
        self.sorting.refresh()  # sorted as before
        self.table_part.scroll_if_following()

    def on_time_zone(self) -> None:
        local = self.time_zone_combo.currentData() == "local"
        self.model.set_local_time(local)
        self.timeline.set_local_time(local)
        self.filter_bar.set_time_zone(local)  # the time range is typed in the zone the table shows
        self.position_bar.set_local(local)  # and so is the start time
        self.status.local_time = local
        self.commands.local_time.setChecked(local)
        self._update_counts()
        self.selection.reshow()  # its history's times too
        if self.filter_bar.filter_edit.text().strip():
            self.filtering.apply()  # a time typed in the text filter is read in the zone shown

    def show_timeline(self, on: bool) -> None:
        self.timeline_view.setVisible(on)
        self.session.set_want_times(on)
        if on:
            self.timeline.recount()  # hidden, it was not kept up to date

    # -- commits, copy, export -------------------------------------------------------------------

    def commit_selected(self) -> None:
        sequence = self.table_part.selected_sequence()
        if sequence is None:
            message.info(self, "Select an event to commit up to it")
            return
        self.commits.commit(sequence)

    # -- settings, appearance, closing -----------------------------------------------------------

    def _save_settings(self) -> None:
        window_state.save_tab(self)

    def show_colours(self, dark: bool) -> None:
        """The window's appearance changed (``gui.ui.appearance``): what draws its own colours redraws."""
        self.detail.set_dark(dark)
        self.table.viewport().update()

    def _title_changed(self, *_: object) -> None:
        if not self._closing:  # a closed tab's parts may still signal while they are taken apart
            self.title_changed.emit()

    def shut_down(self) -> None:
        """The tab goes (or the window): its state is saved, its stream stopped, its client closed."""
        self._save_settings()
        self._closing = True
        self.controls.stop()
        self.health.close()
        self.connection_bar.close_client()
