"""pytest-qt tests that drive the window's flows against the emulator over HTTP."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from PySide6.QtCore import QDateTime, Qt

from gui.api import EventManagerClient
from gui.api.durations import parse_time
from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from gui.eventlog.view import ViewSpec
from gui.storage import StateStore, secrets
from gui.ui import background
from gui.ui.dialogs import ConnectionDialog, SubscriptionDialog

Lab = tuple[Emulator, EventManagerClient, str]


def first_sequence(window: Any) -> int:
    return int(window.model.index(0, 0).data())


def sequences(window: Any) -> list[int]:
    return [int(window.model.index(r, 0).data()) for r in range(window.model.rowCount())]


def choose(combo: Any, data: str) -> None:
    combo.setCurrentIndex(combo.findData(data))


def start(qtbot: Any, window: Any, mode: str, *, until_rows: int = 1) -> None:
    choose(window.offset_mode_combo, mode)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() >= until_rows, timeout=15000)


def test_add_connection_stores_the_secret_in_the_keyring(qtbot: Any, open_window: Any) -> None:
    with Emulator(history=20) as em:
        window = open_window()
        assert window.connection_combo.count() == 0
        dialog = ConnectionDialog(background.runner(window.widget), window.widget)
        qtbot.addWidget(dialog)
        dialog.name_edit.setText("lab")
        dialog.url_edit.setText(em.url)
        dialog.client_id_edit.setText(em.client_id)
        dialog.secret_edit.setText("wrong-secret")
        assert dialog.secret_edit.echoMode() == dialog.secret_edit.EchoMode.Password
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "refused the client ID" in dialog.result_label.text(), timeout=10000)
        dialog.secret_edit.setText(em.client_secret)
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Connected" in dialog.result_label.text(), timeout=10000)
        window.save_connection(*dialog.values())
        assert secrets.get_secret(em.url, em.client_id, env=False) == em.client_secret
        assert window.connection_combo.currentData() == "lab"
        assert window.client is not None
        secrets.delete_secret(em.url, em.client_id)


def test_create_subscription_from_topics_and_types(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, _ = lab
    window = open_window()
    dialog = SubscriptionDialog(window.client, background.runner(window.widget), window.widget)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.types_list.count() >= 8, timeout=10000)  # wildcard + 7 tenant types
    assert dialog.topic_combo.currentData() == TENANT_TOPIC
    dialog.cel_edit.setText('data.kind == "customer"')
    dialog.auto_commit.setChecked(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.created is not None, timeout=10000)
    created = dialog.created
    assert created.cel == 'data.kind == "customer"' and created.auto_commit
    assert created.subscription_id in em.state.subscriptions


def test_invalid_cel_in_new_subscription_is_shown(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    dialog = SubscriptionDialog(window.client, background.runner(window.widget), window.widget)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.types_list.count() >= 8, timeout=10000)
    dialog.cel_edit.setText("data.kind ==")
    dialog.buttons.accepted.emit()
    assert "invalid CEL" in dialog.error_label.text()
    assert dialog.created is None


@pytest.mark.parametrize("mode", ["earliest", "committed", "stored", "latest", "time", "custom"])
def test_each_start_position_shows_the_right_first_event(qtbot: Any, open_window: Any, lab: Lab, mode: str) -> None:
    em, client, sub_id = lab
    log = em.state.topics[TENANT_TOPIC]
    window = open_window()
    assert window.subscription_combo.currentData() == sub_id
    expected = {
        "earliest": 1,
        "committed": 51,
        "stored": 81,
        "custom": 201,
        "time": 121,
        "latest": log.last_sequence + 1,
    }[mode]
    if mode == "committed":
        client.commit_offset(sub_id, 50)
    if mode == "stored":
        StateStore().store_offset(em.url, em.client_id, sub_id, 80)
    if mode == "custom":
        window.custom_offset_edit.setText("200")
    if mode == "time":
        when = parse_time(log.events[120].body["time"])
        window.timestamp_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()) + 1))
        expected = next(e.sequence for e in log.events if e.time.timestamp() >= int(when.timestamp()) + 1)
    choose(window.offset_mode_combo, mode)
    shown = f"→ the newest when started (offset {expected - 1} now)" if mode == "latest" else f"→ offset {expected - 1}"
    qtbot.waitUntil(lambda: window.resolved_label.text() == shown, timeout=10000)
    if mode == "latest":
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: (
                window.stream_status_label.text() == "streaming"
                or "starting at offset" in window.stream_status_label.text()
            ),
            timeout=10000,
        )
        em.state.produce(5)
        qtbot.waitUntil(lambda: window.model.rowCount() >= 1, timeout=15000)
    else:
        start(qtbot, window, mode)
    assert first_sequence(window) == expected


def test_custom_offset_is_validated(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    choose(window.offset_mode_combo, "custom")
    window.custom_offset_edit.setText("12x")
    qtbot.waitUntil(lambda: "whole number" in window.resolved_label.text(), timeout=5000)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert window.consumer_thread is None and "whole number" in window.stream_status_label.text()


def test_filters_text_type_cel_and_invalid_cel(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    total = window.model.rowCount()
    store = window.events
    # text: a tenant name that appears in some payloads; it matches them, and the rows whose
    # Tenant column shows it
    name = sorted(store.names.values())[0]
    window.filter_edit.setText(name.upper())
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < total, timeout=10000)
    for row in range(window.model.rowCount()):
        in_payload = name.lower().encode() in store.raw_bytes(window.model.row_id(row)).lower()
        assert in_payload or name in window.model.index(row, 3).data()
    assert window.showing_label.text() == f"Showing {window.model.rowCount():,} of {total:,}"
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == total, timeout=10000)
    # type
    deleted = next(a for a in window.type_menu.actions() if a.text() == "tenant.deleted")
    deleted.setChecked(True)
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < total, timeout=10000)
    assert {window.model.index(r, 2).data() for r in range(window.model.rowCount())} == {"tenant.deleted"}
    deleted.setChecked(False)
    qtbot.waitUntil(lambda: window.model.rowCount() == total, timeout=10000)
    # CEL
    window.cel_filter_edit.setText('data.kind == "unit"')
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < total, timeout=20000)
    for row in range(window.model.rowCount()):
        assert store.event(window.model.row_id(row))["data"]["kind"] == "unit"
    # invalid CEL: inline error, table unchanged
    shown = window.model.rowCount()
    window.cel_filter_edit.setText('data.kind == "unit" &&')
    qtbot.waitUntil(lambda: "invalid CEL" in window.cel_error_label.text(), timeout=5000)
    assert window.model.rowCount() == shown


def test_commit_to_server_marks_rows_and_moves_the_offset(qtbot: Any, open_window: Any, lab: Lab) -> None:
    _em, client, sub_id = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=100)
    window.table.selectRow(41)
    assert window.selected_sequence() == 42
    qtbot.keyClick(window.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.committed_offset_label.text() == "committed 42", timeout=10000)
    assert client.committed_offset(sub_id) == 42
    assert window.model.index(10, 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert window.commit_log.count() == 1 and "server: 0 → 42" in window.commit_log.item(0).text()


def test_stored_mode_restart_resumes_without_loss_or_repeat(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, sub_id = lab
    window = open_window()
    choose(window.commit_mode_combo, "stored")
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    seen_first = sequences(window)
    window.close()
    em.state.produce(40)
    again = open_window()
    assert again.subscription_combo.currentData() == sub_id
    assert again.commit_mode_combo.currentData() == "stored"  # remembered (QSettings)
    start(qtbot, again, "stored", until_rows=40)
    seen_second = sequences(again)
    assert seen_first + seen_second == list(range(1, len(seen_first) + len(seen_second) + 1))


def test_export_csv_matches_the_filtered_rows(qtbot: Any, open_window: Any, lab: Lab, tmp_path: Path) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.filter_edit.setText("tenant.updated")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300, timeout=10000)
    target = tmp_path / "out.csv"
    done: list[Any] = []
    window.export_to(target, "csv", bom=True, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done == [window.model.rowCount()]
    assert window.statusBar().currentMessage().startswith(f"Exported {done[0]:,} events to {target}")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Sequence", "Time", "Type"]  # row 1 is the header, the table's names
    assert [int(r[0]) for r in rows[1:]] == sequences(window)
    assert {r[2] for r in rows[1:]} == {"tenant.updated"}
    provenance = orjson.loads((tmp_path / "out.csv.json").read_bytes())  # beside it, not in it
    assert provenance["filter"]["text"] == "tenant.updated" and provenance["rows"] == len(rows) - 1
    assert ViewSpec.from_dict(provenance["view"]) == window.saved_views.editor.current()  # the one form
    assert not list(tmp_path.glob(".out.csv*"))  # no temporary file left behind
    suggested = Path(window.default_export_path("csv"))  # the next export starts in the same folder
    assert suggested.parent == tmp_path and suggested.name.startswith("events-") and suggested.suffix == ".csv"


@pytest.mark.parametrize("stop_it", [False, True])
def test_closing_during_an_export_asks_first(
    qtbot: Any, open_window: Any, lab: Lab, tmp_path: Path, stop_it: bool
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.eventlog.export import Cancelled

    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    target = tmp_path / "out.csv"
    done: list[Any] = []
    asked: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.windowTitle())
        box.button(QMessageBox.StandardButton.Yes if stop_it else QMessageBox.StandardButton.No).click()

    window.export_to(target, "csv", on_done=done.append)
    QTimer.singleShot(0, answer)
    window.close()  # the export has not answered yet: its result comes through this event loop
    assert asked == ["Export in progress"]
    assert window.isVisible() is not stop_it
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    if stop_it:
        assert isinstance(done[0], Cancelled) or done[0] == 300  # stopped, unless it had already finished
        assert target.exists() is not isinstance(done[0], Cancelled)
    else:
        assert done == [300] and target.exists()  # it went on
    assert not list(tmp_path.glob(".out.csv.*"))  # never a half file


def test_standby_while_another_consumer_leads(qtbot: Any, open_window: Any, lab: Lab) -> None:
    _em, client, sub_id = lab
    import uuid

    client.poll(sub_id, str(uuid.uuid4()), 0, timeout="PT1S")  # another instance takes the lead
    window = open_window()
    choose(window.offset_mode_combo, "earliest")
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "standby — another instance is the leader" in window.stream_status_label.text(), timeout=10000
    )
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15000)  # session timeout 3 s, then it leads


def test_retry_now_button_while_waiting_after_a_failure(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _client, _sub_id = lab
    em.state.inject("503")
    window = open_window()
    window.consumer_options = {"backoff_base": 120.0}  # the next attempt 15-30 s away (the cap, jittered)
    assert not window.retry_button.isVisibleTo(window.widget)
    choose(window.offset_mode_combo, "earliest")
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.retry_button.isVisibleTo(window.widget), timeout=10000)
    assert "retry 1 in" in window.stream_status_label.text()
    assert float(window.stream_status_label.text().split("retry 1 in ")[1].split(" s")[0]) >= 15
    qtbot.mouseClick(window.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10000)
    assert first_sequence(window) == 1
    assert not window.retry_button.isVisibleTo(window.widget)


def test_a_long_status_message_is_elided_and_keeps_the_retry_button_in_view(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    window.resize(1000, 700)
    message = "Server error 503 while polling events: " + "a long explanation, " * 30 + "and its end"
    window.stream_status_label.setText(message)
    window.retry_button.setVisible(True)
    qtbot.waitUntil(lambda: window.retry_button.isVisible())
    label, button = window.stream_status_label, window.retry_button
    qtbot.waitUntil(lambda: label.width() < label.fontMetrics().horizontalAdvance(message))  # elided
    assert label.toolTip() == message  # the whole text, on hover
    assert label.geometry().right() < button.geometry().left()
    assert button.geometry().right() < window.rate_label.geometry().left()  # not under the counters
    assert button.width() >= button.sizeHint().width()


@pytest.mark.parametrize(("button", "expected"), [("Add connection…", "add"), ("Try the demo", "demo"), ("", "later")])
def test_first_start_asks_what_to_do(qtbot: Any, open_window: Any, button: str, expected: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.app import welcome

    window = open_window()
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        assert box.defaultButton().text() == "Try the demo"  # Enter: see it work first
        if button:
            next(b for b in box.buttons() if b.text() == button).click()
        else:
            qtbot.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(0, answer)
    assert welcome(window.widget) == expected
    assert seen == ["No connection is configured yet."]


def test_demo_streams_within_seconds(qtbot: Any, open_window: Any) -> None:
    window = open_window("--demo")
    qtbot.waitUntil(lambda: window.model.rowCount() > 100, timeout=5000)
    assert window.stream_status_label.text() == "streaming"
    assert window.objectName() == "mainWindow"
    for name in (
        "connectionCombo",
        "subscriptionCombo",
        "consumerIdLabel",
        "offsetModeCombo",
        "customOffsetEdit",
        "timestampEdit",
        "startButton",
        "pauseButton",
        "stopButton",
        "eventTable",
        "filterEdit",
        "celFilterEdit",
        "commitButton",
        "streamStatusLabel",
        "committedOffsetLabel",
        "eventCountLabel",
    ):
        widget = window.findChild(object, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
    assert window.findChild(object, "exportCsvAction") is not None
    assert [window.offset_mode_combo.itemData(i) for i in range(6)] == [
        "earliest",
        "committed",
        "stored",
        "latest",
        "time",
        "custom",
    ]


def test_pause_holds_rows_and_resume_adds_them(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    rows = window.model.rowCount()
    em.state.produce(10)
    # paused is unmistakable: the status says so with the count held, the button reads Resume
    qtbot.waitUntil(lambda: "Paused — 10 new events held" in window.stream_status_label.text(), timeout=10000)
    assert window.pause_button.text() == "Resume" and window.pause_button.isChecked()
    assert window.rate_label.text() == "held"
    assert window.model.rowCount() == rows
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 10, timeout=5000)
    assert window.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: window.stream_status_label.text() == "streaming", timeout=10000)


def test_space_pauses_only_from_the_table(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.activateWindow()
    window.filter_edit.setFocus()
    qtbot.waitUntil(window.filter_edit.hasFocus)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Space)
    assert not window.session.paused and window.filter_edit.text() == " "  # a space typed, not a pause
    window.filter_edit.clear()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert window.session.paused
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    assert not window.session.paused


def test_table_model_and_filtered_view_pass_qtmodeltester(
    qtbot: Any, qtmodeltester: Any, open_window: Any, lab: Lab
) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    qtmodeltester.check(window.model)
    window.filter_edit.setText("tenant.deleted")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300, timeout=10000)
    qtmodeltester.check(window.model)


def test_time_range_filter(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    log = em.state.topics[TENANT_TOPIC]
    low, high = log.events[100], log.events[199]
    window.since_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(low.time.timestamp())))
    window.until_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(high.time.timestamp())))
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300, timeout=10000)
    shown = sequences(window)
    assert shown == [
        e.sequence for e in log.events if int(low.time.timestamp()) <= e.time.timestamp() <= int(high.time.timestamp())
    ]
    assert window.time_range.preset == "custom" and window.time_range.reset_button.isVisible()
    qtbot.mouseClick(window.time_range.reset_button, Qt.MouseButton.LeftButton)  # one clear reset
    qtbot.waitUntil(lambda: window.model.rowCount() == 300, timeout=10000)
    assert window.time_range.preset == "any" and not window.since_edit.isVisible()


def test_time_range_presets_typed_input_and_calendar(qtbot: Any, open_window: Any, lab: Lab) -> None:
    from datetime import UTC, datetime, timedelta

    em, _, _ = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.time_range.set_preset("1h")  # the emulator's history lies in the past hour or so
    since, until = window.time_range.bounds()
    assert until is None and abs((datetime.now(UTC) - since) - timedelta(hours=1)) < timedelta(seconds=5)
    window.time_range.set_preset("custom")
    assert window.since_edit.isVisible() and window.until_edit.isVisible()
    today = datetime.now(UTC).date()
    assert window.since_edit.date().toPython() in (today, today - timedelta(days=1))  # opens near today
    assert window.since_edit.calendarWidget() is not None and window.since_edit.calendarPopup()
    assert window.until_edit.displayFormat() == "yyyy-MM-dd HH:mm:ss"  # as the table shows times
    log = em.state.topics[TENANT_TOPIC]
    high = log.events[150].time.astimezone(UTC).replace(microsecond=0)
    window.activateWindow()
    window.until_edit.setFocus()
    qtbot.waitUntil(window.until_edit.hasFocus)
    window.until_edit.selectAll()
    qtbot.keyClicks(window.until_edit, high.strftime("%Y-%m-%d %H:%M:%S"))  # typed whole, as the table shows it
    assert window.until_edit.dateTime().toSecsSinceEpoch() == int(high.timestamp())
    window.since_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(log.events[0].time.timestamp()) - 60))
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300, timeout=10000)
    assert max(sequences(window)) <= log.events[151].sequence


def test_export_selected_columns_as_jsonl_and_csv(qtbot: Any, open_window: Any, lab: Lab, tmp_path: Path) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.table.selectRow(3)
    done: list[Any] = []
    window.export_to(tmp_path / "sel.csv", "csv", selection=True, columns=("sequence", "type"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    lines = [ln for ln in (tmp_path / "sel.csv").read_text().splitlines() if not ln.startswith("#")]
    assert lines == ["sequence,type", "4,cti.a.p.em.event.v1.0~a.p." + lines[1].split("~a.p.")[1]]
    window.export_to(tmp_path / "all.jsonl", "jsonl", on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=10000)
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 300


def test_notification_rule_is_rate_limited(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.notify_edit.setText("tenant.deleted")
    window.notify_edit.editingFinished.emit()
    start(qtbot, window, "earliest", until_rows=300)
    deleted = sum(1 for r in range(300) if window.model.index(r, 2).data() == "tenant.deleted")
    assert deleted > 0
    assert len(window.notifier.sent) == 1  # one message for the burst, with the count
    assert "matched “tenant.deleted”" in window.notifier.sent[0]
    window.notify_edit.setText("data.kind ==")
    window.notify_edit.editingFinished.emit()
    assert "invalid CEL" in window.notify_edit.toolTip()


def test_batches_and_states_reach_the_window_on_its_own_thread(
    qtbot: Any, open_window: Any, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer thread's results must be handled on the GUI thread: they touch widgets, and
    the pending-batch list would race with the flush otherwise."""
    import threading
    import time

    import gui.ui.session

    on_main: dict[str, set[bool]] = {"batch": set(), "state": set()}

    class Clock:  # on_batch stamps each batch with the window module's clock
        def __getattr__(self, name: str) -> Any:
            if name in ("time", "monotonic"):
                on_main["batch"].add(threading.current_thread() is threading.main_thread())
            return getattr(time, name)

    class Label:  # on_state shows the state here
        def __init__(self, label: Any) -> None:
            self.label = label

        def setText(self, text: str) -> None:  # noqa: N802
            on_main["state"].add(threading.current_thread() is threading.main_thread())
            self.label.setText(text)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.label, name)

    monkeypatch.setattr(gui.ui.session, "time", Clock())
    window = open_window()
    window.status.stream_status_label = Label(window.status.stream_status_label)
    start(qtbot, window, "earliest", until_rows=300)
    assert on_main == {"batch": {True}, "state": {True}}


def test_a_time_typed_in_local_time_mode_is_read_as_local(
    qtbot: Any, open_window: Any, lab: Lab, india_time: None
) -> None:
    """Times shown in local time: a time typed into the text filter as the table shows it finds
    those rows; switching the zone back re-reads it as UTC."""
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    choose(window.time_zone_combo, "local")
    shown = window.model.index(150, 1).data()[:16]  # "YYYY-MM-DD HH:MM", local
    sequence = window.model.index(150, 0).data()
    window.filter_edit.setText(shown)
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300, timeout=10000)
    rows = range(window.model.rowCount())
    assert all(window.model.index(r, 1).data().startswith(shown) for r in rows)
    assert sequence in {window.model.index(r, 0).data() for r in rows}
    choose(window.time_zone_combo, "utc")
    qtbot.waitUntil(
        lambda: sequence not in {window.model.index(r, 0).data() for r in range(window.model.rowCount())},
        timeout=10000,
    )


def test_selecting_a_row_shows_its_event_then_its_subjects_history(qtbot: Any, open_window: Any, lab: Lab) -> None:
    """The event shows at once; the subject's history (a search of every held event) follows from
    a worker thread, and only for the row still selected."""
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    store = window.events
    subjects = [store.event(window.model.row_id(r)).get("subject") for r in range(300)]
    row = max(range(300), key=subjects.count)  # a subject with several events
    window.table.selectRow(row)
    assert f'"sequence": {window.model.index(row, 0).data()}' in window.detail.pretty.toPlainText()
    expected = f"{subjects.count(subjects[row])} events for subject {subjects[row]}"
    qtbot.waitUntil(lambda: window.detail.history.toPlainText().startswith(expected), timeout=10000)
    last = next(r for r in range(1, 300) if subjects[r] not in (subjects[0], subjects[row]))
    window.table.selectRow(0)
    window.table.selectRow(last)  # the history of row 0, even if it comes later, is not shown
    header = f"events for subject {subjects[last]} "
    qtbot.waitUntil(lambda: header in window.detail.history.toPlainText().split("\n", 1)[0], timeout=10000)
    qtbot.waitUntil(lambda: not background.pending(), timeout=10000)  # every search has answered
    assert header in window.detail.history.toPlainText().split("\n", 1)[0]


def test_the_subject_history_shows_times_as_the_table_does(
    qtbot: Any, open_window: Any, lab: Lab, india_time: None
) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=50)
    window.table.selectRow(10)
    sequence, shown = window.model.index(10, 0).data(), window.model.index(10, 1).data()
    assert shown.endswith("Z")  # UTC, to the millisecond
    qtbot.waitUntil(lambda: not background.pending(), timeout=10000)  # the history search has answered
    assert f"#{sequence}  {shown}  " in window.detail.history.toPlainText()
    choose(window.time_zone_combo, "local")
    local = window.model.index(10, 1).data()
    assert local != shown and not local.endswith("Z")  # UTC+05:30
    qtbot.waitUntil(lambda: f"#{sequence}  {local}  " in window.detail.history.toPlainText(), timeout=10000)


@pytest.mark.parametrize("filtered", [False, True])
def test_ctrl_c_copies_the_selected_rows_and_export_takes_them(
    qtbot: Any, open_window: Any, lab: Lab, monkeypatch: pytest.MonkeyPatch, filtered: bool
) -> None:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    from PySide6.QtGui import QGuiApplication

    import gui.ui.event_table as window_module
    from gui.eventlog.columns import TABLE_COLUMNS

    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    model = window.model
    if filtered:  # the rows shown are a filtered view, not the store's own order
        window.filter_edit.setText("created")
        qtbot.waitUntil(lambda: 6 < model.rowCount() < 300, timeout=10000)
    last = model.columnCount() - 1
    chosen = QItemSelection(model.index(5, 0), model.index(5, last))  # picked out of order, then a run
    chosen.select(model.index(1, 0), model.index(2, last))
    window.table.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    # the export's columns: the table's, the tenant as name and ID, and the payload
    headers = [c.header for c in TABLE_COLUMNS]
    assert lines[0].split("\t") == [*headers[:4], "Tenant ID", *headers[4:], "Payload"]
    for line, r in zip(lines[1:], (1, 2, 5), strict=True):
        cells = line.split("\t")
        shown = [model.index(r, c).data() for c in range(last + 1)]
        assert cells[0] == shown[0] and cells[2] == shown[2] and cells[5:9] == shown[4:8]
        assert cells[1].replace("T", " ") == shown[1]  # ISO 8601 with its zone, the same moment
        assert shown[3].startswith(cells[3]) and cells[4].startswith(shown[3].rsplit("(", 1)[-1].rstrip(")"))
        assert isinstance(orjson.loads(cells[9]), dict)
    assert window.statusBar().currentMessage() == "Copied 3 rows"
    assert list(window.export_rows(selection=True)) == [model.row_id(r) for r in (1, 2, 5)]
    monkeypatch.setattr(window_module, "COPY_ROWS", 2)
    window.copy_rows()
    assert len(QGuiApplication.clipboard().text().splitlines()) == 3  # the header and two rows
    assert window.statusBar().currentMessage().startswith("Copied the first 2 of 3 selected rows")


def test_esc_in_a_field_clears_it_instead_of_stopping_the_stream(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=10)
    window.activateWindow()
    window.filter_edit.setFocus()
    qtbot.waitUntil(window.filter_edit.hasFocus)
    qtbot.keyClicks(window.filter_edit, "created")
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    assert window.filter_edit.text() == "" and window.consumer_thread is not None  # cleared, still streaming
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.table.hasFocus)  # an empty field: Esc leaves it
    assert window.consumer_thread is not None
    window.time_range.set_preset("custom")
    for field in (window.since_edit, window.until_edit, window.time_range.preset_combo, window.type_button):
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        qtbot.keyClick(field, Qt.Key.Key_Escape)
        qtbot.waitUntil(window.table.hasFocus)
        assert window.consumer_thread is not None, field.objectName()  # never stops the stream
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert window.consumer_thread is not None
    qtbot.keyClick(window.table, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)  # Stop has its own key
    assert window.consumer_thread is None


@pytest.mark.parametrize("move_aside", [True, False])
def test_a_damaged_state_file_is_explained_and_moved_aside_only_on_request(qtbot: Any, move_aside: bool) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.app import offer_fresh_state
    from gui.storage.store import StoreError, data_dir

    state = data_dir() / "state.sqlite3"
    damaged = b"not a database " * 100
    state.write_bytes(damaged)
    with pytest.raises(StoreError) as caught:
        StateStore()
    assert caught.value.damaged and caught.value.path == state
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        choice = "Move aside and start afresh" if move_aside else "Quit"
        next(b for b in box.buttons() if b.text() == choice).click()

    QTimer.singleShot(0, answer)
    assert offer_fresh_state(caught.value) is move_aside
    assert "cannot be opened: file is not a database" in seen[0]
    kept = list(state.parent.glob("state.sqlite3.broken-*"))
    if move_aside:  # kept beside, and a new state file opens
        assert [k.read_bytes() for k in kept] == [damaged]
        StateStore().close()
    else:  # left as it was
        assert not kept and state.read_bytes() == damaged


def test_the_count_says_filtering_until_the_filter_answers(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    window.cel_filter_edit.setText('data.kind == "customer"')  # evaluated in Python for each event
    window.apply_filter()
    assert window.showing_label.text() == "Filtering 300 events…"
    window._update_counts()  # the counters' refresh leaves it be
    assert window.showing_label.text() == "Filtering 300 events…"
    qtbot.waitUntil(lambda: window.showing_label.text().startswith("Showing"), timeout=20000)
    shown = window.model.rowCount()
    assert 0 < shown < 300 and window.showing_label.text() == f"Showing {shown:,} of 300"


def test_the_window_honours_insecure_http_as_its_error_message_asks(qtbot: Any, open_window: Any, home: Path) -> None:
    """A connection over plain http:// to a host that is not loopback: refused with the message
    naming --insecure-http (not a traceback), and used when the window is started with it."""
    import socket

    from gui.storage import Profile
    from tests.conftest import make_subscription

    host = socket.gethostname()  # not a loopback name to the client's check, yet this machine
    with Emulator(host=socket.gethostbyname(host), history=40) as em:
        url = f"http://{host}:{em.url.rsplit(':', 1)[1]}"
        client = EventManagerClient(url, em.client_id, em.client_secret, allow_insecure_http=True)
        secrets.set_secret(url, em.client_id, em.client_secret)
        store = StateStore()
        store.save_profile(Profile("plain", url, em.client_id))
        store.save_subscription(url, em.client_id, make_subscription(client))
        store.close()
        try:
            window = open_window()
            assert window.connection_bar.client is None
            assert "--insecure-http" in window.stream_status_label.text()
            window.close()
            window = open_window("--insecure-http")
            assert window.connection_bar.client is not None
            start(qtbot, window, "earliest", until_rows=40)
            dialog = window.connection_bar.connection_dialog()  # Add connection…: its test too
            qtbot.addWidget(dialog)
            dialog.url_edit.setText(url)
            dialog.client_id_edit.setText(em.client_id)
            dialog.secret_edit.setText(em.client_secret)
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: "Connected" in dialog.result_label.text(), timeout=10000)
        finally:
            secrets.delete_secret(url, em.client_id)
