"""The stream session: one consumer thread at a time, and the only path by which rows reach the
event store.

Each start gets a generation number; a batch or state from an earlier generation (a stopped or
replaced stream whose queued signals are still in flight) is dropped, so the table only ever shows
the current stream's rows. No widgets here: the stream's figures go into the tab's ``StreamState``,
which the parts display.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from gui.consumer import Batch, Consumer, ConsumerState
from gui.consumer.health import PollRecord
from gui.eventlog.store import EventStore
from gui.storage.reader_lock import ReaderLock
from gui.ui.stream_state import DOWN_STATES, StreamState, StreamStatus
from gui.ui.worker import ConsumerThread
from gui.words import counted

__all__ = ["DOWN_STATES", "StreamSession", "StreamStatus"]

FLUSH_MS = 100  # at most 10 table updates a second (each repaints the tail: ~1 ms of CPU per 100 ev)
BUSY_FLUSH_MS = 200  # ...but 5 when each brings hundreds of rows: a repaint costs the same either way
BUSY_ROWS = 200
RATE_WINDOW_S = 5.0


class StreamSession(QObject):
    """Runs the tab's consumer thread and stores what it sends; the stream's figures (status,
    counters, generation) go into the tab's ``StreamState``, which the parts display."""

    rows_stored = Signal()  # rows were appended to the store; the table shows them next turn
    store_about_to_clear = Signal()  # a new stream starts: the table resets around the clearing
    store_cleared = Signal()
    rule_matched = Signal(int)  # events of a flush that matched the notification rule
    running_changed = Signal(bool)

    def __init__(self, events: EventStore, state: StreamState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.events = events
        self.state = state
        self.consumer: ConsumerThread | None = None  # the running stream's thread
        self.reader_lock: ReaderLock | None = None  # held while it streams (one reader per consumer ID)
        self.paused = False
        self.consumer_options: dict[str, Any] = {}  # extra Consumer arguments (e.g. backoff timing)
        self.search_needle = b""  # the text filter's search, made in the consumer thread per batch
        self.rule: Any = None  # the notification rule's matcher, counted in the consumer thread
        self.want_times = True  # each batch's times as epoch seconds, made in the consumer thread
        self._pending: list[Batch] = []
        self._held: list[Batch] = []
        self._last_state = ConsumerState("stopped", "stopped")
        self._rate_marks: list[tuple[float, int]] = []
        self._flush_timer = QTimer(self, interval=FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush_tick)
        self._flush_timer.start()

    # -- control ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.consumer is not None

    @property
    def generation(self) -> int:
        return self.state.generation

    # the stream's figures are the state's
    total = property(lambda self: self.state.total)
    gaps = property(lambda self: self.state.gaps)
    lost = property(lambda self: self.state.lost)  # events surely lost (removed by retention before read)
    lost_span = property(lambda self: self.state.lost_span)
    last_poll = property(lambda self: self.state.last_poll)
    last_offset = property(lambda self: self.state.last_offset)

    def start(self, factory: Callable[[Any], Consumer], reader_lock: ReaderLock | None = None) -> None:
        """Stop any stream, empty the store, start a new one: only its rows reach the store. The
        reader lock (a restart keeps the one it holds) is let go when the stream stops."""
        previous, self.reader_lock = self.reader_lock, None
        self.stop(flush=False)
        if previous is not None and previous is not reader_lock:
            previous.release()
        self.reader_lock = reader_lock
        self.clear()
        generation = self.generation
        thread = ConsumerThread(factory, generation)
        thread.worker.search_needle = self.search_needle
        thread.worker.rule = self.rule
        thread.worker.want_times = self.want_times
        thread.worker.batch_received.connect(self.on_batch)
        thread.worker.state_changed.connect(self.on_state)
        thread.worker.polled.connect(self.on_poll)
        self.consumer = thread
        thread.start()
        self.state.set_running(True)
        self.running_changed.emit(True)
        self._emit(ConsumerState("connecting", "connecting…"))

    def clear(self) -> None:
        """Empty the store and start the stream's state over (a new start, another subscription
        or connection); anything still in flight from before is dropped."""
        self._pending.clear()
        self._held.clear()
        self._rate_marks.clear()
        self.paused = False
        self._last_state = ConsumerState("stopped", "stopped")
        self.store_about_to_clear.emit()
        self.events.clear()
        self.store_cleared.emit()
        self.state.begin()

    def stop(self, *, flush: bool = True) -> None:
        """End the long-poll (within about a second). What arrived before is kept (``flush``);
        whatever is still in flight from it is dropped."""
        thread, self.consumer = self.consumer, None
        if thread is None:
            return
        self._release_reader(thread, thread.stop())
        self.state.stale()  # batches and states still queued from this stream are now stale
        if flush:
            self._pending.extend(self._held)
            self._held.clear()
            self.flush_pending()
        self.paused = False
        self.state.set_running(False)
        self.running_changed.emit(False)
        if self._last_state.state != "stopped":
            self._emit(ConsumerState("stopped", "stopped by the user"))

    def set_paused(self, paused: bool) -> None:
        """Paused: polling goes on, new rows are held (and counted) until resumed."""
        if self.consumer is None:
            paused = False
        if paused == self.paused:
            return
        self.paused = paused
        self.state.paused = paused
        if not paused:
            self._pending.extend(self._held)
            self._held.clear()
            self.flush_pending()
        self._emit(self._last_state)

    def retry_now(self) -> None:
        if self.consumer is not None:
            self.consumer.worker.retry_now()

    def set_search_needle(self, needle: bytes) -> None:
        self.search_needle = needle
        if self.consumer is not None:
            self.consumer.worker.search_needle = needle

    def set_want_times(self, wanted: bool) -> None:
        """Each batch's times worked out in the consumer thread (the timeline shows)."""
        self.want_times = wanted
        if self.consumer is not None:
            self.consumer.worker.want_times = wanted

    def set_rule(self, rule: Any) -> None:
        self.rule = rule
        if self.consumer is not None:
            self.consumer.worker.rule = rule

    # -- from the consumer thread (queued to this thread) --------------------------------------

    @Slot(int, object)
    def on_batch(self, generation: int, batch: Batch) -> None:
        if generation != self.generation:
            return  # from a stream that was stopped or replaced
        (self._held if self.paused else self._pending).append(batch)
        self.state.last_poll = time.time()
        if batch.events:
            self.state.last_offset = batch.offset
            self._rate_marks.append((time.monotonic(), len(batch.events)))
        if self.paused:
            self._emit(self._last_state)  # the held count

    @Slot(int, object)
    def on_poll(self, generation: int, record: PollRecord) -> None:
        if generation == self.generation:
            self.state.add_poll(record)

    @Slot(int, object)
    def on_state(self, generation: int, state: ConsumerState) -> None:
        if generation != self.generation:
            return
        if state.state == "connecting" and state.offset is not None and self.state.started_offset is None:
            self.state.started_offset = state.offset  # the offset the start position resolved to
        if state.state == "streaming":
            self.state.last_poll = time.time()
        if state.state == "stopped" and self.consumer is not None:  # ended by itself (fatal error, max events)
            thread, self.consumer = self.consumer, None
            self._release_reader(thread, thread.stop())
            self.flush_pending()
            self.state.set_running(False)
            self.running_changed.emit(False)
        self._emit(state)

    def _release_reader(self, thread: ConsumerThread, finished: bool) -> None:
        """The reader lock goes once the stream's thread has ended: not while a thread that did not
        stop in time may still poll with this consumer ID."""
        lock, self.reader_lock = self.reader_lock, None
        if lock is None:
            return
        if finished:
            lock.release()
        else:
            thread.thread.finished.connect(lock.release)

    def _emit(self, state: ConsumerState) -> None:
        self._last_state = state
        if self.paused and state.state in ("streaming", "waiting"):
            held = self.held_events
            self.state.set_status(
                StreamStatus("paused", f"Paused — {counted(held, 'new event')} held (Resume to show them)", held=held)
            )
            return
        message = state.message
        if state.state == "standby":
            message = f"standby — another instance is the leader, retry in {state.retry_in or 0:.0f} s"
        elif state.state == "streaming":
            message = "streaming"
        error = state.state == "backing_off" or (state.state == "stopped" and (state.fatal or bool(state.error)))
        self.state.set_status(StreamStatus(state.state, message, state.retry_in, error=error))

    # -- into the store ----------------------------------------------------------------------

    @property
    def held_events(self) -> int:
        return sum(len(b.events) for b in self._held)

    def rate(self) -> float:
        now = time.monotonic()
        self._rate_marks = [m for m in self._rate_marks if now - m[0] < RATE_WINDOW_S]
        return sum(n for _, n in self._rate_marks) / RATE_WINDOW_S if self._rate_marks else 0.0

    def publish_counts(self) -> None:
        """The counters as of now into the state (its parts show them)."""
        st = self.state
        st.set_counts(
            total=st.total, gaps=st.gaps, lost=st.lost, lost_span=st.lost_span, rate=self.rate(), last_poll=st.last_poll
        )

    def _flush_tick(self) -> None:
        """Store what arrived now and let the table show it a turn of the event loop later, so
        that storing a large flush and the repaint showing it never run back to back."""
        if self._store_pending():
            QTimer.singleShot(1, self.rows_stored.emit)

    def flush_pending(self) -> None:
        """Store everything that arrived and have it shown now."""
        if self._store_pending():
            self.rows_stored.emit()

    def _store_pending(self) -> bool:
        if not self._pending:
            return False
        batches, self._pending = self._pending, []
        arrived = sum(len(b.events) for b in batches)
        self._flush_timer.setInterval(BUSY_FLUSH_MS if arrived >= BUSY_ROWS else FLUSH_MS)
        matched = 0
        st = self.state
        for batch in batches:
            matched += getattr(batch.events, "rule_matches", 0)
            self.events.append(batch.events, ((g.first, g.last, g.lost) for g in batch.gaps))
            st.gaps += sum(1 for g in batch.gaps if not g.lost)
            for g in batch.gaps:
                if g.lost:
                    count, first, last = g.lost_range
                    st.lost += count
                    st.lost_retention = g.retention or st.lost_retention
                    low, high = st.lost_span or (first, last)
                    st.lost_span = (min(low, first), max(high, last))
            st.total += len(batch.events)
        if matched:
            self.rule_matched.emit(matched)
        return True
