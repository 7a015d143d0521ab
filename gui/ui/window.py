"""The main window: a tab per subscription streamed (``gui.ui.stream_tab``: each its own consumer
thread, table, filters, position and commit mode), the menu bar of the current tab's commands,
and what belongs to the window (geometry, appearance, the tabs restored on restart, the event cap
shared among the tabs). With one tab the tab bar hides: the window looks as it always did.

The window routes to the tab shown (``window.current``); each tab's parts are its own."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QMainWindow, QStatusBar, QTabWidget

from gui.storage import StateStore
from gui.ui import window_state
from gui.ui.actions import built
from gui.ui.appearance import Appearance
from gui.ui.notify import Alerts
from gui.ui.stream_tab import StreamTab
from gui.ui.window_state import TabSettings

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
MAX_TABS = 8


class MainWindow(QMainWindow):
    def __init__(
        self,
        store: StateStore,
        *,
        demo_secrets: dict[str, str] | None = None,
        settings_dir: Path | None = None,
        cap: int = 1_000_000,
        insecure_http: bool = False,
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
        self.cap = cap  # events held in all tabs together
        self.emulator: Any = None  # the demo's built-in emulator (gui.app)
        self.alerts = Alerts(self, self.windowIcon())  # one tray icon for the window, whatever its tabs
        self.insecure_http = insecure_http  # --insecure-http: plain http:// to a non-loopback host allowed
        # UI state lives beside the state store, so EVENT_MONITOR_HOME relocates both (the demo's elsewhere)
        self.settings = QSettings(str((settings_dir or store.path.parent) / "window.ini"), QSettings.Format.IniFormat)
        self.look = Appearance(self, self.settings)  # View ▸ Appearance, for every tab
        self.tabs = built(QTabWidget(), "subscriptionTabs")
        self.tabs.setAccessibleName("Subscriptions")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)  # one stream: no tab bar
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.setCentralWidget(self.tabs)
        self._numbers = itertools.count(2)
        self.add_tab("")
        for prefix in window_state.saved_tabs(self.settings)[: MAX_TABS - 1]:
            self.add_tab(prefix)
        current = self.settings.value("current_tab")
        if current is not None and str(current).isdigit() and int(current) < self.tabs.count():
            self.tabs.setCurrentIndex(int(current))
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self._on_current_changed()
        self._fit_screen()
        window_state.restore_window(self)

    # -- tabs --------------------------------------------------------------------------------

    def stream_tabs(self) -> list[StreamTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    @property
    def current(self) -> StreamTab:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, StreamTab)
        return tab

    def add_tab(self, prefix: str | None = None) -> StreamTab:
        """A tab of its own for another subscription (``prefix``: its keys in window.ini; None: a new one)."""
        if prefix is None:
            taken = {t.settings.prefix for t in self.stream_tabs()}
            prefix = next(p for p in (f"tab-{n}" for n in self._numbers) if p not in taken)
        tab = StreamTab(
            self.state_store,
            TabSettings(self.settings, prefix),
            self.settings,
            demo_secrets=self.demo_secrets,
            insecure_http=self.insecure_http,
            cap=self.cap,
            icon=self.windowIcon(),
            alerts=self.alerts,
        )
        a = tab.commands
        a.quit.triggered.connect(self.close)
        a.new_tab.triggered.connect(self.on_new_tab)
        a.close_tab.triggered.connect(lambda: self.close_tab(self.tabs.indexOf(tab)))
        self.look.watch(tab.commands.appearance)  # one appearance for the whole window
        self.look.changed.connect(tab.show_colours)
        tab.show_colours(self.look.dark)
        tab.title_changed.connect(lambda: self._retitle(tab))
        tab.controls.taken_elsewhere = lambda sub_id: self._streamed_elsewhere(tab, sub_id)
        tab.connection_bar.open_elsewhere = self.open_connection
        tab.connection_bar.connection_saved.connect(self._list_connections_everywhere)
        self.tabs.addTab(tab, tab.state.title())
        self._share_cap()
        self._update_tab_actions()
        return tab

    def on_new_tab(self) -> None:
        """File ▸ New tab: another stream, on the current tab's connection, with the first
        subscription no tab streams yet."""
        if self.tabs.count() >= MAX_TABS:
            self.current.status.tell(f"At most {MAX_TABS} tabs: close one first")
            return
        source = self.current
        tab = self.add_tab()
        bar = tab.connection_bar
        connection = source.connection_bar.connection_combo.currentData()
        index = bar.connection_combo.findData(connection) if connection else -1
        if index >= 0:
            bar.connection_combo.setCurrentIndex(index)
        used = {t.state.subscription_id for t in self.stream_tabs() if t is not tab}
        for i in range(bar.subscription_combo.count()):
            if bar.subscription_combo.itemData(i) not in used:
                bar.subscription_combo.setCurrentIndex(i)
                break
        self.tabs.setCurrentWidget(tab)
        tab.status.tell("A new tab: pick its subscription and position, then Start (F5)")

    def _list_connections_everywhere(self) -> None:
        """Every tab lists the connections saved; what each has chosen (and streams) stays."""
        for tab in self.stream_tabs():
            tab.connection_bar.reload_connections()

    def open_connection(self, name: str) -> None:
        """A connection added while the tab shown streams: it opens in a new tab, the stream goes on."""
        if self.tabs.count() >= MAX_TABS:
            self.current.status.tell(f"Connection {name} saved; at most {MAX_TABS} tabs: close one to open it")
            return
        tab = self.add_tab()
        tab.connection_bar.reload_connections(select=name)
        self.tabs.setCurrentWidget(tab)
        tab.status.tell(f"Connection {name} opened in a new tab: the stream in the other tab goes on")

    def close_tab(self, index: int) -> None:
        """Stop that tab's stream and close it (not the last one)."""
        if self.tabs.count() <= 1 or index < 0:
            return
        tab = self.tabs.widget(index)
        assert isinstance(tab, StreamTab)
        if not tab.exporter.confirm_close():
            return
        tab.shut_down()
        self.tabs.removeTab(index)
        if index == 0:  # the next first tab's keys move to the top of the file
            first = self.stream_tabs()[0]
            old = first.settings
            first.settings = TabSettings(self.settings, "")
            first._save_settings()
            old.forget()
        else:
            tab.settings.forget()
        tab.deleteLater()
        self._share_cap()
        self._update_tab_actions()
        window_state.save_window(self)

    def _streamed_elsewhere(self, tab: StreamTab, subscription_id: str) -> str:
        for other in self.stream_tabs():
            sub = other.subscription
            if (
                other is not tab
                and other.session.running
                and sub is not None
                and sub.subscription_id == subscription_id
            ):
                number = self.tabs.indexOf(other) + 1
                return f"This subscription already streams in tab {number}: one reader per subscription on this machine"
        return ""

    def _share_cap(self) -> None:
        """The event cap is the window's: each tab holds its share (the oldest go at its next batch)."""
        tabs = self.stream_tabs()
        for tab in tabs:
            tab.events.cap = max(1000, self.cap // len(tabs))
            tab.trim_to_cap()  # now, not at its next batch (a paused or quiet tab may get none)

    def _update_tab_actions(self) -> None:
        for tab in self.stream_tabs():
            tab.commands.close_tab.setEnabled(self.tabs.count() > 1)
            tab.commands.new_tab.setEnabled(self.tabs.count() < MAX_TABS)

    def _retitle(self, tab: StreamTab) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            title = tab.state.title()
            self.tabs.setTabText(index, title)
            self.tabs.setTabToolTip(index, f"{title} — {tab.state.notice or tab.state.status.message}")

    def _on_current_changed(self, _index: int = -1) -> None:
        if self.tabs.count():
            self.current.commands.build_menus(self)  # the menu bar acts on the tab shown

    # -- the window --------------------------------------------------------------------------

    def statusBar(self) -> QStatusBar:  # type: ignore[override]  # noqa: N802
        """The current tab's status bar (each tab has its own, under its table)."""
        return self.current.status_bar

    @property
    def consumer_thread(self) -> Any:
        """A running stream's thread, any tab's (None when none streams)."""
        for tab in self.stream_tabs():
            if tab.consumer_thread is not None:
                return tab.consumer_thread
        return None

    def set_appearance(self, scheme: str) -> None:
        """Light, dark or the system's colour scheme (View ▸ Appearance; remembered), for every tab."""
        self.look.set(scheme)

    def _fit_screen(self) -> None:
        """The first window: 1400x900, or the screen's available room if that is smaller."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = 1400, 900
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width()), min(height, room.height() - 32)
        self.resize(max(width, 640), max(height, 480))

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        tabs = self.stream_tabs()
        if not all(tab.exporter.confirm_close() for tab in tabs):
            event.ignore()
            return
        window_state.save_window(self)
        for tab in tabs:
            tab.shut_down()
        super().closeEvent(event)
