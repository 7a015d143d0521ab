"""The event table model: an adapter over the columnar EventStore, with a filtered row view."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gui.api.models import explain_skips
from gui.eventlog.columns import TABLE_COLUMNS, TABLE_KEYS, Column, Row, payload_column, table_time
from gui.eventlog.filter import RowFilter
from gui.eventlog.store import EventStore

Index = QModelIndex | QPersistentModelIndex
_GAP = QBrush(QColor(120, 140, 180, 70))  # skipped sequences: expected, shown neutrally
_LOST = QBrush(QColor(220, 80, 60, 110))  # events surely lost (removed by retention before read)
_COMMITTED = QBrush(QColor(120, 160, 120, 45))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
DISPLAY = Qt.ItemDataRole.DisplayRole.value
FONT = Qt.ItemDataRole.FontRole.value
TEXT_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
BACKGROUND = Qt.ItemDataRole.BackgroundRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_USER = Qt.ItemDataRole.UserRole.value
CELL_CACHE_ROWS = 2048
_MARKED = TABLE_KEYS.index("sequence")  # the column whose cell marks a gap before its row


class EventTableModel(QAbstractTableModel):
    """Rows are absolute store row ids, all of them or those a filter kept (``view``)."""

    def __init__(self, store: EventStore, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.view: array[int] | None = None  # None: every row of the store
        self.row_filter: RowFilter | None = None
        self.committed = -1
        self.local_time = False
        self.skip_reasons: tuple[str, ...] = ()  # what explains skipped sequences (the subscription's)
        # sorted by a column other than the sequence: the rows shown, in that order (a snapshot;
        # new rows are counted in ``held_by_sort`` until sorted again); None: in sequence order
        self.order: array[int] | None = None
        self.held_by_sort = 0
        # the store row after the last one this model has announced: the store may already hold
        # more (the window stores a flush's batches, then shows them a turn of the event loop later)
        self.end = store.base + len(store)
        self._cell_cache: dict[int, tuple[dict[int, Any], ...]] = {}
        # the columns shown (gui.eventlog.columns): the table's, then columns of one's own (payload paths)
        self.columns: list[Column] = list(TABLE_COLUMNS)
        self._column_roles()
        self._mono = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self._mono.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)

    # -- Qt API ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid():
            return 0
        if self.order is not None:
            return len(self.order)
        return len(self.view) if self.view is not None else self.end - self.store.base

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < self.columnCount()
        ):
            return self.columns[section].header
        return None

    def column_key(self, section: int) -> str:
        """The key of a table column, or the path of a column of one's own."""
        return self.columns[section].key

    @property
    def payload_columns(self) -> list[str]:
        """The paths of the columns of one's own, in order (after the table's)."""
        return [c.key for c in self.columns[len(TABLE_COLUMNS) :]]

    def is_payload_column(self, section: int) -> bool:
        return section >= len(TABLE_COLUMNS)

    def add_payload_column(self, path: str) -> int:
        """A column showing each event's value at ``path`` (ValueError if it is no path); its section."""
        column = payload_column(path)
        keys = [c.key for c in self.columns]
        if column.key in keys:
            return keys.index(column.key)
        section = self.columnCount()
        self.beginInsertColumns(QModelIndex(), section, section)
        self.columns.append(column)
        self._column_roles()
        self.endInsertColumns()
        return section

    def remove_payload_column(self, path: str) -> None:
        if path not in self.payload_columns:
            return
        section = [c.key for c in self.columns].index(path)
        self.beginRemoveColumns(QModelIndex(), section, section)
        del self.columns[section]
        self._column_roles()
        self.endRemoveColumns()

    def _column_roles(self) -> None:
        """The columns changed: what each one's cells carry beside their text, worked out once."""
        self._cell_cache.clear()
        self._mono_columns = [i for i, c in enumerate(self.columns) if c.mono]
        self._right_columns = [i for i, c in enumerate(self.columns) if c.right]
        self._tooltips = [(i, c.tooltip) for i, c in enumerate(self.columns) if c.tooltip is not None]
        self._texts = [c.text for c in self.columns]

    def set_payload_columns(self, columns: Sequence[str]) -> None:
        for path in list(self.payload_columns):
            if path not in columns:
                self.remove_payload_column(path)
        for path in columns:
            try:
                self.add_payload_column(path)
            except ValueError:
                continue  # a stored path that is not one any more is left out

    def shown_rows(self) -> Sequence[int]:
        """The store rows shown, in order, as a snapshot another thread may read: a range, or a
        copy of the filtered view (one memcpy, not a Python loop over a million rows)."""
        return self.order[:] if self.order is not None else self.unsorted_rows()

    def unsorted_rows(self) -> Sequence[int]:
        """The rows shown in sequence order, sorted or not (what a sort sorts)."""
        return range(self.store.base, self.end) if self.view is None else self.view[:]

    def set_order(self, order: array[int] | None) -> None:
        """Show ``order`` (store rows sorted by a column), or the rows in sequence order again (None)."""
        self.beginResetModel()
        if order is not None and len(order) and min(order) < self.store.base:  # the oldest went meanwhile
            base = self.store.base
            order = array("q", (r for r in order if r >= base))
        self.order = order
        self.held_by_sort = 0
        self._cell_cache.clear()
        self.endResetModel()

    def rows_in(self, spans: Sequence[tuple[int, int]]) -> array[int]:
        """The store rows of view rows ``first..last`` for each (first, last) span, in that order:
        slices, not a Python loop over each row (a selection may hold a million)."""
        out = array("q")
        for first, last in spans:
            if self.order is not None:
                out.extend(self.order[first : last + 1])
            elif self.view is None:
                out.extend(range(self.store.base + first, self.store.base + last + 1))
            else:
                out.extend(self.view[first : last + 1])
        return out

    def view_row(self, store_row: int) -> int | None:
        """Where store row ``store_row`` is shown (None: the filters hide it, or it is gone)."""
        if store_row < self.store.base:
            return None
        if self.order is not None:
            try:
                return self.order.index(store_row)
            except ValueError:
                return None
        if self.view is not None:
            at = bisect_left(self.view, store_row)
            return at if at < len(self.view) and self.view[at] == store_row else None
        at = store_row - self.store.base
        return at if at < self.rowCount() else None

    def row_id(self, row: int) -> int:
        if self.order is not None:
            return self.order[row]
        return self.view[row] if self.view is not None else self.store.base + row

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._cells(self.row_id(index.row()))[index.column()].get(int(role))

    def row_roles(self, row: int) -> tuple[dict[int, Any], ...]:
        """Every role of every cell of view ``row`` (role -> value, absent when none): what the view paints."""
        return self._cells(self.row_id(row))

    def multiData(self, index: Index, roles: Any) -> None:  # noqa: N802 (a QModelRoleDataSpan: not iterable in the stubs)
        """Every role of a cell in one call: Qt 6's item delegate asks for seven roles of each cell
        together, so a repaint makes one Python call per cell instead of seven. Every role is
        written, value or none: the delegate reuses the same span from cell to cell."""
        if not index.isValid():
            for item in roles:
                item.clearData()
            return
        row = self.row_id(index.row())  # in the sorted order when sorted, as data() reads it
        get = (self._cell_cache.get(row) or self._cells(row))[index.column()].get
        for item in roles:
            value = get(item.role())
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _cells(self, row: int) -> tuple[dict[int, Any], ...]:
        """Every role of every cell of a row (role -> value, absent when none), made once: the one
        place ``data`` and ``multiData`` read, cached for the rows on screen."""
        cells = self._cell_cache.get(row)
        if cells is not None:
            return cells
        if len(self._cell_cache) >= CELL_CACHE_ROWS:
            self._cell_cache.clear()
        store = self.store
        gap = store.gap_before.get(row)
        committed = _COMMITTED if store.seq[row - store.base] <= self.committed else None
        try:
            texts = self.row_text(row)
        except Exception:  # no repaint may raise: an event the store cannot read shows as such
            texts = ("⚠ unreadable event", *("",) * (self.columnCount() - 1))
        cells = tuple({DISPLAY: text, _USER: row} for text in texts)
        for column in self._mono_columns:
            cells[column][FONT] = self._mono
        for column in self._right_columns:
            cells[column][TEXT_ALIGNMENT] = _RIGHT
        if committed is not None:
            for cell in cells:
                cell[BACKGROUND] = committed
        lost = store.gap_lost.get(row) if gap else None
        if lost:
            cells[_MARKED][BACKGROUND] = _LOST
            cells[_MARKED][_TOOLTIP] = (
                f"{gap:,} events before this one are lost (sequences {lost[0]:,}–{lost[1]:,}): the topic's "
                "retention removed them before this subscription read them"
            )
        elif gap:
            cells[_MARKED][BACKGROUND] = _GAP
            cells[_MARKED][_TOOLTIP] = f"{gap:,} sequences skipped before this one. " + self.gap_explanation
        if self._tooltips:
            at = Row(store, row)
            for column, tooltip in self._tooltips:
                cells[column][_TOOLTIP] = tooltip(at)
        self._cell_cache[row] = cells
        return cells

    @property
    def gap_explanation(self) -> str:
        return explain_skips(self.skip_reasons)

    def set_skip_reasons(self, reasons: Sequence[str]) -> None:
        """What explains skipped sequences for the subscription streamed (Subscription.skip_reasons)."""
        self.skip_reasons = tuple(reasons)
        self._cell_cache.clear()

    def row_text(self, row: int) -> tuple[str, ...]:
        """The shown text of every column of a row."""
        at = Row(self.store, row, self.local_time)
        return tuple(text(at) for text in self._texts)

    def set_local_time(self, local: bool) -> None:
        self.local_time = local
        self._cell_cache.clear()
        if self.rowCount():
            self._all_changed(Qt.ItemDataRole.DisplayRole)  # times, and whatever else shows them

    def time_text(self, text: str) -> str:
        """An event's time as the Time column shows it (UTC or local, to the millisecond)."""
        return table_time(text, self.local_time)

    # -- changes -----------------------------------------------------------------------------

    def add_rows(self, rows: range, kept: array[int] | None = None) -> int:
        """New store rows arrived: one beginInsertRows for the visible ones. Returns how many.
        ``kept``: the rows of ``rows`` the filter keeps, when another thread worked them out."""
        start = max(rows.start, self.end, self.store.base)  # rows already shown are not added twice
        if kept is not None and start > rows.start:
            kept = kept[bisect_left(kept, start) :]
        rows = range(start, rows.stop)
        if not rows:
            self.end = max(self.end, rows.stop)
            return 0
        self.end = rows.stop
        self._cell_cache.clear()  # tenant names learned from the new events may relabel shown rows
        kept_rows: array[int] = array("q")
        if self.view is None:
            visible = len(rows)
            first = rows.start - self.store.base
        else:
            if kept is None:
                kept = self.row_filter.apply(self.store, rows) if self.row_filter else array("q", rows)
            kept_rows = kept
            visible = len(kept)
            first = len(self.view)
        if not visible:
            return 0
        if self.order is not None:  # a sorted snapshot: counted, shown at the next sort
            if self.view is not None:
                self.view.extend(kept_rows)
            self.held_by_sort += visible
            return 0
        self.beginInsertRows(QModelIndex(), first, first + visible - 1)
        if self.view is not None:
            self.view.extend(kept_rows)
        self.endInsertRows()
        return visible

    def drop_oldest(self) -> None:
        """Apply the store's cap: drop rows from the front (one beginRemoveRows)."""
        dropped = self.store.trim() if len(self.store) > self.store.cap else 0
        if not dropped:
            return
        if self.order is not None:  # sorted: the dropped rows are anywhere in it
            if self.view is not None:
                del self.view[: bisect_left(self.view, self.store.base)]
            self.set_order(self.order)
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

    def set_view(self, row_filter: RowFilter | None, rows: array[int] | None, end: int | None = None) -> None:
        """Show the rows a filter kept (``None``: every row); new rows go through the same filter.
        ``end``: the filter saw the store up to there; later rows are added as new ones."""
        if end is not None:
            self.end = min(self.end, end)
        if rows is not None and rows and rows[-1] >= self.end:  # the filter saw rows not shown yet:
            rows = rows[: bisect_left(rows, self.end)]  # add_rows brings them, filtered
        self.beginResetModel()
        self.row_filter = row_filter
        self.view = None if row_filter is None else rows
        self.order = None  # sorted again by gui.ui.sorting once the filter is applied
        self.endResetModel()

    def clear(self) -> None:
        self.on_store_about_to_clear()
        self.store.clear()
        self.on_store_cleared()

    def on_store_about_to_clear(self) -> None:
        """The store's owner (the stream session) is about to empty it."""
        self.beginResetModel()

    def on_store_cleared(self) -> None:
        self._cell_cache.clear()
        self.order = None
        self.held_by_sort = 0
        self.end = self.store.base + len(self.store)
        if self.view is not None:
            self.view = array("q")
        self.endResetModel()

    def refresh_tenants(self) -> None:
        """Tenant names were learned: the Tenant column is shown again."""
        self._cell_cache.clear()
        if self.rowCount():
            self._all_changed(Qt.ItemDataRole.DisplayRole)  # the Tenant column, and whatever else shows names

    def set_committed(self, offset: int) -> None:
        self.committed = offset
        self._cell_cache.clear()
        if self.rowCount():
            self._all_changed(Qt.ItemDataRole.BackgroundRole)

    def _all_changed(self, role: Qt.ItemDataRole) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1), [role])
