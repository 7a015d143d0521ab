"""Every column is defined once (gui.eventlog.columns) and the table, its header menu, sorting,
copy and export all follow that one definition: what is asserted here is read from the column
list, so a column added there is checked here without another edit."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStyleOptionViewItem

from gui.eventlog.columns import EXPORT_ONLY, TABLE_COLUMNS, export_keys

PAYLOAD = "data.kind"


def expected_export_header() -> list[str]:
    headers = {c.key: c.header for c in (*TABLE_COLUMNS, *EXPORT_ONLY)}
    return [headers.get(key, key) for key in export_keys((*(c.key for c in TABLE_COLUMNS), PAYLOAD))]


def shown_by_delegate(view: Any, index: Any) -> str:
    """A cell's text as Qt's item delegate reads it: through ``multiData``."""
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, index)
    return str(option.text)


def test_every_column_shows_sorts_copies_and_exports_from_its_one_definition(
    qtbot: Any, held: Any, tmp_path: Path
) -> None:
    window = held
    model, view = window.model, window.table
    assert window.table_part.add_payload_column(PAYLOAD)  # a column of one's own fits the same scheme
    columns = [*TABLE_COLUMNS, model.columns[-1]]
    assert [model.headerData(s, Qt.Orientation.Horizontal) for s in range(model.columnCount())] == [
        c.header for c in columns
    ]
    header = view.horizontalHeader()
    for section, column in enumerate(columns[:-1]):  # the last one stretches to the edge
        assert view.columnWidth(section) == column.width, column.key
    menu = window.table_part.header_menu(QPoint(header.sectionViewportPosition(0) + 5, 5))
    listed = [a.text() for a in menu.actions() if a.isCheckable()]
    assert listed == [c.header for c in columns]  # each can be shown or hidden
    for section, column in enumerate(columns):
        index = model.index(0, section)
        right = bool(int(index.data(Qt.ItemDataRole.TextAlignmentRole) or 0) & Qt.AlignmentFlag.AlignRight.value)
        assert right == column.right, column.key
        assert (index.data(Qt.ItemDataRole.FontRole) is not None) == column.mono, column.key

    # copy (Ctrl+C) and export: the export's columns, every table column among them
    last = model.columnCount() - 1
    view.selectionModel().select(
        QItemSelection(model.index(0, 0), model.index(4, last)), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = [line.split("\t") for line in QGuiApplication.clipboard().text().splitlines()]
    assert copied[0] == expected_export_header()
    done: list[Any] = []
    window.export_to(tmp_path / "all.csv", "csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    exported = list(csv.reader(io.StringIO((tmp_path / "all.csv").read_text(encoding="utf-8"))))
    assert exported[0] == copied[0] and len(exported) == model.rowCount() + 1
    for row in range(5):
        for section, column in enumerate(columns):
            at = copied[0].index(column.header)
            shown = str(model.index(row, section).data())
            if column.key == "time":  # ISO 8601 in the copy, the same moment
                assert copied[row + 1][at].replace("T", " ") == shown, column.key
            elif column.key == "tenant":  # its name (its ID in the next column)
                assert shown.startswith(copied[row + 1][at]), column.key
            else:
                assert copied[row + 1][at] == shown, column.key
            assert exported[row + 1][at] == copied[row + 1][at], column.key

    # sorting by each column, both ways: data() and multiData() (Qt's delegate) agree on every row
    for column in columns:
        for descending in (False, True):
            window.sorting.sort(column.key, descending)
            qtbot.waitUntil(lambda: not window.sorting.running, timeout=10000)
            assert (model.order is None) == (column.key == "sequence" and not descending)
            for row in range(model.rowCount()):
                for c in range(model.columnCount()):
                    index = model.index(row, c)
                    assert shown_by_delegate(view, index) == index.data(), (column.key, row, c)
