"""Behaviours users found wrong (issue 25), driven in the real window against the emulator over
HTTP: the new-events button follows the filter, the position bar's time zone, the Views combo and
mnemonics, the notification rule, adding a payload column and choosing types."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from gui.api.models import TENANT_TOPIC
from tests.gui.test_window import Lab, choose, start


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


@pytest.fixture
def sao_paulo() -> Iterator[None]:
    """This machine's local time is UTC-03:00 (no daylight saving there since 2019)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Sao_Paulo"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def type_start_time(qtbot: Any, window: Any, text: str) -> None:
    edit = window.timestamp_edit
    window.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.selectAll()
    qtbot.keyClicks(edit, text)


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="sets the local zone through TZ and time.tzset (POSIX)")
def test_a_start_time_is_typed_in_the_zone_the_table_shows(
    qtbot: Any, open_window: Any, lab: Lab, sao_paulo: None
) -> None:
    em, _, _ = lab
    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
    log = em.state.topics[TENANT_TOPIC]
    row = next(r for r in range(300) if window.model.index(r, 0).data() == str(log.events[120].sequence))
    shown_utc = window.model.index(row, 1).data()[:19]  # as the table shows it, to the second
    at_or_after = int(log.events[120].time.timestamp())  # the time shown, to the second
    expected = next(e.sequence for e in log.events if e.time.timestamp() >= at_or_after) - 1
    choose(window.offset_mode_combo, "time")
    zone = window.position_bar.zone_label
    assert zone.isVisible() and zone.text() == "UTC"
    type_start_time(qtbot, window, shown_utc)
    qtbot.waitUntil(lambda: window.resolved_label.text() == f"→ offset {expected:,}", timeout=10000)
    qtbot.keyClick(window.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # local time
    assert window.time_zone_combo.currentData() == "local"
    assert zone.isVisible() and zone.text() == "local" and "UTC-03:00" in zone.toolTip()
    shown_local = window.model.index(row, 1).data()[:19]
    assert shown_local != shown_utc
    assert window.timestamp_edit.text() == shown_local  # the same moment, shown as the table shows it
    type_start_time(qtbot, window, "2000-01-01 00:00:00")
    qtbot.waitUntil(lambda: window.resolved_label.text() != f"→ offset {expected:,}", timeout=10000)
    type_start_time(qtbot, window, shown_local)  # copied from the table in local time
    qtbot.waitUntil(lambda: window.resolved_label.text() == f"→ offset {expected:,}", timeout=10000)


def test_the_views_combo_goes_back_to_views_once_the_filters_are_not_the_view(qtbot: Any, streaming: Any) -> None:
    window = streaming
    combo = window.saved_view_combo
    index = combo.findText("Disables and deletions")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    settle_filter(qtbot, window, lambda: window.model.rowCount() < 300)
    assert combo.currentText() == "Disables and deletions"  # its own filters: the name stays
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle_filter(qtbot, window, lambda: window.model.rowCount() == 300)
    qtbot.waitUntil(lambda: combo.currentIndex() == 0, timeout=2000)
    assert combo.currentText() == "Views…" and not window.actions.delete_view.isEnabled()
    # a view with a typed filter: typing more makes it another filter
    window.filter_edit.setText("tenant")
    window.actions.save_view.trigger()
    dialog = window.saved_views.dialog
    dialog.name_edit.setText("Tenant text")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: combo.currentText() == "Tenant text", timeout=2000)
    window.filter_edit.setText("tenant.deleted")
    qtbot.waitUntil(lambda: combo.currentIndex() == 0, timeout=2000)


def test_committing_in_store_locally_mode_says_stored(qtbot: Any, streaming: Any) -> None:
    window = streaming
    choose(window.commit_mode_combo, "stored")
    qtbot.waitUntil(lambda: window.committed_offset_label.text() == "stored —", timeout=5000)
    window.table.selectRow(10)
    sequence = int(window.model.index(10, 0).data())
    said: list[str] = []
    window.status.bar.messageChanged.connect(said.append)  # another notice may follow it at once
    window.actions.commit.trigger()
    qtbot.waitUntil(lambda: f"Stored up to {sequence:,}" in said, timeout=5000)
    qtbot.waitUntil(lambda: window.committed_offset_label.text() == f"stored {sequence:,}", timeout=5000)
    choose(window.commit_mode_combo, "server")
    window.table.selectRow(12)
    sequence = int(window.model.index(12, 0).data())
    window.actions.commit.trigger()
    qtbot.waitUntil(lambda: f"Committed up to {sequence:,}" in said, timeout=10000)
    qtbot.waitUntil(lambda: window.committed_offset_label.text() == f"committed {sequence:,}", timeout=5000)


def mnemonic(text: str) -> str:
    """The letter after a single "&" ("" when none)."""
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else ""


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen platform opening a menu
def test_no_label_or_button_takes_a_menus_mnemonic(qtbot: Any, open_window: Any, lab: Lab) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    window = open_window()
    window.show()
    menus = {mnemonic(m.title()): m for m in (a.menu() for a in window.menuBar().actions()) if m is not None}
    assert set(menus) == {"f", "s", "e", "v", "h"}
    seen: dict[str, str] = {}
    for widget in [*window.findChildren(QLabel), *window.findChildren(QAbstractButton)]:
        if not widget.isVisible():
            continue
        letter = mnemonic(widget.text())
        if letter:
            assert letter not in menus, f"{widget.text()!r} takes Alt+{letter.upper()}, {menus[letter].title()!r}'s"
            assert letter not in seen, f"{widget.text()!r} and {seen[letter]!r} both take Alt+{letter.upper()}"
            seen[letter] = widget.text()
    assert "o" in seen  # Start fr&om
    window.activateWindow()
    window.connection_combo.setFocus()
    qtbot.waitUntil(window.connection_combo.hasFocus)
    qtbot.keyClick(window.widget, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(menus["f"].isVisible, timeout=2000)  # Alt+F opens File (it focused Start from)
    assert not window.offset_mode_combo.hasFocus()
    menus["f"].close()
    window.connection_combo.setFocus()
    qtbot.waitUntil(window.connection_combo.hasFocus)
    qtbot.keyClick(window.widget, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    assert window.offset_mode_combo.hasFocus()


def shown_types(window: Any, rows: range) -> list[str]:
    return [window.model.index(r, 2).data() for r in rows]


def test_the_notification_rule_takes_type_names_of_any_form_and_says_what_it_cannot_take(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    em, _, _ = lab
    window = open_window()
    window.show()
    label = window.filter_bar.notify_label
    assert "deleted" in window.notify_edit.placeholderText()
    assert "every type ending so" in window.notify_edit.toolTip()
    window.notify_edit.setText("deleted")  # a type's last part: every type ending in .deleted
    window.notify_edit.editingFinished.emit()
    assert label.isVisible() and label.text() == "0 matched"
    start(qtbot, window, "earliest", until_rows=300)
    deleted = sum(t.endswith(".deleted") for t in shown_types(window, range(300)))
    assert deleted > 0
    qtbot.waitUntil(lambda: label.text() == f"{deleted:,} matched", timeout=5000)  # stays, unlike a message
    assert len(window.notifier.sent) == 1 and "matched “deleted”" in window.notifier.sent[0]
    # a full type name of three parts
    window.notify_edit.setText("tenant.auth_consent.updated")
    window.notify_edit.editingFinished.emit()
    assert label.text() == "0 matched"
    rows = window.model.rowCount()
    em.state.produce(300)
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 300, timeout=10000)
    consents = shown_types(window, range(rows, rows + 300)).count("tenant.auth_consent.updated")
    assert consents > 0
    qtbot.waitUntil(lambda: label.text() == f"{consents:,} matched", timeout=5000)
    # neither a type nor CEL that can match: said at the field, as the CEL filter's error is
    for text, error in (("delted == 1", "“delted” is no event field"), ("subject", "not true or false")):
        window.notify_edit.setText(text)
        window.notify_edit.editingFinished.emit()
        assert label.isVisible() and error in label.text() and error in window.notify_edit.toolTip()
        assert window.notifier.rule is None
    window.notify_edit.setText('data.kind == "customer"')  # CEL still works
    window.notify_edit.editingFinished.emit()
    assert label.text() == "0 matched" and window.notifier.rule is not None


def test_a_payload_column_is_typed_after_data_said_wrong_in_the_dialog_and_scrolled_to(
    qtbot: Any, streaming: Any
) -> None:
    from tests.gui.test_at_a_glance import header_menu, menu_action

    window = streaming
    view = window.table
    assert view.horizontalScrollBar().value() == 0
    rows_at = view.verticalScrollBar().value()
    menu_action(header_menu(qtbot, window), "Add payload column").trigger()
    dialog = window.table_part.payload_dialog
    assert dialog.objectName() == "payloadColumnDialog"
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    edit = dialog.path_edit
    assert edit.text() == "data." and not edit.hasSelectedText() and edit.cursorPosition() == len("data.")
    qtbot.keyClicks(edit, "kind[")  # typed after "data.", not over it
    assert edit.text() == "data.kind["
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error_label.isVisible()  # said here, the dialog stays to correct it
    assert dialog.error_label.text().startswith("⚠") and window.model.columnCount() == 8
    assert not window.status.bar.currentMessage().startswith("Column not added")
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert not dialog.error_label.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    section = window.model.columnCount() - 1
    assert window.model.headerData(section, Qt.Orientation.Horizontal) == "data.kind"
    left = view.columnViewportPosition(section)
    assert left >= 0 and left + view.columnWidth(section) <= view.viewport().width()  # on screen
    assert view.horizontalScrollBar().value() > 0
    assert view.verticalScrollBar().value() == rows_at and window.table_part.follow  # still at the tail


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen platform opening a menu
def test_the_types_menu_stays_open_while_types_are_checked(qtbot: Any, streaming: Any) -> None:
    window = streaming
    menu = window.type_menu
    button = window.filter_bar.type_button
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    chosen = menu.actions()[:3]
    for action in chosen:
        qtbot.mouseMove(menu, menu.actionGeometry(action).center())
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
        assert menu.isVisible()  # still open for the next one
    assert [a for a in menu.actions() if a.isChecked()] == chosen
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(chosen[1]).center())
    assert menu.isVisible() and not chosen[1].isChecked()  # unchecked the same way
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=2000)
    settle_filter(qtbot, window, lambda: window.model.rowCount() < 300)
    shown = {window.events.event(window.model.row_id(r))["type"] for r in range(window.model.rowCount())}
    assert shown == {chosen[0].data(), chosen[2].data()}
    assert button.text() == "Types: " + ", ".join(a.text().removeprefix("tenant.") for a in (chosen[0], chosen[2]))
