"""The table model as Qt's delegate reads it: all roles of a cell at once (``multiData``)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem, QTableView

from gui.eventlog.store import EventStore
from gui.ui.model import EventTableModel

UPDATED = "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0"


def alternating(count: int) -> list[dict[str, Any]]:
    """Events 1..count, created (even sequences) and updated (odd ones) in turn."""
    kinds = ("created", "updated")
    return [
        {
            "sequence": n,
            "type": f"cti.a.p.em.event.v1.0~a.p.tenant.{kinds[n % 2]}.v1.0",
            "tenant_id": "t",
            "source": "s",
        }
        for n in range(1, count + 1)
    ]


def test_each_cell_gets_its_own_roles_not_the_previous_cells(qtbot: Any) -> None:
    """The delegate reuses one span of roles from cell to cell: a role the model leaves unset would
    keep the previous cell's value (right-aligned or monospace text, a committed colour, in the
    wrong columns)."""
    store = EventStore()
    events = [{"sequence": n, "type": UPDATED, "tenant_id": "t", "source": "s"} for n in (1, 2)]
    model = EventTableModel(store)
    model.add_rows(store.append(events))
    model.set_committed(1)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = view.itemDelegate()

    def option(row: int, column: int) -> QStyleOptionViewItem:
        opt = QStyleOptionViewItem()
        delegate.initStyleOption(opt, model.index(row, column))
        return opt

    seq = option(0, 0)  # sequence: right-aligned, monospace, committed background
    assert seq.displayAlignment & Qt.AlignmentFlag.AlignRight and seq.text == "1"
    assert seq.backgroundBrush.style() != Qt.BrushStyle.NoBrush
    kind = option(1, 2)  # type, not committed: none of that may leak over
    assert kind.text == "tenant.updated"
    assert not kind.displayAlignment & Qt.AlignmentFlag.AlignRight
    assert kind.font.family() != model._mono.family()
    assert kind.backgroundBrush.style() == Qt.BrushStyle.NoBrush


def test_rows_are_shown_once_and_a_filter_never_shows_rows_not_announced(qtbot: Any, qtmodeltester: Any) -> None:
    """The window stores a flush before the model shows it: rows stored but not yet announced
    must not be counted, shown by a filter result, or added twice."""
    from array import array

    from gui.eventlog.filter import FilterSpec, RowFilter

    store = EventStore()
    model = EventTableModel(store)
    events = alternating(10)
    first = store.append(events[:6])
    assert model.rowCount() == 0  # stored, not announced
    assert model.add_rows(first) == 6
    store.append(events[6:])
    assert model.rowCount() == 6
    only_created = RowFilter(FilterSpec(types=frozenset({"cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"})))
    model.set_view(only_created, only_created.apply(store, store.rows()))  # the filter saw all 10 rows
    assert [model.row_id(r) for r in range(model.rowCount())] == [1, 3, 5]
    assert model.add_rows(store.rows()) == 2  # rows 6..9 arrive, filtered; 0..5 are not added again
    assert [model.row_id(r) for r in range(model.rowCount())] == [1, 3, 5, 7, 9]
    qtmodeltester.check(model)
    model.set_view(None, None)
    assert model.rowCount() == 10 and model.add_rows(store.rows()) == 0
    assert isinstance(only_created.apply(store, store.rows()), array)


def test_committing_repaints_rows_already_cached(qtbot: Any) -> None:
    store = EventStore()
    model = EventTableModel(store)
    model.add_rows(store.append([{"sequence": 5, "type": "t", "tenant_id": "x", "source": "s"}]))
    assert model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is None  # cached now
    model.set_committed(5)
    assert model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is not None


@pytest.mark.parametrize("count", [5, 79])  # fewer rows than fit, and more
@pytest.mark.parametrize("elide", [Qt.TextElideMode.ElideNone, Qt.TextElideMode.ElideRight])
def test_the_table_paints_its_cells_as_qt_would_pixel_for_pixel(qtbot: Any, count: int, elide: Any) -> None:
    """EventTableView paints cells itself (one Python call per repaint, not several per cell): what
    it draws must be what Qt's own view and delegate draw, in every state the table shows —
    alternating rows, committed rows, a gap, the selected row and its focus frame, right-aligned
    monospace sequences, text clipped at the cell's edge — scrolled or not."""
    from PySide6.QtCore import QItemSelectionModel

    from gui.ui.table import EventTableView

    class QtPainted(EventTableView):
        def paintEvent(self, event: Any) -> None:  # noqa: N802
            QTableView.paintEvent(self, event)

    store = EventStore()
    events = [
        {
            "sequence": n,
            "previous": 2 if n == 5 else n - 1,
            "type": UPDATED,
            "tenant_id": f"tenant-{n % 3}",
            "source": "account-server",
            "time": "2026-11-27T10:00:00.123Z",
            "id": f"event-{n}",
            "subject": "s" * (n % 40),
        }
        for n in range(1, count + 1)
    ]
    model = EventTableModel(store)
    model.add_rows(store.append(events, [(3, 4)]))
    model.set_committed(10)
    images = []
    for cls in (EventTableView, QtPainted):
        view = cls(model)
        qtbot.addWidget(view)
        view.resize(700, 400)
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setTextElideMode(elide)
        view.setWordWrap(False)
        view.setColumnWidth(1, 120)  # the time does not fit: clipped at the cell's edge
        view.show()
        view.activateWindow()
        view.setFocus()
        qtbot.waitUntil(view.hasFocus)  # the focus frame is drawn only then
        view.selectionModel().setCurrentIndex(
            model.index(count // 2, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        shots = [view.viewport().grab().toImage()]
        view.verticalScrollBar().setValue(30)
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum() // 2)
        shots.append(view.viewport().grab().toImage())
        images.append(shots)
    ours, qts = images
    for mine, theirs in zip(ours, qts, strict=True):
        assert mine.size() == theirs.size()
        assert mine == theirs


def test_shown_rows_is_a_snapshot_of_the_rows_the_table_shows(qtbot: Any) -> None:
    """What an export reads (``shown_rows``): the store rows shown, in order, filtered or not, and
    not changed by rows the table shows afterwards."""
    from gui.eventlog.filter import FilterSpec, RowFilter

    store = EventStore()
    events = alternating(40)
    model = EventTableModel(store)
    model.add_rows(store.append(events[:30]))
    assert list(model.shown_rows()) == [model.row_id(r) for r in range(model.rowCount())] == list(range(30))
    row_filter = RowFilter(FilterSpec(types=frozenset({UPDATED})))
    model.set_view(row_filter, row_filter.apply(store, store.rows()))
    shown = model.shown_rows()
    assert list(shown) == [model.row_id(r) for r in range(model.rowCount())] == list(range(0, 30, 2))
    model.add_rows(store.append(events[30:]))
    assert model.rowCount() == 20 and list(shown) == list(range(0, 30, 2))  # the snapshot stays as it was
