"""The selected event in the detail pane: shown at once; its subject's history follows from a
worker thread (finding it searches every held event, ~100 ms for a million: too long for the UI
thread when arrow keys move the selection), and again as new events arrive, at most once a
second. A history for a row no longer selected is dropped (a key of gui.ui.background)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QTimer

from gui.eventlog.store import EventStore
from gui.ui import background, message
from gui.ui.detail import SHOW_ALL_CHARS, DetailPane, event_texts
from gui.ui.event_table import EventTable
from gui.ui.model import EventTableModel

HISTORY_EVERY_S = 1.0
BIG_EVENT = 64 * 1024  # bytes of JSON: a bigger event is parsed and shown from a worker thread


class SelectionDetail(QObject):
    def __init__(
        self,
        events: EventStore,
        model: EventTableModel,
        table: EventTable,
        detail: DetailPane,
    ) -> None:
        super().__init__(detail)
        self.select: Callable[[int | None], None] = lambda _row: None  # the tab's StreamState.select
        self.events, self.model, self.table, self.detail = events, model, table, detail
        self.row: int | None = None  # the store row shown
        self.subject = ""
        self._asked = 0.0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.refresh_history)
        table.view.selectionModel().currentRowChanged.connect(self.on_row_selected)
        detail.show_all_button.clicked.connect(self.show_all)

    def clear(self) -> None:
        """A new stream: nothing of the old one stays shown (nor copied from the pane)."""
        self.table.view.selectionModel().clear()
        self.on_row_selected(QModelIndex())

    def keep_if_shown(self) -> None:
        """Filtered again: the event selected stays selected if it is still shown, else the pane
        lets it go (it never shows an event the table does not)."""
        at = None if self.row is None else self.model.view_row(self.row)
        if at is None:
            self.clear()
        elif self.table.view.currentIndex().row() != at:
            self.table.view.selectRow(at)

    def on_row_selected(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        for key in ("event", "history"):  # what was asked for the row selected before is dropped
            background.cancel(self, key)
        self.detail.show_all_button.setEnabled(True)
        self.subject = ""
        self.row = None
        if not current.isValid():
            self.detail.show_event(None, b"", [])
            self.select(None)
            return
        self.table.stop_following()  # a selected row stays where it is while events arrive
        row = self.row = self.model.row_id(current.row())
        self.select(row)
        raw = self.events.raw_bytes(row)
        if len(raw) <= BIG_EVENT:
            event = self.events.event(row)
            self.detail.show_event(event, raw, [event])
            self._show_subject(event)
            return
        # a big event (up to megabytes a hostile server may send): parsed and cut off the UI thread
        self.detail.show_loading(len(raw))
        events = self.events

        def shown(texts: tuple[dict[str, Any], str, str, bool]) -> None:
            event, pretty, raw_text, cut = texts
            self.detail.show_texts(pretty, raw_text, cut)
            self.detail.show_history([event])
            self._show_subject(event)

        background.run(
            self, lambda: (lambda e: (e, *event_texts(e, raw)))(events.event(row)), shown, self._failed, key="event"
        )

    def show_all(self) -> None:
        """The whole of a big event (asked for): made on a worker thread."""
        row = self.row
        if row is None or row < self.events.base:  # nothing shown, or it has gone (the cap)
            return
        events = self.events
        self.detail.show_all_button.setEnabled(False)

        def shown(texts: tuple[str, str, bool]) -> None:
            self.detail.show_all_button.setEnabled(True)
            self.detail.show_texts(*texts)

        raw = events.raw_bytes(row)
        background.run(
            self, lambda: event_texts(events.event(row), raw, SHOW_ALL_CHARS), shown, self._failed, key="event"
        )

    def _failed(self, err: Exception) -> None:
        self.detail.show_all_button.setEnabled(True)
        message.info(self, f"Could not show the event: {err}")

    def _show_subject(self, event: dict[str, Any]) -> None:
        self.subject = str(event.get("subject", "") or "")
        self._asked = 0.0
        self.refresh_history()

    def reshow(self) -> None:
        """The same row again (times are shown in another zone)."""
        self.on_row_selected(self.table.view.currentIndex())

    def refresh_history(self) -> None:
        subject = self.subject
        if not subject:
            return
        wait = HISTORY_EVERY_S - (time.monotonic() - self._asked)
        if wait > 0:  # asked less than a second ago: once more when the second is up
            self._timer.start(int(wait * 1000) + 1)
            return
        self._asked = time.monotonic()
        store = self.events
        background.run(
            self,
            lambda: store.subject_events(subject),
            self.detail.show_history,
            lambda err: message.info(self, f"History: {err}"),
            key="history",
        )
