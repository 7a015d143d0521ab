"""Behaviours users found wrong (issue 25), driven in the real window against the emulator over
HTTP: the new-events button follows the filter, the position bar's time zone, the Views combo and
mnemonics, the notification rule, adding a payload column and choosing types."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.test_window import Lab, start


@pytest.fixture
def streaming(qtbot: Any, open_window: Any, lab: Lab) -> Any:
    """The window shown, streaming the lab's subscription from the earliest event, all 300 held."""
    window = open_window()
    window.resize(1200, 800)
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
    return window


def settle_filter(qtbot: Any, window: Any, done: Any) -> None:
    qtbot.waitUntil(lambda: done() and not window.filtering.running, timeout=10000)


def test_the_new_events_button_counts_what_the_filter_shows(qtbot: Any, lab: Lab, streaming: Any) -> None:
    em, _, _ = lab
    window = streaming
    button = window.new_events_button
    window.table.scrollToTop()  # reading older rows: new ones are counted, not followed
    em.state.produce(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == 301, timeout=10000)
    assert button.isVisible() and button.text() == "1 new event ↓"
    em.state.produce(199)
    qtbot.waitUntil(lambda: window.model.rowCount() == 500, timeout=10000)
    assert button.text() == "200 new events ↓"
    new_events = [window.events.event(window.model.row_id(r)) for r in range(300, 500)]
    # one type: the button counts the new rows of that type alone
    common = max({e["type"] for e in new_events}, key=lambda t: sum(e["type"] == t for e in new_events))
    for action in window.type_menu.actions():
        action.setChecked(action.data() == common)
    settle_filter(qtbot, window, lambda: window.model.rowCount() < 500)
    window.table.scrollToTop()
    of_type = sum(e["type"] == common for e in new_events)
    assert window.model.rowCount() * window.table.rowHeight(0) > window.table.viewport().height()  # not all on screen
    assert button.isVisible() and button.text() == f"{of_type:,} new events ↓"
    # a filter whose rows are all on screen: nothing waits below, no button
    for action in window.type_menu.actions():
        action.setChecked(False)
    window.filter_edit.setText(new_events[-1]["id"])
    settle_filter(qtbot, window, lambda: window.model.rowCount() == 1)
    assert not button.isVisible()
    window.filter_edit.clear()
    settle_filter(qtbot, window, lambda: window.model.rowCount() == 500)
    window.table.scrollToTop()
    em.state.produce(3)
    qtbot.waitUntil(lambda: window.model.rowCount() == 503, timeout=10000)
    assert button.text() == "3 new events ↓"  # what arrived since the last row was on screen
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isVisible()
