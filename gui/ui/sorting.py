"""Sorting the table by a column: click a header (again: the other way). The rows shown are sorted
on a worker thread (``gui.eventlog.sorting``; a million by time in ~0.2 s) and the table shows
that order as a snapshot: new events are counted on the "N new events" button, which sorts again
with them. Sequence ascending is the live order, the default."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from gui.eventlog.sorting import sort_rows
from gui.eventlog.store import EventStore
from gui.ui import background, message
from gui.ui.event_table import EventTable
from gui.ui.model import EventTableModel


class TableSort(QObject):
    def __init__(
        self,
        store: EventStore,
        model: EventTableModel,
        table: EventTable,
    ) -> None:
        super().__init__(table)
        self.store, self.model, self.table = store, model, table
        self.key = "sequence"
        self.descending = False
        self.generation = 0
        self.running = False
        header = table.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self.on_indicator)
        table.new_events_button.clicked.connect(self._on_new_events)

    @property
    def live(self) -> bool:
        """In sequence order: new rows show as they arrive."""
        return self.key == "sequence" and not self.descending

    def on_indicator(self, section: int, order: Qt.SortOrder) -> None:
        self.sort(self.model.column_key(section), order == Qt.SortOrder.DescendingOrder)

    def sort(self, key: str, descending: bool = False) -> None:
        """Sort the shown rows by ``key`` (a column's key or a payload path)."""
        self.key, self.descending = key, descending
        self.generation += 1
        if self.live:
            self.running = False
            self.model.set_order(None)
            self.table.new_events_button.hide()
            self.table.jump_to_newest()
            return
        generation = self.generation
        rows = self.model.unsorted_rows()  # a snapshot, for the worker
        store = self.store
        self.running = True
        message.info(self, f"Sorting {len(rows):,} events by {key}…")

        def done(order: object) -> None:
            if generation != self.generation:
                return
            self.running = False
            self.model.set_order(order)  # type: ignore[arg-type]
            self.table.new_events_button.hide()
            self.table.follow = False
            self.table.view.scrollToTop()
            message.info(self,
                f"Sorted by {key}, {'descending' if descending else 'ascending'}: a snapshot; new events wait on "
                "the button below (click Sequence to follow live)"
            )

        def failed(err: Exception) -> None:
            if generation == self.generation:
                self.running = False
                message.error(self, "Sorting failed", str(err))

        background.run(self, lambda: sort_rows(store, rows, key, descending), done, failed)

    def refresh(self) -> None:
        """The filter changed: the rows it shows are sorted the same way."""
        if not self.live:
            self.sort(self.key, self.descending)

    def reset(self) -> None:
        """A new stream: back to the live order."""
        self.generation += 1
        self.running = False
        self.key, self.descending = "sequence", False
        header = self.table.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)

    def show_held(self) -> None:
        """New rows arrived while sorted: said on the button, which sorts them in."""
        held = self.model.held_by_sort
        if held and not self.live:
            button = self.table.new_events_button
            button.setText(f"{held:,} new events — sort again")
            button.setToolTip("The sorted table is a snapshot: sort again to take the new events in")
            button.show()

    def _on_new_events(self) -> None:
        if not self.live:
            self.sort(self.key, self.descending)
