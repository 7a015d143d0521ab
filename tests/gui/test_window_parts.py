"""The rebuilt window's parts: one stream's rows only, commands as actions in menus that work from
text fields, the stream state at a glance, a layout that fits a laptop."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from gui.api import EventManagerClient
from gui.api.models import TENANT_TOPIC
from gui.consumer import Batch, ConsumerState
from gui.emulator import Emulator
from tests.gui.test_window import choose, sequences, start

Lab = tuple[Emulator, EventManagerClient, str]
ACTIONS = ("startAction", "pauseAction", "stopAction", "commitAction", "exportCsvAction", "quitAction")


def test_a_restart_shows_only_the_new_streams_rows(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    em.state.produce(3000)  # a long history: batches of it are still in flight when we restart
    start(qtbot, window, "earliest", until_rows=200)
    window.table.selectRow(37)
    committed = sequences(window)[37]
    window.commit_selected()
    qtbot.waitUntil(lambda: window.model.committed == committed, timeout=10000)
    for _ in range(3):  # restart again and again while batches of the old stream are queued
        choose(window.offset_mode_combo, "committed")
        window.start()
        qtbot.waitUntil(lambda: window.model.rowCount() >= 100, timeout=15000)
        shown = sequences(window)
        assert shown[0] == committed + 1, shown[:5]
        assert shown == sorted(shown) and len(set(shown)) == len(shown)


def test_batches_of_an_earlier_generation_are_dropped(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    session = window.session
    held = len(window.events)
    from gui.api.events import Events

    old = session.generation - 1
    session.on_batch(old, Batch(Events.decode(b'{"events": [], "offset": 1}')[0], 1, ()))  # type: ignore[call-arg]
    session.on_state(old, ConsumerState("backing_off", "stale failure"))
    session.flush_pending()
    assert len(window.events) == held
    assert "stale" not in window.stream_status_label.text()


def test_commands_are_actions_in_the_menu_bar_with_distinct_shortcuts(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    from PySide6.QtGui import QAction

    shortcuts = []
    for name in ACTIONS:
        action = window.findChild(QAction, name)
        assert action is not None, name
        assert not action.shortcut().isEmpty(), name
        shortcuts.append(action.shortcut().toString())
    assert len(set(shortcuts)) == len(shortcuts)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Stream", "&Edit", "&View", "&Help"]
    in_menus = {a.objectName() for m in window.menuBar().actions() for a in m.menu().actions()}
    assert set(ACTIONS) <= in_menus
    assert window.findChild(object, "filterBar").isAncestorOf(window.cel_filter_edit)


def test_shortcuts_work_while_a_text_field_has_focus(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.activateWindow()
    window.filter_edit.setFocus()
    qtbot.waitUntil(window.filter_edit.hasFocus)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.consumer_thread is not None, timeout=5000)
    opened: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        opened.append(type(dialog).__name__)
        assert isinstance(dialog, QDialog)
        dialog.reject()

    QTimer.singleShot(0, answer)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # a line edit's "end"
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened == ["ExportOptionsDialog"]
    window.activateWindow()
    window.cel_filter_edit.setFocus()
    qtbot.waitUntil(window.cel_filter_edit.hasFocus)
    qtbot.keyClick(window.cel_filter_edit, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert window.consumer_thread is None


def test_a_dead_stream_shows_a_banner_and_no_live_figures(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    window.consumer_options = {"backoff_base": 5.0}
    start(qtbot, window, "earliest", until_rows=300)
    banner = window.findChild(object, "streamBanner")
    assert not banner.isVisible()
    em.stop()
    qtbot.waitUntil(banner.isVisible, timeout=15000)
    assert "retry" in banner.text.text().lower() or "reach" in banner.text.text().lower()
    assert window.lag_label.text() == "lag —" and window.rate_label.text() == "— ev/s"
    assert window.findChild(object, "bannerRetryButton").isVisible()


def test_the_window_fits_a_laptop_in_every_position_mode(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    width = window.width()
    for mode in ("earliest", "committed", "stored", "latest", "time", "custom"):
        choose(window.offset_mode_combo, mode)
        QApplication.processEvents()
        hint = window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 700, (mode, hint)
        assert window.width() == width  # changing modes never grows the window
    assert window.custom_offset_edit.minimumWidth() >= 100  # wide enough to read an offset


def test_tab_leaves_the_table_and_revert_waits_for_a_commit(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    start(qtbot, window, "earliest", until_rows=10)
    assert not window.table.tabKeyNavigation()
    assert not window.revert_button.isEnabled()  # nothing to revert to yet
    assert window.detail.pretty.placeholderText()


def test_cel_of_new_rows_and_the_notification_rule_run_off_the_ui_thread(
    qtbot: Any, open_window: Any, lab: Lab, monkeypatch: Any
) -> None:
    import threading

    from gui.eventlog import cel

    em, _, _ = lab
    on_main: list[bool] = []
    original = cel.CelFilter.matches

    def matches(self: Any, event: Any) -> bool:
        on_main.append(threading.current_thread() is threading.main_thread())
        return original(self, event)

    monkeypatch.setattr(cel.CelFilter, "matches", matches)
    window = open_window()
    window.notify_edit.setText('data.kind != ""')
    window.notify_edit.editingFinished.emit()
    window.cel_filter_edit.setText("sequence > 0")
    start(qtbot, window, "earliest", until_rows=300)
    qtbot.waitUntil(lambda: window.showing_label.text() == "Showing 300 of 300", timeout=10000)
    em.state.produce(50)
    qtbot.waitUntil(lambda: window.model.rowCount() == 350, timeout=10000)
    assert on_main and not any(on_main)  # every CEL evaluation ran on another thread


def test_a_selected_row_stays_put_and_its_history_follows_new_events(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, _, _ = lab
    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.table.selectRow(5)
    subject = window.events.event(window.model.row_id(5))["subject"]
    top = window.table.rowAt(0)

    def held_about_subject() -> int:
        return sum(1 for e in em.state.topics[TENANT_TOPIC].events if e.body.get("subject") == subject)

    held_before = held_about_subject()  # all of them are in the table
    qtbot.waitUntil(lambda: window.detail.history.toPlainText().count("\n#") == held_before, timeout=5000)
    shown_before = held_before
    produced = 0
    while held_about_subject() == held_before and produced < 5000:
        em.state.produce(200)  # until an event about the selected subject arrives
        produced += 200
    assert 0 < produced < 5000
    qtbot.waitUntil(lambda: window.model.rowCount() == 300 + produced, timeout=15000)
    assert window.table.currentIndex().row() == 5 and window.table.rowAt(0) == top  # not scrolled away
    assert window.new_events_button.isVisible()
    more = held_about_subject() - held_before
    qtbot.waitUntil(lambda: window.detail.history.toPlainText().count("\n#") == shown_before + more, timeout=10000)
    qtbot.keyClick(window.table, Qt.Key.Key_End)  # End: follow the tail again
    assert not window.table.selectionModel().hasSelection() and not window.new_events_button.isVisible()


def test_tab_reaches_every_control_in_order(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.activateWindow()
    window.connection_combo.setFocus()
    qtbot.waitUntil(window.connection_combo.hasFocus)
    seen: list[str] = []
    for _ in range(60):
        widget = QApplication.focusWidget()
        seen.append(widget.objectName() if widget is not None else "")
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    expected = [
        "connectionCombo",
        "offsetModeCombo",
        "startButton",
        "filterEdit",
        "celFilterEdit",
        "eventTable",
        "commitButton",
        "exportCsvButton",
    ]
    order = [n for n in expected if n in seen]
    assert order == expected, seen
    first = {name: seen.index(name) for name in order}
    assert list(first.values()) == sorted(first.values()), seen


def test_polish_types_label_restart_notice_backwards_commit_default_and_zone(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    actions = window.type_menu.actions()
    actions[0].setChecked(True)
    assert window.type_button.text() == "Types: " + actions[0].text().removeprefix("tenant.")  # says which
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_F5)  # Start while streaming: restarts, and says so
    assert "Restarted" in window.statusBar().currentMessage() and window.start_button.text() == "Restart"
    qtbot.waitUntil(lambda: window.model.rowCount() > 10, timeout=10000)
    window.commits.show(200)
    window.table.selectRow(3)
    window.commit_selected()  # backwards: asked, and Enter keeps the offset
    box = window.findChild(QMessageBox, "commitBackwardsBox")
    qtbot.waitUntil(lambda: box is not None and box.isVisible(), timeout=5000)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.reject()
    assert window.model.committed == 200
    window.time_zone_combo.setCurrentIndex(window.time_zone_combo.findData("local"))
    assert "UTC" in window.time_zone_combo.currentText()  # the zone named, e.g. "(UTC, UTC+00:00)"
    assert "local time" in window.since_edit.toolTip()  # the time range is typed in the table's zone
    assert window.last_poll_label.text().startswith("last poll") and not window.last_poll_label.text().endswith("Z")


def test_ctrl_q_quits(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    window.activateWindow()
    window.filter_edit.setFocus()
    qtbot.waitUntil(window.filter_edit.hasFocus)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_a_hidden_column_is_left_out_of_the_export(qtbot: Any, open_window: Any, lab: Lab, tmp_path: Any) -> None:
    import csv
    import io

    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    header = window.table.horizontalHeader()
    header.setSectionHidden(4, True)  # Subject
    header.moveSection(header.visualIndex(5), 0)  # Source first
    done: list[Any] = []
    window.export_to(tmp_path / "cols.csv", "csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    first = next(csv.reader(io.StringIO((tmp_path / "cols.csv").read_text())))
    assert first[0] == "Source" and "Subject" not in first and first[-1] == "Payload"


def test_a_custom_offset_beyond_int64_is_refused_in_the_window(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    choose(window.offset_mode_combo, "custom")
    window.custom_offset_edit.setText("9" * 30)
    qtbot.waitUntil(lambda: "at most 9,223,372,036,854,775,807" in window.resolved_label.text(), timeout=5000)
    window.start()
    assert window.consumer_thread is None  # nothing was sent to the server
