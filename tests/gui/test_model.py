"""The table model as Qt's delegate reads it: all roles of a cell at once (``multiData``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem, QTableView

from gui.eventlog.store import EventStore
from gui.ui.model import EventTableModel


def test_each_cell_gets_its_own_roles_not_the_previous_cells(qtbot: Any) -> None:
    """The delegate reuses one span of roles from cell to cell: a role the model leaves unset would
    keep the previous cell's value (right-aligned or monospace text, a committed colour, in the
    wrong columns)."""
    store = EventStore()
    events = [
        {"sequence": n, "type": "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0", "tenant_id": "t", "source": "s"}
        for n in (1, 2)
    ]
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
