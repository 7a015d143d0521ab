"""The event table model: an adapter over the columnar EventStore, with a filtered row view."""

from __future__ import annotations

from array import array
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gui.api.durations import parse_time
from gui.eventlog.store import HEADERS, EventStore, RowFilter

Index = QModelIndex | QPersistentModelIndex
_GAP = QBrush(QColor(220, 80, 60, 70))
_COMMITTED = QBrush(QColor(120, 160, 120, 45))


class EventTableModel(QAbstractTableModel):
    """Rows are absolute store row ids, all of them or those a filter kept (``view``)."""

    def __init__(self, store: EventStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.view: array[int] | None = None  # None: every row of the store
        self.row_filter: RowFilter | None = None
        self.committed = -1
        self.local_time = False
        self._mono = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.TypeWriter)

    # -- Qt API ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid():
            return 0
        return len(self.view) if self.view is not None else len(self.store)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def row_id(self, row: int) -> int:
        return self.view[row] if self.view is not None else self.store.base + row

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_id(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.store.cell(row, column)
            if column == 1 and text:
                return self._time_text(text)
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2:
                return self.store.full_type(row)
            if column == 0 and row in self.store.gap_before:
                return f"{self.store.gap_before[row]} events before this one were not delivered (filtered out or lost)"
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == 0 and row in self.store.gap_before:
                return _GAP
            if self.store.seq[row - self.store.base] <= self.committed:
                return _COMMITTED
            return None
        if role == Qt.ItemDataRole.FontRole and column in (0, 6):
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def _time_text(self, text: str) -> str:
        try:
            when = parse_time(text)
        except ValueError:
            return text
        if self.local_time:
            return when.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        return when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"

    # -- changes -----------------------------------------------------------------------------

    def add_rows(self, rows: range) -> int:
        """New store rows arrived: one beginInsertRows for the visible ones. Returns how many."""
        if self.view is None:
            visible = len(rows)
            first = len(self.store) - visible
        else:
            kept = self.row_filter.apply(self.store, rows) if self.row_filter else array("q", rows)
            visible = len(kept)
            first = len(self.view)
        if not visible:
            return 0
        self.beginInsertRows(QModelIndex(), first, first + visible - 1)
        if self.view is not None:
            self.view.extend(kept)
        self.endInsertRows()
        return visible

    def drop_oldest(self) -> None:
        """Apply the store's cap: drop rows from the front (one beginRemoveRows)."""
        dropped = self.store.trim() if len(self.store) > self.store.cap else 0
        if not dropped:
            return
        if self.view is None:
            self.beginRemoveRows(QModelIndex(), 0, dropped - 1)
            self.endRemoveRows()
            return
        new_base = self.store.base
        cut = 0
        while cut < len(self.view) and self.view[cut] < new_base:
            cut += 1
        if cut:
            self.beginRemoveRows(QModelIndex(), 0, cut - 1)
            del self.view[:cut]
            self.endRemoveRows()

    def set_view(self, row_filter: RowFilter | None, rows: array[int] | None) -> None:
        """Show the rows a filter kept (``None``: every row); new rows go through the same filter."""
        self.beginResetModel()
        self.row_filter = row_filter
        self.view = None if row_filter is None else rows
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.store.clear()
        if self.view is not None:
            self.view = array("q")
        self.endResetModel()

    def set_committed(self, offset: int) -> None:
        self.committed = offset
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(self.rowCount() - 1, self.columnCount() - 1),
                [Qt.ItemDataRole.BackgroundRole],
            )
