"""The window's entry points: ``create_window(argv)`` (tests, embedding) and ``run(argv)`` (the command)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import qasync
import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.api import EventManagerClient, Subscription
from gui.api.models import TENANT_TOPIC, all_types_pattern
from gui.arguments import EXIT_STORE, build_parser
from gui.storage import Profile, StateStore
from gui.storage.store import StoreError
from gui.ui.appearance import ReadableStyle

log = logging.getLogger(__name__)
DEMO_PROFILE = "Demo (built-in emulator)"
APP_ID = "io.github.eventmonitor.EventMonitor"  # the freedesktop/AppStream ID of packaging/*.desktop


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Event Monitor")
    app.setOrganizationName("event-monitor")
    app.setDesktopFileName(APP_ID)  # the launcher entry (packaging/): its icon and name for the window
    if not isinstance(app.style(), ReadableStyle):
        app.setStyle(ReadableStyle())  # Fusion, its check boxes readable in dark too
    return app


def _event_loop(app: QApplication) -> qasync.QEventLoop:
    """The qasync loop for one-shot calls; created once per QApplication."""
    loop: qasync.QEventLoop | None = getattr(app, "_event_monitor_loop", None)
    if loop is None:
        loop = qasync.QEventLoop(app)
        # plain Python worker threads: nothing Qt-owned is left running when the app quits
        loop.set_default_executor(ThreadPoolExecutor(max_workers=4, thread_name_prefix="one-shot"))
        app._event_monitor_loop = loop  # type: ignore[attr-defined]
    asyncio.set_event_loop(loop)
    return loop


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Show unexpected errors in a dialog instead of dying silently."""
    log.error("unexpected error", exc_info=(kind, value, tb))
    text = "".join(traceback.format_exception(kind, value, tb))
    if QApplication.instance() is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Event Monitor: unexpected error", str(value))
        box.setDetailedText(text)
        box.exec()


DEMO_MAX_EVENTS = 50_000


def start_demo(store: StateStore) -> tuple[Any, dict[str, str], str]:
    """The in-process emulator with history and live events, and a demo connection and subscription
    in the user's own state store (so that a connection the user adds meanwhile is kept like any
    other). The demo's own entries go when it ends (``forget_demo``); its secret is never in the
    keyring."""
    from gui.emulator import Emulator

    forget_demo(store)  # one demo at a time; a crashed one's entries go now
    # the data center's world: a topic shared with other partners (the demo client's a quarter of
    # it, so its sequences are sparse) and TTS consolidation. A demo left open for days keeps its
    # memory: the emulator holds the newest 50,000 events a topic
    emulator = Emulator(
        history=8000, rate=40, seed=42, max_events=DEMO_MAX_EVENTS, world="datacenter", partners=4
    ).start()
    store.save_profile(Profile(DEMO_PROFILE, emulator.url, emulator.client_id))
    client = EventManagerClient(emulator.url, emulator.client_id, emulator.client_secret)
    sub = client.create_subscription(
        Subscription(str(uuid.uuid4()), TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),), session_timeout="PT30S")
    )
    client.close()
    store.save_subscription(emulator.url, emulator.client_id, sub)
    return emulator, {DEMO_PROFILE: emulator.client_secret}, sub.subscription_id


def forget_demo(store: StateStore, *, only_if_gone: bool = False) -> None:
    """Remove the demo connection and what was kept for it (subscription, consumer ID, offsets).
    ``only_if_gone``: only when its emulator no longer answers (left by a demo that crashed; a demo
    running in another window keeps its entries)."""
    profile = store.profile(DEMO_PROFILE)
    if profile is None:
        return
    if only_if_gone and _answers(profile.url):
        return
    store.forget_connection(profile.url, profile.client_id)
    store.remove_profile(DEMO_PROFILE)


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=0.5):
            return True
    except OSError:
        return False


def create_window(argv: list[str] | argparse.Namespace) -> Any:
    """Build the main window as `event-monitor` does (same arguments, --demo, EVENT_MONITOR_HOME);
    return it shown, without entering the event loop. ``argv``: the arguments, or as parsed."""
    from gui.ui.window import MainWindow

    args = argv if isinstance(argv, argparse.Namespace) else build_parser().parse_args(argv)
    app = _application()
    _event_loop(app)
    store = StateStore()  # the user's own, in the demo too
    if args.demo:
        emulator, demo_secrets, sub_id = start_demo(store)
        # the demo's window layout and filters stay out of the user's window.ini
        settings_dir = Path(tempfile.mkdtemp(prefix="event-monitor-demo-"))
        window = MainWindow(
            store, demo_secrets=demo_secrets, settings_dir=settings_dir, insecure_http=args.insecure_http
        )
        window.emulator = emulator
        tab = window.current
        tab.connection_bar.reload_connections(select=DEMO_PROFILE)
        tab.connection_bar.reload_subscriptions(select=sub_id)
        combo = tab.position_bar.offset_mode_combo
        combo.setCurrentIndex(combo.findData("earliest"))
        window.setWindowTitle("Event Monitor — demo on the built-in emulator")
        tab.controls.start()
        done: list[bool] = []

        def clean_up(*_: object) -> None:
            """The demo's own things go (its emulator, its entries in the store, its temporary
            folder); what the user added meanwhile stays."""
            if done:
                return
            done.append(True)
            emulator.stop()
            forget_demo(store)
            store.close()
            shutil.rmtree(settings_dir, ignore_errors=True)

        app.aboutToQuit.connect(clean_up)
        window.destroyed.connect(clean_up)
    else:
        forget_demo(store, only_if_gone=True)
        owner = _window_state_owner()
        window = MainWindow(
            store, insecure_http=args.insecure_http, settings_dir=None if owner is not None else _window_state_copy(app, store)
        )
        if owner is not None:
            _ReleaseWhenClosed(window, owner)
        if not window.state_store.profiles():
            window.current.state.set_notice(
                "No connection yet: click “Add connection…” (or start with --demo to try the built-in emulator)"
            )
    window.show()
    _settle_garbage_collector()
    return window


def _window_state_owner() -> Any:
    """The lock of the window that saves window.ini beside the state store (one at a time per data
    folder), or None when another window holds it."""
    from gui.storage import reader_lock

    return reader_lock.instance_lock("window-state")


def _window_state_copy(app: QApplication, store: StateStore) -> Path:
    """A second window of a data folder works on a copy of window.ini that goes when it quits, so
    it never clobbers the first's layout and filters."""
    log.warning("Another Event Monitor window uses this data folder: this one's layout and filters are not kept")
    copy = Path(tempfile.mkdtemp(prefix="event-monitor-second-"))
    ini = store.path.parent / "window.ini"
    if ini.exists():
        shutil.copy2(ini, copy / "window.ini")
    app.aboutToQuit.connect(lambda: shutil.rmtree(copy, ignore_errors=True))
    return copy


class _ReleaseWhenClosed(QObject):
    """Lets the window-state lock go once its window has closed (and saved window.ini)."""

    def __init__(self, window: Any, lock: Any) -> None:
        super().__init__(window)
        self._window, self._lock = window, lock
        window.installEventFilter(self)
        # at the end, whatever became of the window (a function, not this object's method: it may be gone)
        QApplication.instance().aboutToQuit.connect(lambda: lock.release(force=True))  # type: ignore[union-attr]
        window.destroyed.connect(lambda *_: lock.release(force=True))  # deleted before its close was seen

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Close:  # after the window's own handler: did it close?
            QTimer.singleShot(0, self, self._release_if_closed)  # dropped if this object goes first
        return False

    def _release_if_closed(self) -> None:
        if not shiboken6.isValid(self._window) or not self._window.isVisible():
            self._release()

    def _release(self) -> None:
        self._lock.release(force=True)


def _settle_garbage_collector() -> None:
    """Leave what start-up made (modules, Qt wrappers: tens of thousands of objects) out of the
    cyclic collector's full passes. Otherwise a full pass, which any thread may trigger and which
    holds the GIL throughout, walks them all every few seconds of a busy stream and freezes the
    window for 50-100 ms on a small machine."""
    gc.collect()
    gc.freeze()


def welcome(window: Any) -> str:
    """First start, no connection yet: "add" a connection, try the "demo", or "later" (Esc)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Welcome to Event Monitor", "No connection is configured yet.")
    box.setParent(window, box.windowFlags())
    box.setInformativeText(
        "Add one for your data center (an API client's ID and secret), or watch the built-in demo stream first."
    )
    add = box.addButton("Add connection…", QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton("Try the demo", QMessageBox.ButtonRole.ActionRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(demo)
    box.setEscapeButton(later)
    box.exec()
    clicked = box.clickedButton()
    return "add" if clicked is add else "demo" if clicked is demo else "later"


def offer_fresh_state(err: StoreError) -> bool:
    """The state file cannot be opened: say why, and when it is damaged offer to move it aside (it
    is kept, renamed, beside the new one) and start afresh. True when it was moved aside."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Event Monitor: state file", str(err))
    fresh = None
    if err.damaged and err.path is not None:
        box.setInformativeText(
            "It holds your connections (their secrets stay in the keyring), subscriptions, consumer IDs and "
            "stored offsets. Move it aside to start with an empty one: it is kept, renamed, in the same folder."
        )
        fresh = box.addButton("Move aside and start afresh", QMessageBox.ButtonRole.AcceptRole)
    box.setEscapeButton(box.addButton("Quit", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    if fresh is None or box.clickedButton() is not fresh or err.path is None:
        return False
    aside = err.path.with_name(f"{err.path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):  # SQLite's write-ahead log belongs to the file it was written for
        part = err.path.with_name(err.path.name + suffix)
        if part.exists():
            part.rename(aside.with_name(aside.name + suffix))
    return True


def run(argv: list[str] | argparse.Namespace) -> int:
    """The window until it closes (``argv``: the arguments, or as ``gui.cli`` parsed them)."""
    args = argv if isinstance(argv, argparse.Namespace) else build_parser().parse_args(argv)
    app = _application()
    loop = _event_loop(app)
    sys.excepthook = _excepthook
    # Ctrl+C / SIGTERM (the desktop session ending) close the window cleanly, from the first moment:
    # one that arrives while the window is being made closes it as soon as the event loop runs
    holder: dict[str, Any] = {"window": None}

    def close_window() -> None:
        if holder["window"] is not None:
            holder["window"].close()

    def on_signal(*_: object) -> None:
        QTimer.singleShot(0, close_window)  # runs in the event loop, once there is one and a window

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        window = create_window(args)
    except StoreError as err:
        if not offer_fresh_state(err):
            return EXIT_STORE
        window = create_window(args)
    if not args.demo and not window.state_store.profiles():
        choice = welcome(window)
        if choice == "add":
            window.current.connection_bar.on_add_connection()
        elif choice == "demo":
            window.close()
            window = create_window(["--demo"])
    holder["window"] = window  # Python runs the handler on the next timer tick; the close happens in the loop
    with loop:
        app.aboutToQuit.connect(loop.stop)
        loop.run_forever()  # the demo emulator stops on aboutToQuit (see create_window)
    return 0
