"""Filtering the table: a new filter runs over the held events on a worker thread (the count says
"Filtering N events…" until it answers); new rows go through it as they arrive, on the UI thread
when that is a lookup (the text search was made in the consumer thread), on a worker thread when a
CEL expression has to be evaluated (~0.4 ms an event over the payload)."""

from __future__ import annotations

from array import array

from PySide6.QtCore import QObject, Signal

from gui.eventlog.cel import CelError
from gui.eventlog.filter import FilterSpec, RowFilter
from gui.eventlog.store import EventStore
from gui.ui import background, message
from gui.ui.filter_bar import FilterBar
from gui.ui.model import EventTableModel
from gui.ui.session import StreamSession


class TableFilter(QObject):
    applied = Signal()  # a filter's rows are shown (or the filter went): counts and scrolling follow
    rows_added = Signal(int)  # new rows shown (how many passed the filter)

    def __init__(
        self,
        events: EventStore,
        model: EventTableModel,
        session: StreamSession,
        bar: FilterBar,
    ) -> None:
        super().__init__(bar)
        self.events, self.model, self.session, self.bar = events, model, session, bar
        self.spec = FilterSpec()
        self.generation = 0
        self.running = False  # a filter run has not answered yet: the count shown is not the new one's
        self._new_rows_running = False  # a CEL run over new rows has not answered yet

    def apply(self) -> None:
        spec = self.bar.spec(self.model.local_time)
        try:
            row_filter = None if spec.empty else RowFilter(spec)  # compiling is also the CEL check
        except CelError as err:
            self.bar.set_cel_error(str(err), err.position)
            return
        self.bar.set_cel_error("")
        self.generation += 1
        generation = self.generation
        self.spec = spec
        self.session.set_search_needle(row_filter.search_needle if row_filter is not None else b"")
        if row_filter is None:
            self.running = False
            self.model.set_view(None, None)
            self.applied.emit()
            return
        rows = self.events.rows()
        self.running = True
        self.bar.showing_label.setText(f"Filtering {len(rows):,} events…")
        events = self.events

        def work() -> array[int]:
            return row_filter.apply(events, rows, cancelled=lambda: generation != self.generation)

        background.run(self,
            work,
            lambda result: self._done(generation, row_filter, rows, result),
            lambda err: self._failed(generation, err),
        )

    def _done(self, generation: int, row_filter: RowFilter, rows: range, result: array[int]) -> None:
        if generation != self.generation:
            return
        self.running = False
        if row_filter.cel is not None:  # rows that arrived meanwhile: on a worker thread, as new rows
            self.model.set_view(row_filter, result, end=rows.stop)
            self._new_rows_running = False
            self.show_new_rows()
        else:  # rows that arrived while the filter ran are filtered now (a lookup per row)
            tail = range(rows.stop, self.model.end)
            if len(tail):
                result.extend(row_filter.apply(self.events, tail))
            self.model.set_view(row_filter, result)
        self.applied.emit()

    def _failed(self, generation: int, err: Exception) -> None:
        if generation == self.generation:
            self.running = False
            self.applied.emit()
        message.error(self, "Filter failed", str(err))

    def show_new_rows(self) -> None:
        """Tell the table about the stored rows it does not show yet, through the filter if one is on."""
        new = range(self.model.end, self.events.base + len(self.events))
        row_filter = self.model.row_filter
        if row_filter is not None and row_filter.cel is not None and self.model.view is not None:
            if new and not self._new_rows_running:
                self._filter_new_rows(row_filter, new)
            self.rows_added.emit(0)
            return
        self.rows_added.emit(self.model.add_rows(new))

    def _filter_new_rows(self, row_filter: RowFilter, rows: range) -> None:
        self._new_rows_running = True
        generation, events = self.generation, self.events

        def done(kept: array[int]) -> None:
            self._new_rows_running = False
            if generation != self.generation or self.model.row_filter is not row_filter:
                return  # another filter (or none) since: it filters these rows itself
            self.rows_added.emit(self.model.add_rows(rows, kept))
            if self.model.end < events.base + len(events):
                self.show_new_rows()  # what arrived meanwhile

        def failed(err: Exception) -> None:
            self._new_rows_running = False
            message.info(self, f"Filtering new rows failed: {err}")

        background.run(self, lambda: row_filter.apply(events, rows), done, failed)
