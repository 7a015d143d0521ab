"""The at-a-glance features, driven in the real window against the emulator over HTTP: the
timeline, saved views, columns of one's own, row actions, several subscriptions in tabs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from gui.api.durations import parse_time
from tests.gui.test_window import Lab, start


def shown_total(window: Any) -> int:
    return int(window.timeline_view.histogram.counts.sum())


def test_the_timeline_counts_the_rows_shown_and_a_drag_narrows_them_to_its_range(
    qtbot: Any, open_window: Any, lab: Lab
) -> None:
    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
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
    times = [parse_time(window.events.event(window.model.row_id(r))["time"]).timestamp() for r in range(window.model.rowCount())]
    assert all(since <= t <= until + 1 for t in times)
    assert min(times) - since < 10 and until - max(times) < 10  # the whole range, not a part of it
    # the timeline reflects the filters: it counts what the table shows
    qtbot.waitUntil(lambda: shown_total(window) == window.model.rowCount(), timeout=5000)


def test_clicking_a_bucket_scrolls_the_table_to_its_first_event(qtbot: Any, open_window: Any, lab: Lab) -> None:
    window = open_window()
    window.show()
    start(qtbot, window, "earliest", until_rows=300)
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
