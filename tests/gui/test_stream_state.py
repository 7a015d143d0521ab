"""One state per stream: every part of a tab shows the stream it belongs to. For each way a tab gets
a new stream (restart, another position, another subscription, another connection) the detail
pane, the status, the banner, the counters, the "N new events" button, the tab's title and the lag
start over; stale texts of a stream that is gone never stay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from gui.api import EventManagerClient
from gui.emulator import Emulator
from gui.storage import StateStore, secrets
from gui.ui import background
from tests.conftest import make_subscription
from tests.gui.conftest import saved_connection
from tests.gui.test_window import choose, start

Lab = tuple[Emulator, EventManagerClient, str]


@pytest.fixture
def other(lab: Lab) -> Iterator[tuple[Emulator, str]]:
    """A second subscription on the lab's connection and a second connection "other" (another
    emulator) with a subscription of its own; returns the other emulator and the lab's second
    subscription."""
    em, client, _ = lab
    with Emulator(history=50, seed=5) as em2, saved_connection(em2, name="other", session_timeout="PT3S"):
        second = make_subscription(client, session_timeout="PT3S")
        store = StateStore()
        store.save_subscription(em.url, em.client_id, second)
        store.close()
        yield em2, second.subscription_id


def tab_title(window: Any) -> str:
    return window.tabs.tabText(window.tabs.indexOf(window.current.widget))


def dirty(qtbot: Any, window: Any, em: Emulator) -> str:
    """A stream with something in every part: rows, a selected event in the detail pane, new
    events counted below, a lag, a failure in the banner. Returns the selected event's ID."""
    window.consumer_options = {"backoff_base": 30.0}  # the failure's banner stays up meanwhile
    start(qtbot, window, "earliest", until_rows=100)
    window.table.selectRow(5)
    qtbot.waitUntil(lambda: '"id"' in window.detail.pretty.toPlainText())
    event_id = str(window.events.event(window.state.selected_row)["id"])
    em.state.produce(40)
    qtbot.waitUntil(window.new_events_button.isVisible, timeout=10000)
    qtbot.waitUntil(lambda: window.state.lag is not None, timeout=10000)
    assert window.lag_label.text() != "lag —"
    em.state.inject("500")
    em.state.produce(1)
    banner = window.findChild(object, "streamBanner")
    qtbot.waitUntil(banner.isVisible, timeout=10000)
    assert "retry" in window.stream_status_label.text()
    return event_id


def assert_started_over(window: Any, event_id: str, *, running: bool) -> None:
    """Right after the new stream (or none) began: nothing of the old one is shown anywhere."""
    assert window.state.selected_row is None
    assert window.detail.pretty.toPlainText() == "" and window.detail.raw.toPlainText() == ""
    assert window.detail.history.toPlainText() == ""
    window.table_part.copy_event_requested.emit()  # Copy JSON copies nothing of the old stream
    assert event_id not in QGuiApplication.clipboard().text()
    assert not window.findChild(object, "streamBanner").isVisible()
    assert "retry" not in window.stream_status_label.text()
    assert window.event_count_label.text() == "0 events" and window.gap_label.text() == ""
    assert window.lag_label.text() == "lag —" and window.state.lag is None
    assert window.status.lag_sparkline.values == []
    assert not window.new_events_button.isVisible()
    assert tab_title(window).endswith("· streaming" if running else "· stopped")


@pytest.mark.parametrize("way", ["restart", "position", "subscription", "connection"])
def test_every_part_starts_over_with_each_new_stream(
    qtbot: Any, open_window: Any, lab: Lab, other: tuple[Emulator, str], way: str
) -> None:
    em, _, _ = lab
    window = open_window()
    event_id = dirty(qtbot, window, em)
    if way == "restart":
        window.start()
    elif way == "position":
        choose(window.offset_mode_combo, "latest")
        window.start()
    elif way == "subscription":
        choose(window.subscription_combo, other[1])
    else:
        choose(window.connection_combo, "other")
        assert window.client is not None and window.client.dc_url.startswith(other[0].url)
    assert_started_over(window, event_id, running=way in ("restart", "position"))
    if way in ("restart", "position"):  # and the new stream is shown as it goes
        qtbot.waitUntil(lambda: window.stream_status_label.text().startswith("streaming"), timeout=10000)
        em.state.produce(5)
        qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10000)


def test_the_retry_countdown_counts_down(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    window.consumer_options = {"backoff_base": 20.0}
    start(qtbot, window, "earliest", until_rows=10)
    em.state.inject("500")
    em.state.produce(1)
    pattern = re.compile(r"in (\d+(?:\.\d)?) s$")
    qtbot.waitUntil(lambda: pattern.search(window.stream_status_label.text()) is not None, timeout=10000)
    first = float(pattern.search(window.stream_status_label.text()).group(1))  # type: ignore[union-attr]
    assert first >= 5  # backoff 10..20 s
    qtbot.waitUntil(
        lambda: float(pattern.search(window.stream_status_label.text()).group(1)) <= first - 1.5,  # type: ignore[union-attr]
        timeout=5000,
    )
    assert pattern.search(window.findChild(object, "streamBannerLabel").text())  # the banner counts too
    window.actions.retry.trigger()
    qtbot.waitUntil(lambda: window.stream_status_label.text().startswith("streaming"), timeout=10000)


def test_adding_a_connection_leaves_the_stream_watched_alone(qtbot: Any, open_window: Any, lab: Lab) -> None:
    _, _, sub_id = lab
    window = open_window()
    window.actions.new_tab.trigger()  # a tab made before the connection is saved
    idle = window.current
    window.tabs.setCurrentIndex(0)
    start(qtbot, window, "earliest", until_rows=50)
    streaming_tab = window.current
    thread = streaming_tab.consumer_thread
    with Emulator(history=10) as em2:
        window.save_connection("second", em2.url, em2.client_id, em2.client_secret)
        try:
            assert streaming_tab.consumer_thread is thread  # the same stream runs on, untouched
            assert streaming_tab.connection_combo.currentData() == "lab"
            assert streaming_tab.subscription.subscription_id == sub_id
            assert streaming_tab.model.rowCount() >= 50
            assert window.tabs.count() == 3 and window.current not in (streaming_tab, idle)
            assert window.current.connection_combo.currentData() == "second"
            for tab in (streaming_tab, idle):  # listed in every tab, what each had chosen kept
                assert tab.connection_combo.findData("second") >= 0
                assert tab.connection_combo.currentData() == "lab"
        finally:
            secrets.delete_secret(em2.url, em2.client_id)


def test_stale_notices_go_with_what_they_were_about(
    qtbot: Any, open_window: Any, lab: Lab, other: tuple[Emulator, str]
) -> None:
    em, _, sub_id = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=20)
    first = window.current
    # an invalid custom offset while streaming: said at the field and in passing, the status stays
    choose(first.offset_mode_combo, "custom")
    first.custom_offset_edit.setText("12x")
    qtbot.keyClick(first.custom_offset_edit, Qt.Key.Key_F5)
    assert first.consumer_thread is not None
    assert first.stream_status_label.text().startswith("streaming")
    assert "whole number" in first.resolved_label.text()
    # the same subscription in a second tab is refused; the refusal goes with that subscription
    window.actions.new_tab.trigger()
    second = window.current
    choose(second.subscription_combo, sub_id)
    second.start()
    assert "already streams in tab 1" in second.stream_status_label.text()
    choose(second.subscription_combo, other[1])
    assert "already streams" not in second.stream_status_label.text()
    assert tab_title(window).endswith("· stopped")
    # a stream that ends by itself (the server forgot the subscription): its tab says stopped, not
    # down; another connection shows nothing of that failure
    first.stop()
    choose(first.offset_mode_combo, "earliest")
    window.tabs.setCurrentWidget(first.widget)
    em.state.subscriptions.pop(sub_id)
    first.start()
    qtbot.waitUntil(lambda: first.consumer_thread is None, timeout=10000)
    assert "Unknown subscription" in first.stream_status_label.text() or "not found" in (
        first.stream_status_label.text().lower()
    )
    assert tab_title(window).endswith("· stopped")
    choose(first.connection_combo, "other")
    assert "Unknown subscription" not in first.stream_status_label.text()
    assert not first.findChild(object, "streamBanner").isVisible()


def test_the_shortcut_keeper_serves_the_text_fields_only(qtbot: Any, open_window: Any, lab: Lab) -> None:
    """It filters the events of the tab's text fields, not (as an application-wide filter did) every
    event of the app; and F5 in a field still restarts the stream."""
    from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=50)
    keeper = window.current.widget._keeper
    fields = window.current.widget.findChildren(QLineEdit) + window.current.widget.findChildren(QAbstractSpinBox)
    assert set(keeper.fields) == set(fields) and window.filter_edit in keeper.fields
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    def kept_from_the_field(key: Qt.Key, modifiers: Qt.KeyboardModifier) -> bool:
        """The keeper takes the key's ShortcutOverride before the field may claim it (on Linux a
        line edit claims none of these keys anyway; on macOS Ctrl+E is its end of line)."""
        event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
        return bool(keeper.eventFilter(window.filter_edit, event))

    assert kept_from_the_field(Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Export, not end of line
    assert not kept_from_the_field(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # the field's own
    window.filter_edit.setFocus()
    qtbot.waitUntil(window.filter_edit.hasFocus)
    before = window.state.generation
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.state.generation > before, timeout=5000)


def test_the_window_has_one_way_to_alert_whatever_its_tabs(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.actions.new_tab.trigger()
    window.actions.new_tab.trigger()
    notifiers = [tab.notifier for tab in window.stream_tabs()]
    assert len(notifiers) == 3 and all(n.alerts is window.widget.alerts for n in notifiers)  # one tray icon
    shown: list[str] = []
    window.widget.alerts.show = shown.append
    first = window.stream_tabs()[0].notifier
    first.set_rule("tenant.created")
    first.min_interval = 0
    assert first.add(3) and shown == ["3 new events matched “tenant.created” (3 in all)"]


def test_the_window_has_one_appearance_for_all_its_tabs(qtbot: Any, open_window: Any, lab: Lab) -> None:
    from PySide6.QtWidgets import QApplication

    window = open_window()
    window.actions.new_tab.trigger()
    first, second = window.stream_tabs()
    dark = next(a for a in second.commands.appearance.actions() if a.data() == "dark")
    dark.trigger()  # chosen in the second tab's View menu...
    try:
        assert QApplication.palette().window().color().lightness() < 128
        assert next(
            a for a in first.commands.appearance.actions() if a.data() == "dark"
        ).isChecked()  # ...shown in both
        assert first.detail.dark and second.detail.dark  # and both redraw their own colours
        assert window.settings.value("appearance") == "dark"
    finally:
        window.widget.look.set("light")


def test_the_detail_pane_follows_the_filters(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.table.selectRow(7)
    qtbot.waitUntil(lambda: '"id"' in window.detail.pretty.toPlainText())
    event = window.events.event(window.state.selected_row)
    kind = str(event["type"]).rsplit("~", 1)[-1].removeprefix("a.p.").removesuffix(".v1.0")
    window.filter_edit.setText(kind)  # still shown: still selected, still in the pane
    qtbot.waitUntil(lambda: not window.filtering.running and window.model.rowCount() < 300, timeout=10000)
    assert window.state.selected_row is not None and event["id"] in window.detail.pretty.toPlainText()
    assert window.model.row_id(window.table.currentIndex().row()) == window.state.selected_row
    window.filter_edit.setText("no-event-has-this-text")  # hidden now: the pane lets it go
    qtbot.waitUntil(lambda: not window.filtering.running and window.model.rowCount() == 0, timeout=10000)
    assert window.state.selected_row is None and window.detail.pretty.toPlainText() == ""


def test_a_restart_refused_is_not_said_to_have_happened(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=20)
    generation = window.state.generation
    choose(window.offset_mode_combo, "custom")
    window.custom_offset_edit.setText("12x")
    said: list[str] = []
    window.status.bar.messageChanged.connect(said.append)
    window.actions.start.trigger()
    assert window.state.generation == generation  # nothing restarted...
    assert said and "whole number" in said[-1] and not any("Restarted" in s for s in said)  # ...nor said to


def test_the_rules_count_is_of_the_stream_shown(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.notify_edit.setText("tenant.created")
    window.notify_edit.editingFinished.emit()
    start(qtbot, window, "earliest", until_rows=300)
    label = window.filter_bar.notify_label
    qtbot.waitUntil(lambda: label.text().endswith("matched") and not label.text().startswith("0 "), timeout=10000)
    choose(window.offset_mode_combo, "latest")
    window.start()  # a new stream: its own count, from nothing
    assert label.text() == "0 matched" and window.notifier.matched == 0


def test_a_new_subscription_is_remembered_before_it_is_sent_and_a_closed_dialog_drops_its_answers(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    from gui.storage import StateStore

    em, _, _ = lab
    window = open_window()
    window.actions.new_subscription.trigger()
    dialog = window.connection_bar.dialog
    qtbot.waitUntil(lambda: dialog.types_list.count() >= 8, timeout=10000)
    dialog.cel_edit.setText('data.kind == "customer"')
    sent: list[str] = []
    store_seen: list[bool] = []
    original = dialog._client.create_subscription

    def create(spec: Any) -> Any:  # the real call, after looking at what this machine remembers
        store = StateStore()
        try:
            store_seen.append(store.subscription(em.url, em.client_id, spec.subscription_id) is not None)
        finally:
            store.close()
        sent.append(spec.subscription_id)
        return original(spec)

    dialog._client.create_subscription = create
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(
        lambda: window.subscription.subscription_id in sent if window.subscription else False, timeout=10000
    )
    assert store_seen == [True]  # remembered before it was sent
    assert sent[0] in em.state.subscriptions
    # a dialog closed while its topics load: its answer is dropped with it, nothing raises
    window.actions.new_subscription.trigger()
    second = window.connection_bar.dialog
    second.reject()
    qtbot.waitUntil(lambda: window.connection_bar.dialog is None, timeout=5000)
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=10000)


def test_a_custom_time_range_leaves_the_filter_fields_readable_at_1024(qtbot: Any, open_window: Any, lab: Lab) -> None:
    from PySide6.QtWidgets import QApplication

    window = open_window()
    window.resize(1024, 700)
    window.show()
    qtbot.waitUntil(lambda: window.width() == 1024)
    widths = {name: getattr(window, name).width() for name in ("filter_edit", "tenant_edit", "cel_filter_edit")}
    window.time_range.set_preset("custom")
    QApplication.processEvents()
    row = window.time_range.range_row
    assert row.isVisible() and row.isAncestorOf(window.since_edit) and row.isAncestorOf(window.until_edit)
    for name, before in widths.items():  # the range's fields take a line of their own, not the others' room
        assert getattr(window, name).width() >= min(before, 60), (name, before)
    assert window.minimumSizeHint().width() <= 1024 and window.width() == 1024
    window.time_range.reset()
    QApplication.processEvents()
    assert not row.isVisible()
