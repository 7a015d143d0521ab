"""Odd events in the real window: huge numbers paint, a 10 MB event is shown from a worker
thread and cut, markup from the network is shown as text."""

from __future__ import annotations

import tracemalloc
from typing import Any

from PySide6.QtCore import Qt

from gui.api.events import Events
from gui.ui import background
from gui.ui.detail import SHOWN_CHARS
from gui.ui.dialogs import ConnectionDialog
from tests.integration.hostile import CLIENT_ID, SECRET, hostile_server
from tests.unit.test_odd_input import HUGE, answer


def add_events(window: Any, body: bytes) -> None:
    events, _ = Events.decode(body)
    window.events.append(events)
    window.model.add_rows(window.events.rows())


def test_numbers_beyond_a_double_paint_and_show(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    add_events(window, answer(HUGE))
    window.table.grab()  # a repaint: raised before, on every repaint
    assert window.model.index(0, 0).data() == "5"
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "1180591620717411303424" in window.detail.pretty.toPlainText(), timeout=5000)


def test_a_ten_megabyte_event_is_shown_cut_without_holding_the_window(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    big = b'{"sequence": 1, "type": "t", "data": {"blob": "' + b"x" * (10 * 1024 * 1024) + b'"}}'
    add_events(window, answer(big, offset=2))
    tracemalloc.start()
    try:
        window.table.selectRow(0)  # returns at once: the event is read on a worker thread
        assert "Reading an event of" in window.detail.pretty.toPlainText()
        qtbot.waitUntil(lambda: "cut here" in window.detail.pretty.toPlainText(), timeout=20000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(window.detail.pretty.toPlainText()) < SHOWN_CHARS + 100
    assert window.detail.show_all_button.isVisible()
    assert peak < 120 * 1024 * 1024  # the event's text a few times, not the 641 MB seen before
    qtbot.mouseClick(window.detail.show_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Export JSON Lines writes the whole event" in window.detail.raw.toPlainText(), timeout=30000
    )
    assert len(window.detail.raw.toPlainText()) > SHOWN_CHARS * 4  # more of it, on demand
    assert not window.detail.show_all_button.isVisible()


def test_markup_in_a_server_error_is_shown_as_text(qtbot: Any, open_window: Any) -> None:
    window = open_window()
    with hostile_server() as (url, behaviour):
        behaviour.events = "html"
        dialog = ConnectionDialog(background.runner(window.widget), window.widget)
        qtbot.addWidget(dialog)
        dialog.url_edit.setText(url)
        dialog.client_id_edit.setText(CLIENT_ID)
        dialog.secret_edit.setText(SECRET)
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "<h2>" in dialog.result_label.text(), timeout=10000)
        assert dialog.result_label.textFormat() == Qt.TextFormat.PlainText  # not a green "Connected"
