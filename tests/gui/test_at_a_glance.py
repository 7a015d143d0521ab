"""The at-a-glance features, driven in the real window against the emulator over HTTP: the
timeline, saved views, columns of one's own, row actions, several subscriptions in tabs."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from gui.api.durations import parse_time
from gui.eventlog.view import ViewSpec
from gui.storage.views import SavedView
from tests.gui.driver import drive
from tests.gui.test_window import Lab, start


def shown_total(window: Any) -> int:
    return int(window.timeline_view.histogram.counts.sum())


def shown_events(window: Any) -> list[dict[str, Any]]:
    """The events of the rows the table shows, in its order."""
    return [window.events.event(window.model.row_id(r)) for r in range(window.model.rowCount())]


def column_texts(window: Any, section: int) -> list[str]:
    return [window.model.index(r, section).data() for r in range(window.model.rowCount())]


@pytest.fixture
def streaming(qtbot: Any, open_window: Any, lab: Lab) -> Any:
    """The window shown, streaming the lab's subscription from the earliest event, all 300 held."""
    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
    return window


def test_the_timeline_counts_the_rows_shown_and_a_drag_narrows_them_to_its_range(qtbot: Any, streaming: Any) -> None:
    window = streaming
    view = window.timeline_view
    assert view.objectName() == "timelineView" and view.isVisible()
    qtbot.waitUntil(lambda: shown_total(window) == window.model.rowCount(), timeout=5000)
    histogram = view.histogram
    assert histogram.buckets >= 20 and histogram.counts.shape[1] >= 3  # stacked by type
    plot = view._plot()
    y = int(plot.center().y())
    x1, x2 = int(plot.left() + plot.width() * 0.3), int(plot.left() + plot.width() * 0.6)
    since, until = view.time_at(x1) // 1, -(-view.time_at(x2) // 1)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(x1, y))
    qtbot.mouseMove(view, QPoint((x1 + x2) // 2, y))
    qtbot.mouseMove(view, QPoint(x2, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(x2, y))
    assert window.time_range.preset == "custom"
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300 and not window.filtering.running, timeout=5000)
    times = [parse_time(e["time"]).timestamp() for e in shown_events(window)]
    assert all(since <= t <= until + 1 for t in times)
    assert min(times) - since < 10 and until - max(times) < 10  # the whole range, not a part of it
    # the timeline reflects the filters: it counts what the table shows
    qtbot.waitUntil(lambda: shown_total(window) == window.model.rowCount(), timeout=5000)


def test_clicking_a_bucket_scrolls_the_table_to_its_first_event(qtbot: Any, streaming: Any) -> None:
    window = streaming
    view = window.timeline_view
    qtbot.waitUntil(lambda: shown_total(window) == 300, timeout=5000)
    plot = view._plot()
    x, y = int(plot.left() + plot.width() * 0.25), int(plot.center().y())
    h = view.histogram
    bucket_start = (h.first + h.bucket_of(view.time_at(x))) * h.size
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    row = window.table.currentIndex().row()
    assert row > 0
    when = parse_time(window.events.event(window.model.row_id(row))["time"]).timestamp()
    before = parse_time(window.events.event(window.model.row_id(row - 1))["time"]).timestamp()
    assert before < bucket_start <= when


def header_menu(qtbot: Any, window: Any, section: int = 0) -> Any:
    """The header's context menu as a right-click there builds it (not popped up: the offscreen
    platform cannot grab for a popup)."""
    header = window.table.horizontalHeader()
    return window.table_part.header_menu(QPoint(header.sectionViewportPosition(section) + 5, 5))


def menu_action(menu: Any, text: str) -> Any:
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def export_header(qtbot: Any, window: Any, path: Any) -> list[list[str]]:
    import csv
    import io

    done: list[Any] = []
    window.export_to(path, "csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_a_column_hidden_from_the_header_menu_stays_hidden_after_restart_and_is_not_exported(
    qtbot: Any, open_window: Any, streaming: Any, tmp_path: Any
) -> None:
    window = streaming
    menu = header_menu(qtbot, window)
    menu_action(menu, "Subject").trigger()  # unchecks it: hidden
    header = window.table.horizontalHeader()
    assert header.isSectionHidden(4)
    for _ in range(5):  # Source first, from the header's menu (as dragging its header would)
        menu_action(header_menu(qtbot, window, 5), "Move Source left").trigger()
    assert header.visualIndex(5) == 0
    assert not menu_action(header_menu(qtbot, window, 5), "Move Source left").isEnabled()
    window.close()
    again = open_window()
    again.show()
    assert again.table.horizontalHeader().isSectionHidden(4)
    assert again.visible_columns()[0] == "source" and "subject" not in again.visible_columns()
    start(qtbot, again, "earliest", until_rows=300)
    rows = export_header(qtbot, again, tmp_path / "cols.csv")
    assert rows[0][0] == "Source" and "Subject" not in rows[0]
    # shown again from the same menu
    menu = header_menu(qtbot, again)
    menu_action(menu, "Subject").trigger()
    assert not again.table.horizontalHeader().isSectionHidden(4)


def test_a_payload_column_shows_filters_is_exported_and_is_remembered(
    qtbot: Any, open_window: Any, streaming: Any, tmp_path: Any
) -> None:
    from gui.ui.payload_column import PayloadColumnDialog

    window = streaming
    menu = header_menu(qtbot, window)
    menu_action(menu, "Add payload column").trigger()
    dialog = window.table_part.findChild(PayloadColumnDialog, "payloadColumnDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    dialog.setTextValue("data.kind")
    dialog.accept()  # answered as a user would, no nested event loop
    section = window.model.columnCount() - 1
    assert window.model.headerData(section, Qt.Orientation.Horizontal) == "data.kind"
    kinds = set(column_texts(window, section))
    assert {"customer", "folder"} <= kinds
    for r, event in enumerate(shown_events(window)):  # each cell is the event's own value
        assert window.model.index(r, section).data() == str(event["data"].get("kind") or "")
    window.filter_edit.setText('"kind":"folder"')  # the text filter searches what the column shows
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 300 and not window.filtering.running, timeout=5000)
    assert set(column_texts(window, section)) == {"folder"}
    rows = export_header(qtbot, window, tmp_path / "kind.csv")
    at = rows[0].index("data.kind")
    assert rows[0][-1] == "Payload" and {r[at] for r in rows[1:]} == {"folder"}
    # a path that is none is refused with a reason, nothing else changes
    assert not window.table_part.add_payload_column("kind")
    assert "starts with data." in window.status.bar.currentMessage()
    window.close()
    again = open_window()
    assert again.model.payload_columns == ["data.kind"]


def test_row_actions_filter_by_tenant_type_and_subject_and_show_the_history(qtbot: Any, streaming: Any) -> None:
    window = streaming
    view = window.table
    index = window.model.index(120, 2)
    event = window.events.event(window.model.row_id(120))
    view.scrollTo(index)
    view.setCurrentIndex(index)  # the table stays put on a selected row
    position = view.visualRect(index).center()
    menu = window.table_part.row_menu(position)
    menu_action(menu, "Filter by this tenant").trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() < 300 and not window.filtering.running, timeout=5000)
    tenants = {e["tenant_id"] for e in shown_events(window)}
    assert tenants == {event["tenant_id"]}
    window.filter_bar.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 300, timeout=5000)
    menu = window.table_part.row_menu(view.visualRect(window.model.index(120, 2)).center())
    menu_action(menu, "Filter by this type").trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() < 300 and not window.filtering.running, timeout=5000)
    types = {e["type"] for e in shown_events(window)}
    assert types == {event["type"]}
    window.filter_bar.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 300, timeout=5000)
    view.setCurrentIndex(window.model.index(120, 2))
    menu = window.table_part.row_menu(view.visualRect(window.model.index(120, 2)).center())
    menu_action(menu, "Show this subject's history").trigger()
    assert window.detail.currentIndex() == 2
    qtbot.waitUntil(lambda: event["subject"] in window.detail.history.toPlainText(), timeout=5000)


def test_a_saved_view_restores_every_filter_columns_and_zone_after_restart(
    qtbot: Any, open_window: Any, streaming: Any
) -> None:
    window = streaming
    assert window.saved_view_combo.objectName() == "savedViewCombo"
    names = [window.saved_view_combo.itemText(i) for i in range(window.saved_view_combo.count())]
    assert "Disables and deletions" in names and "Last hour" in names  # shipped ones
    window.filter_edit.setText("a")
    window.tenant_edit.setText("e")
    created = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"
    updated = "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0"
    for action in window.type_menu.actions():
        action.setChecked(action.data() in (created, updated))
    window.time_range.set_preset("24h")
    window.cel_filter_edit.setText('data.kind != "unit"')
    window.time_zone_combo.setCurrentIndex(window.time_zone_combo.findData("local"))
    window.table_part.add_payload_column("data.kind")
    window.table.horizontalHeader().setSectionHidden(5, True)  # Source
    window.actions.save_view.trigger()
    dialog = window.saved_views.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    dialog.name_edit.setText("Last hour")  # a shipped view's name is refused, the dialog stays
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and "come with the app" in dialog.error_label.text()
    dialog.name_edit.setText("Busy EMEA")
    dialog.only_here.setChecked(True)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: "Busy EMEA (this subscription)" in window.saved_view_combo.currentText(), timeout=2000)
    window.filter_bar.clear()
    window.time_zone_combo.setCurrentIndex(window.time_zone_combo.findData("utc"))
    window.close()

    again = open_window()
    again.show()
    combo = again.saved_view_combo
    index = combo.findText("Busy EMEA (this subscription)")
    assert index > 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert again.filter_edit.text() == "a" and again.tenant_edit.text() == "e"
    assert {a.data() for a in again.type_menu.actions() if a.isChecked()} == {created, updated}
    assert again.time_range.preset == "24h" and again.cel_filter_edit.text() == 'data.kind != "unit"'
    assert again.time_zone_combo.currentData() == "local"
    assert again.model.payload_columns == ["data.kind"]
    assert again.table.horizontalHeader().isSectionHidden(5)
    # the View menu lists it too, and a shipped view applies from there
    menu_texts = [a.text() for a in again.actions.views_menu.actions()]
    assert "Busy EMEA" in menu_texts and "Disables and deletions" in menu_texts
    next(a for a in again.actions.views_menu.actions() if a.text() == "Last hour").trigger()
    assert again.time_range.preset == "1h" and again.filter_edit.text() == "" and not again.cel_filter_edit.text()
    # deleted, it is gone after a restart too
    combo.setCurrentIndex(combo.findText("Busy EMEA (this subscription)"))
    combo.activated.emit(combo.currentIndex())
    assert again.actions.delete_view.isEnabled()
    again.actions.delete_view.trigger()
    assert combo.findText("Busy EMEA (this subscription)") < 0


def test_two_tabs_stream_two_subscriptions_without_mixing_rows_and_come_back_after_restart(
    qtbot: Any, open_window: Any, home: Any
) -> None:
    from gui.emulator import Emulator
    from gui.storage import StateStore
    from tests.conftest import make_subscription
    from tests.gui.conftest import saved_connection
    from tests.gui.test_window import choose

    created = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"
    updated = "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0"
    with Emulator(history=600, seed=3, rate=20) as em, saved_connection(em, created) as (client, first_sub):
        second = make_subscription(client, updated)
        store = StateStore()
        store.save_subscription(em.url, em.client_id, second)
        store.close()
        window = open_window()
        window.show()
        tabs = window.tabs
        assert tabs.objectName() == "subscriptionTabs" and tabs.count() == 1
        one = window.current
        choose(one.subscription_combo, first_sub)
        window.actions.new_tab.trigger()
        assert tabs.count() == 2 and window.current is not one
        two = window.current
        assert two.subscription_combo.currentData() == second.subscription_id  # one no tab streams yet
        for tab in (one, two):
            choose(tab.offset_mode_combo, "earliest")
            tab.start()
        qtbot.waitUntil(lambda: one.model.rowCount() > 20 and two.model.rowCount() > 20, timeout=15000)
        assert one.consumer_thread is not two.consumer_thread  # a consumer thread each
        types_one = {e["type"] for e in shown_events(one)}
        types_two = {e["type"] for e in shown_events(two)}
        assert types_one == {created} and types_two == {updated}
        qtbot.waitUntil(lambda: "streaming" in tabs.tabText(0) and "streaming" in tabs.tabText(1), timeout=10000)
        two.actions.pause.trigger()
        qtbot.waitUntil(lambda: "paused" in tabs.tabText(1), timeout=5000)
        assert "streaming" in tabs.tabText(0)
        # a tab cannot start a subscription another tab streams (one consumer ID, one reader)
        two.subscription_combo.setCurrentIndex(two.subscription_combo.findData(first_sub))
        assert two.consumer_thread is None
        two.start()
        assert two.consumer_thread is None and "already streams in tab 1" in two.stream_status_label.text()
        two.subscription_combo.setCurrentIndex(two.subscription_combo.findData(second.subscription_id))
        choose(two.offset_mode_combo, "earliest")
        two.start()
        qtbot.waitUntil(lambda: two.model.rowCount() > 20, timeout=15000)
        two.actions.pause.trigger()
        qtbot.waitUntil(lambda: "paused" in tabs.tabText(1), timeout=5000)
        # the event cap is shared: each tab holds its half
        assert one.events.cap == two.events.cap == window.cap // 2
        # the menu bar acts on the tab shown: Stop stops only that one
        tabs.setCurrentIndex(0)
        window.actions.stop.trigger()
        assert one.consumer_thread is None and two.consumer_thread is not None
        assert "stopped" in tabs.tabText(0)
        window.close()

        again = open_window()
        assert again.tabs.count() == 2
        restored = [drive(again.tabs.widget(i)).subscription_combo.currentData() for i in range(2)]
        assert restored == [first_sub, second.subscription_id]
        again.tabs.setCurrentIndex(1)
        again.actions.close_tab.trigger()
        assert again.tabs.count() == 1 and not again.actions.close_tab.isEnabled()  # the last tab stays


def test_sorting_by_a_header_click_off_the_ui_thread_holds_new_rows_and_returns_to_live(
    qtbot: Any, open_window: Any, home: Any
) -> None:
    from gui.emulator import Emulator
    from tests.gui.conftest import saved_connection

    with Emulator(history=400, seed=8) as em, saved_connection(em):
        window = open_window()
        window.show()
        start(qtbot, window, "earliest", until_rows=400)
        header = window.table.horizontalHeader()

        def click(section: int) -> None:
            x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
            qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))

        click(3)  # Tenant
        qtbot.waitUntil(lambda: window.model.order is not None, timeout=5000)
        labels = column_texts(window, 3)
        assert labels == sorted(labels, key=str.casefold) and len(labels) == 400
        assert len(set(labels)) > 5
        em.state.produce(30)  # new events while sorted: held, counted on the button
        qtbot.waitUntil(lambda: window.model.held_by_sort == 30, timeout=10000)
        assert window.model.rowCount() == 400
        qtbot.waitUntil(lambda: "30 new events" in window.new_events_button.text(), timeout=5000)
        qtbot.mouseClick(window.new_events_button, Qt.MouseButton.LeftButton)  # sorts again with them
        qtbot.waitUntil(lambda: window.model.rowCount() == 430 and window.model.held_by_sort == 0, timeout=5000)
        labels = column_texts(window, 3)
        assert len(labels) == 430
        assert labels == sorted(labels, key=str.casefold)
        click(1)  # Time, ascending; again: descending
        qtbot.waitUntil(lambda: window.sorting.key == "time" and not window.sorting.running, timeout=5000)
        click(1)
        qtbot.waitUntil(lambda: window.sorting.descending and not window.sorting.running, timeout=5000)
        times = column_texts(window, 1)
        assert len(times) == 430
        assert times == sorted(times, reverse=True)
        click(0)  # Sequence: descending first (the indicator flips), then ascending = live
        qtbot.waitUntil(lambda: window.sorting.key == "sequence" and not window.sorting.running, timeout=5000)
        if window.sorting.descending:
            click(0)
        qtbot.waitUntil(lambda: window.model.order is None, timeout=5000)
        em.state.produce(5)
        qtbot.waitUntil(lambda: window.model.rowCount() == 435, timeout=10000)  # live again
        sequences = [int(text) for text in column_texts(window, 0)]
        assert len(sequences) == 435
        assert sequences == sorted(sequences)


def test_the_lag_sparkline_follows_the_lag_readings(qtbot: Any, streaming: Any) -> None:
    window = streaming
    spark = window.status.lag_sparkline
    assert spark.objectName() == "lagSparkline" and spark.isVisible()
    qtbot.waitUntil(lambda: len(spark.values) >= 1, timeout=10000)
    window.controls.refresh_lag()
    qtbot.waitUntil(lambda: len(spark.values) >= 2, timeout=10000)
    shown = window.lag_label.text()  # the sparkline plots the figure the label says
    assert spark.values[-1] == (0 if shown == "caught up" else int(shown.strip("≤ behind").replace(",", "")))
    assert "now" in spark.toolTip()
    window.stop()
    window.start()  # a new stream: a new line
    assert spark.values == [] or len(spark.values) <= 1


def test_a_new_tab_shares_the_event_cap_at_once_even_with_a_paused_tab(qtbot: Any, open_window: Any, home: Any) -> None:
    from gui.emulator import Emulator
    from tests.gui.conftest import saved_connection

    with Emulator(history=2500, seed=4) as em, saved_connection(em):
        window = open_window()
        start(qtbot, window, "earliest", until_rows=2500)
        one = window.current
        one.actions.pause.trigger()  # no batch will come to make it trim
        window.cap = 2000
        window.actions.new_tab.trigger()
        assert one.events.cap == 1000 and len(one.events) == 1000 and one.model.rowCount() == 1000
        assert "1,500 oldest events dropped" in one.cap_notice.text()
        first = one.events.event(one.model.row_id(0))["sequence"]
        assert first == 1501  # the newest 1,000 kept


def test_the_window_keeps_its_view_between_runs_in_the_saved_views_form(
    qtbot: Any, open_window: Any, streaming: Any
) -> None:
    window = streaming
    created = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"
    window.filter_edit.setText("acme")
    window.tenant_edit.setText("e")
    for action in window.type_menu.actions():
        action.setChecked(action.data() == created)
    window.time_range.set_preset("1h")
    window.cel_filter_edit.setText('data.kind == "customer"')
    window.time_zone_combo.setCurrentIndex(window.time_zone_combo.findData("local"))
    shown = window.saved_views.editor.current()
    window.close()
    stored = window.settings.value("view")  # one JSON form: the view's (gui.eventlog.view)
    assert ViewSpec.from_json(str(stored)) == shown
    assert SavedView.of("x", "", shown).to_json() == shown.to_json()

    again = open_window()
    view = again.saved_views.editor.current()
    assert (view.text, view.tenant, view.types, view.time_preset, view.cel, view.zone) == (
        "acme",
        "e",
        (created,),
        "1h",
        'data.kind == "customer"',
        "local",
    )
    assert again.model.local_time
