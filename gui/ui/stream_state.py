"""A tab's stream, in one object: which connection, subscription and consumer ID it reads, its
generation, its status (with the deadline of the next retry), its counters, its lag, the event
selected, and a notice about the next start. No widgets here: the parts of the tab display it and
send commands; none of them reads the stream's state back from a widget.

A new stream, another subscription or another connection starts over in one place, ``begin``:
every figure goes back to its start and ``reset`` tells every part at once (the detail pane, the
status bar and banner, the counters, the "N new events" button, the tab's title, the lag)."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal

from gui.consumer.health import POLLS_KEPT, PollRecord

DOWN_STATES = frozenset({"backing_off", "rate_limited", "stopped", "standby"})
WAITING_STATES = frozenset({"backing_off", "rate_limited", "standby", "waiting"})
# the end of a message that counts down: "…, retry 7 in 25.1 s", "…, retry in 30 s"
_COUNTDOWN = re.compile(r"\bin (\d+(?:\.\d+)?) s$")


@dataclass(frozen=True)
class StreamStatus:
    """What the status bar and the banner show: ``state`` is one of stopped, connecting,
    streaming, waiting, paused, standby, rate_limited, backing_off. ``retry_at`` is the
    monotonic time of the next attempt while the stream waits for one."""

    state: str
    message: str
    retry_in: float | None = None
    held: int = 0  # events held while paused
    error: bool = False  # the stream ended or waits because something failed
    retry_at: float | None = None

    @property
    def down(self) -> bool:
        """No events can arrive now: lag and rate are not live figures."""
        return self.state in DOWN_STATES

    def counted_down(self, now: float | None = None) -> StreamStatus:
        """The same status with its "in N s" as of ``now`` (the countdown of the next retry)."""
        if self.retry_at is None:
            return self
        left = max(0.0, self.retry_at - (time.monotonic() if now is None else now))
        match = _COUNTDOWN.search(self.message)
        if not match:
            return replace(self, retry_in=left)
        decimals = "." in match.group(1)
        figure = f"{left:.1f}" if decimals else f"{left:.0f}"
        return replace(self, message=self.message[: match.start(1)] + figure + " s", retry_in=left)


STOPPED = StreamStatus("stopped", "stopped")


class StreamState(QObject):
    reset = Signal()  # a new stream, subscription or connection: every part starts over
    status_changed = Signal(object)  # StreamStatus, its countdown as of now
    counts_changed = Signal()
    lag_changed = Signal(object)  # int | None
    polled = Signal(object)  # PollRecord: a poll came back (or failed)
    selection_changed = Signal(object)  # the store row shown in the detail pane, or None
    notice_changed = Signal(str)  # why the next start cannot happen ("" when it can)
    committed_changed = Signal(object, str)  # int | None: the offset committed where the mode commits; "Committed"/"Stored"
    title_changed = Signal()  # what the tab's title says (subscription, streaming/paused/down/stopped)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection: str | None = None  # the connection's name
        self.subscription_id: str | None = None
        self.subscription_text = ""  # how the subscription is named to a person
        self.consumer_id = "—"
        self.generation = 0
        self.running = False
        self.paused = False
        self.status = STOPPED
        self.notice = ""
        self.selected_row: int | None = None
        self.skip_reasons: tuple[str, ...] = ()
        self.committed: int | None = None
        self._zero()
        self._ticker = QTimer(self, interval=250)  # the retry countdown, while there is one
        self._ticker.timeout.connect(self._tick)

    def _zero(self) -> None:
        self.total = self.gaps = self.lost = 0
        self.lost_span: tuple[int, int] | None = None  # the first and last sequence lost
        self.last_poll = 0.0
        self.last_offset: int | None = None
        self.rate = 0.0
        self.lag: int | None = None
        self.lost_retention = ""  # the topic's retention, named with a loss
        self.polls: deque[PollRecord] = deque(maxlen=POLLS_KEPT)
        # the last poll that said so: True, the server had no more for it; False, it came back full
        self.caught_up: bool | None = None
        self.role = ""  # "leader" or "standby", as the polls' answers say
        self.role_since: float | None = None  # epoch seconds
        self.started_from = ""  # the position the stream started from ("earliest", "offset 5000"...)
        self.started_offset: int | None = None  # ...and the offset it resolved to

    # -- the one place where a stream starts over ----------------------------------------------

    def identify(self, connection: str | None, subscription_id: str | None, text: str, consumer_id: str) -> None:
        """What the tab reads now (another connection or subscription was chosen)."""
        self.connection, self.subscription_id = connection, subscription_id
        self.subscription_text, self.consumer_id = text, consumer_id

    def begin(self, status: StreamStatus = STOPPED) -> int:
        """A new stream (or none yet, for another subscription or connection): every figure back
        to its start; every part hears ``reset``. Returns the new generation: anything still in
        flight from an earlier one is stale."""
        self.generation += 1
        self._zero()
        self.paused = False
        self.notice = ""
        self.selected_row = None
        self.status = status
        self._ticker.stop()
        self.reset.emit()
        self.status_changed.emit(status)
        self.counts_changed.emit()
        self.lag_changed.emit(None)
        self.selection_changed.emit(None)
        self.notice_changed.emit("")
        self.title_changed.emit()
        return self.generation

    def stale(self) -> int:
        """The stream in flight stops (its rows stay): what it still sends is dropped."""
        self.generation += 1
        return self.generation

    # -- what the stream says ------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            if not running:
                self.paused = False
            self.title_changed.emit()

    def set_status(self, status: StreamStatus) -> None:
        if status.retry_in is not None and status.state in WAITING_STATES and status.retry_at is None:
            status = replace(status, retry_at=time.monotonic() + status.retry_in)
        self.status = status
        if status.retry_at is not None:
            self._ticker.start()
        else:
            self._ticker.stop()
        if status.state != "stopped" and self.notice:
            self.set_notice("")
        self.status_changed.emit(status.counted_down())
        self.title_changed.emit()

    def _tick(self) -> None:
        status = self.status.counted_down()
        if status.retry_in is not None and status.retry_in <= 0:
            self._ticker.stop()
        self.status_changed.emit(status)

    def set_counts(
        self, *, total: int, gaps: int, lost: int, lost_span: tuple[int, int] | None, rate: float, last_poll: float
    ) -> None:
        self.total, self.gaps, self.lost, self.lost_span = total, gaps, lost, lost_span
        self.rate, self.last_poll = rate, last_poll
        self.counts_changed.emit()

    def set_committed(self, offset: int | None, word: str = "Committed") -> None:
        self.committed = offset
        self.committed_changed.emit(offset, word)

    def add_poll(self, record: PollRecord) -> None:
        """A poll's outcome: the last polls, whether the stream has caught up, who leads."""
        self.polls.append(record)
        role = "leader" if record.status in (200, 202) else "standby" if record.note == "not the leader" else ""
        if role and role != self.role:
            self.role, self.role_since = role, record.at
        if record.caught_up is not None:
            self.caught_up = record.caught_up
        self.polled.emit(record)

    def set_lag(self, lag: int | None) -> None:
        self.lag = lag
        self.lag_changed.emit(lag)

    def select(self, row: int | None) -> None:
        if row != self.selected_row:
            self.selected_row = row
            self.selection_changed.emit(row)

    def set_notice(self, text: str) -> None:
        """Why the next start cannot happen (the subscription streams in another tab, no secret in
        the keyring...): shown while the stream is stopped, gone at the next ``begin``."""
        if text != self.notice:
            self.notice = text
            self.notice_changed.emit(text)

    # -- read by the parts ---------------------------------------------------------------------

    @property
    def live(self) -> bool:
        """Events can arrive now: rate and lag are live figures."""
        return self.running and not self.paused and not self.status.down

    def mark(self) -> str:
        """streaming, paused, down or stopped: what the tab's title says at a glance."""
        if not self.running:
            return "stopped"
        if self.paused:
            return "paused"
        return "down" if self.status.down else "streaming"

    def title(self) -> str:
        sub = self.subscription_text.strip() or "No subscription"
        if len(sub) > 32:
            sub = sub[:31] + "…"
        return f"{sub} · {self.mark()}"
