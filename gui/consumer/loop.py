"""The consumer loop: long-polls a subscription forever and hands each batch to a sink (Qt-free).

Guarantees:
- the next offset comes only from a successful answer; nothing is skipped, and events already
  delivered (sequence at or below the last delivered one) are dropped, so within a run every
  event is delivered exactly once; with ``commit="stored"`` or ``"server"`` reading is
  at-least-once across crashes (at most the batch being handled is repeated);
- a ``previous`` that is not the last delivered sequence is reported as a :class:`Gap`;
- 202 / empty answers poll again, 429 waits Retry-After (standby or rate limited), 5xx, network
  failures and malformed answers retry with capped exponential backoff and jitter, 401 after one
  renewal, 403 and bad parameters stop with the reason;
- :meth:`Consumer.stop` takes effect within a second, even in the middle of a long-poll.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from gui.api import errors
from gui.api.client import EventManagerClient
from gui.api.durations import format_time, parse_duration, parse_time
from gui.api.events import INT64_MAX, Events
from gui.api.models import PollResult, Subscription
from gui.consumer.health import PollRecord, lost_sentence
from gui.storage.store import StateStore, StoreError
from gui.words import counted

log = logging.getLogger(__name__)
T = TypeVar("T")

START_KINDS = ("earliest", "committed", "stored", "latest", "time", "offset")
COMMIT_MODES = ("none", "server", "stored")


FINAL_COMMIT_S = 5.0  # how long a commit owed at the end is retried


@dataclass(frozen=True)
class StartPosition:
    """Where to start reading: ``kind`` in START_KINDS, ``value`` an offset or an RFC 3339 time."""

    kind: str
    value: int | str | None = None

    @classmethod
    def parse(cls, text: str) -> StartPosition:
        """``earliest|committed|stored|latest``, a number, or an RFC 3339 time."""
        word = text.strip().lower()
        if word in ("earliest", "committed", "stored", "latest"):
            return cls(word)
        if word.lstrip("-").isdigit():
            number = int(word)
            if number < 0:
                raise ValueError(f"an offset cannot be negative: {text}")
            if number > INT64_MAX:
                raise ValueError(f"an offset is at most {INT64_MAX} (the API's int64): {text}")
            return cls("offset", number)
        try:
            return cls("time", format_time(parse_time(text)))
        except ValueError:
            raise ValueError(
                f"{text!r} is not a start position: use earliest, committed, stored, latest, "
                "an offset number, or an RFC 3339 time like 2026-11-27T10:00:00Z"
            ) from None

    def describe(self) -> str:
        return {"offset": f"offset {self.value}", "time": f"time {self.value}"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class Gap:
    """Sequences ``first..last`` (inclusive) were not delivered. Usually expected: the subscription
    filters them out, they are other tenants' events in a topic the data center shares, or
    consolidation replaced them. ``lost``: surely lost, gone before they were read (a start
    below the topic's earliest offset: retention moved past it)."""

    first: int
    last: int
    lost: bool = False
    retention: str = ""  # the topic's retention (ISO 8601), said with a loss
    lost_last: int | None = None  # a lost gap's sequences past this one were skipped, not lost

    @property
    def count(self) -> int:
        return max(0, self.last - self.first + 1)

    @property
    def lost_range(self) -> tuple[int, int, int]:
        """(how many, first, last) of the sequences lost: those below the topic's earliest only;
        the rest of the gap is sequences skipped after it (not for this subscription)."""
        if not self.lost:
            return 0, self.first, self.first - 1
        last = self.last if self.lost_last is None else min(self.last, self.lost_last)
        return max(0, last - self.first + 1), self.first, last


@dataclass(frozen=True)
class Batch:
    events: Events
    offset: int
    gaps: tuple[Gap, ...] = ()
    received: float = field(default_factory=time.time)


@dataclass(frozen=True)
class ConsumerState:
    """A state change: connecting, streaming, waiting, standby, rate_limited, backing_off, stopped."""

    state: str
    message: str
    retry_in: float | None = None
    attempt: int = 0
    offset: int | None = None
    fatal: bool = False
    error: str | None = None


class ConsumerSink(Protocol):
    def on_batch(self, batch: Batch) -> int | None:
        """Take a batch. None (or its length): all of it was taken. A smaller number N: only its
        first N events were (its output closed, or it is stopping); the offset then goes no
        further than the last of them, and the loop ends."""
        ...

    def on_state(self, state: ConsumerState) -> None: ...

    # optional: ``on_poll(record: PollRecord)``, each poll's outcome (200, 202, 429, a failure),
    # before the batch it brought


class _Caller:
    """One daemon thread that runs calls so the loop can stop waiting for them at once.

    A call still in flight when the loop stops is abandoned (its answer is dropped); being a
    daemon thread it never delays the process from exiting.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="consumer-http", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as err:  # delivered to the waiting loop
                future.set_exception(err)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((fn, future))
        return future

    def close(self) -> None:
        self._jobs.put(None)


class Stopped(Exception):
    """Raised inside the loop when stop() was called."""


class Consumer:
    def __init__(
        self,
        client: EventManagerClient,
        subscription: Subscription,
        consumer_id: str,
        start: StartPosition,
        sink: ConsumerSink,
        *,
        commit: str = "none",
        store: StateStore | None = None,
        limit: int = 100,
        timeout: str = "PT30S",
        max_events: int | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if commit not in COMMIT_MODES:
            raise ValueError(f"commit must be one of {', '.join(COMMIT_MODES)}")
        if (commit == "stored" or start.kind == "stored") and store is None:
            raise ValueError("stored offsets need a state store")
        parse_duration(timeout)
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        self.client = client
        self.subscription = subscription
        self.consumer_id = consumer_id
        self.start = start
        self.sink = sink
        self.commit = commit
        self.store = store
        self.limit = limit
        self.timeout = timeout
        self.max_events = max_events
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._nudge = threading.Event()  # ends a wait before a retry early (stop, or retry_now)
        self._led = False  # a poll of this consumer has been answered (it was the leader then)
        self._standby = False  # the last answer was "not the leader"
        self._offset: int | None = None
        self._last_delivered: int | None = None
        self._delivered = 0
        self._state: ConsumerState | None = None
        self._pending_commit: int | None = None
        self._commit_failure_said: int | None = None  # the offset whose failed commit was reported
        self._lost: Gap | None = None  # sequences removed by retention before they were read
        self._declined = False  # the sink took only part of a batch: reading ends there
        self._poll_started: tuple[float, int] | None = None  # (monotonic time, offset) of the poll in flight

    # -- public ------------------------------------------------------------------------------

    @property
    def offset(self) -> int | None:
        """The offset the next poll will send (None until the start position is resolved)."""
        return self._offset

    @property
    def delivered(self) -> int:
        return self._delivered

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._nudge.set()

    def retry_now(self) -> None:
        """Retry at once if the loop is waiting to retry after a failure (the user knows the
        network is back); does nothing otherwise. Safe from any thread."""
        if self._state is not None and self._state.state == "backing_off":
            self._nudge.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def resolve_start(self) -> int:
        """The offset the start position stands for, asking the server or the store."""
        return resolve_position(self.client, self.subscription, self.start, self.store)

    def run(self) -> None:
        """Poll until stopped, a fatal error, or ``max_events`` delivered. Always reports "stopped"."""
        caller = _Caller()
        reason = "stopped by the user"
        fatal = False
        error: str | None = None
        attempt = 0
        try:
            self._report("connecting", f"connecting to {self.client.dc_url}")
            while not self._stop.is_set():
                try:
                    if self._offset is None:
                        self._offset = self._call(caller, self.resolve_start)
                        self._last_delivered = self._offset
                        attempt = 0  # the next failure, of another call, counts from 1
                        if self.start.kind in ("committed", "stored", "offset"):
                            self._check_retention(caller)
                        self._report("connecting", f"starting at offset {self._offset} ({self.start.describe()})")
                    if self._pending_commit is not None:
                        self._commit_server(caller, self._pending_commit)
                    if self._standby:  # about to try again after a standby: the leader may have moved on
                        self._catch_up(caller)
                    offset = self._offset
                    self._poll_started = (time.monotonic(), offset)
                    result: PollResult = self._call(
                        caller,
                        lambda offset=offset: self.client.poll(  # type: ignore[misc]
                            self.subscription.subscription_id,
                            self.consumer_id,
                            offset,
                            limit=self.limit,
                            timeout=self.timeout,
                        ),
                    )
                    attempt = 0
                    self._led, self._standby = True, False
                    self._polled(result.status, len(result.events), result.offset, result.retry_after)
                    if self._handle(caller, result):
                        if self._declined and not self._stop.is_set():
                            reason = "the output took no more events"
                        elif not self._declined:
                            reason = f"delivered {counted(self._delivered, 'event')}"
                        break
                except Stopped:
                    break
                except errors.RetryLater as err:
                    # a 429 says "not now"; whether for leadership or for the rate, the client can
                    # only guess from what it knows: had this consumer been reading?
                    if not err.not_leader:
                        kind, text = "rate_limited", "rate limited by the server"
                    elif self._led:
                        kind, text = "rate_limited", "rate limited, or another instance took over"
                    else:
                        kind, text = (
                            "standby",
                            "standby: another instance is the leader (or the server limits the rate)",
                        )
                    wait = max(err.retry_after, 0.1)
                    self._polled(429, 0, None, err.retry_after, "not the leader" if err.not_leader else "rate limited")
                    self._standby = err.not_leader
                    self._report(kind, f"{text}, retry in {wait:.0f} s", retry_in=wait)
                    self._sleep(wait)
                except errors.ApiError as err:
                    self._polled(err.status or 0, 0, None, None, str(err))
                    if not err.retryable:
                        reason, fatal, error = str(err), True, type(err).__name__
                        break
                    attempt += 1
                    delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
                    delay = delay / 2 + self._rng.uniform(0, delay / 2)
                    self._nudge.clear()  # a retry_now from before this failure is spent
                    self._report(
                        "backing_off",
                        f"{str(err).rstrip('.')}; retry {attempt} in {delay:.1f} s",
                        retry_in=delay,
                        attempt=attempt,
                    )
                    self._sleep(delay)
                except ValueError as err:  # e.g. no stored offset to start from
                    reason, fatal, error = str(err), True, "ValueError"
                    break
        except Stopped:
            pass
        except StoreError as err:  # the local state file: its reason, not a traceback
            reason, fatal, error = str(err), True, "StoreError"
        except Exception as err:  # a failure of the sink or a bug: report it, never die silently
            log.exception("consumer loop failed")
            reason, fatal, error = f"internal error: {err}", True, type(err).__name__
        finally:
            caller.close()
            uncommitted = self._final_commit()
            if uncommitted is not None:  # the user must know what the server has not got
                reason, fatal, error = f"{reason}; {uncommitted}", True, "UncommittedOffset"
            self._report("stopped", f"stopped: {reason}", fatal=fatal, error=error)

    def _check_retention(self, caller: _Caller) -> None:
        """A start below the topic's earliest offset: the events between were removed by its
        retention before this subscription read them. Said now, and the gap marked as lost."""
        assert self._offset is not None
        topic = self.subscription.topic_id
        try:
            earliest = self._call(caller, lambda: self.client.topic_offset(topic, "EARLIEST"))
        except errors.ApiError:
            return  # the poll will say what is wrong
        if earliest > self._offset:
            retention = ""
            try:  # named with the loss: how long the topic keeps events
                found = self._call(caller, lambda: self.client.topics(topic))
                retention = next((t.retention for t in found if t.id == topic), "")
            except errors.ApiError:
                pass
            lost = self._lost = Gap(self._offset + 1, earliest, lost=True, retention=retention)
            self._report(
                "connecting",
                f"{lost_sentence(lost.count, lost.first, lost.last, retention)}; reading on from {earliest + 1}",
            )

    def _catch_up(self, caller: _Caller) -> None:
        """Taking over from another instance: what it committed is not read again (at least once
        allows repeats, but they are avoidable)."""
        assert self._offset is not None
        try:
            committed = self._call(caller, lambda: self.client.committed_offset(self.subscription.subscription_id))
        except errors.ApiError:
            return  # the poll itself will say what is wrong
        if committed > self._offset:
            self._report("connecting", f"another instance had committed up to {committed}; continuing from there")
            self._offset = self._last_delivered = committed

    def _final_commit(self) -> str | None:
        """A server commit still owed when the loop ends is tried again for a few seconds; what is
        still owed then is said (None: nothing is owed)."""
        offset = self._pending_commit
        if offset is None or self.commit != "server":
            return None
        deadline = time.monotonic() + FINAL_COMMIT_S
        failure: Exception | None = None
        while True:
            try:
                self.client.commit_offset(self.subscription.subscription_id, offset)
                self._pending_commit = None
                return None
            except errors.ApiError as err:
                failure = err
                if not err.retryable or time.monotonic() >= deadline:
                    break
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        return f"offset {offset} was NOT committed to the server ({str(failure).rstrip('.')}); commit it again before relying on it"

    # -- internals ---------------------------------------------------------------------------

    def _polled(
        self, status: int, events: int, offset: int | None, retry_after: float | None, note: str = ""
    ) -> None:
        """The poll in flight came back (or failed): its record to the sink, if it takes them.
        Calls other than the poll (commits, offsets) are not polls and make no record."""
        started, self._poll_started = self._poll_started, None
        on_poll = getattr(self.sink, "on_poll", None)
        if started is None or on_poll is None:
            return
        begun, sent = started
        on_poll(
            PollRecord(
                at=time.time(),
                status=status,
                events=events,
                limit=self.limit,
                duration=time.monotonic() - begun,
                offset_sent=sent,
                offset_returned=offset,
                retry_after=retry_after,
                note=note,
            )
        )

    def _report(self, state: str, message: str, **extra: Any) -> None:
        new = ConsumerState(state, message, offset=self._offset, **extra)
        old = self._state
        if old is None or (old.state, old.message, old.retry_in) != (new.state, new.message, new.retry_in):
            self._state = new
            self.sink.on_state(new)

    def _sleep(self, seconds: float) -> None:
        if not self._stop.is_set():
            self._nudge.wait(seconds)
        self._nudge.clear()
        if self._stop.is_set():
            raise Stopped

    def _call(self, caller: _Caller, fn: Callable[[], T]) -> T:
        future = caller.submit(fn)
        self._wake.clear()
        future.add_done_callback(lambda _f: self._wake.set())
        while not future.done():
            if self._stop.is_set():
                raise Stopped
            self._wake.wait()
        return future.result()

    def _handle(self, caller: _Caller, result: PollResult) -> bool:
        """Deliver one answer; True when max_events is reached."""
        assert self._offset is not None
        if not result.events:
            if result.status == 202:
                wait = result.retry_after if result.retry_after is not None else 1.0
                self._report("waiting", f"no new events, retry in {wait:.0f} s", retry_in=wait)
                self._sleep(wait)
            else:
                self._report("streaming", "streaming (no new events)")
            return False
        keep: list[int] = []
        gaps: list[Gap] = []
        last = self._last_delivered
        room = None if self.max_events is None else self.max_events - self._delivered
        for i, (sequence, previous) in enumerate(
            zip(result.events.column("sequence"), result.events.column("previous"), strict=True)
        ):
            if last is not None and sequence <= last:
                continue  # already delivered: a repeat after a retry
            if last is not None and previous is not None and previous > last:
                known = self._lost
                if known is not None and last + 1 <= known.last:
                    gaps.append(Gap(last + 1, previous, lost=True, retention=known.retention, lost_last=known.last))
                else:
                    gaps.append(Gap(last + 1, previous))
                self._lost = None
            keep.append(i)
            last = sequence
            if room is not None and len(keep) >= room:
                break
        fresh = result.events if len(keep) == len(result.events) else result.events.take(keep)
        done = room is not None and len(keep) >= room
        next_offset = last if done and keep and last is not None else max(result.offset, last or 0)
        batch = Batch(fresh, next_offset, tuple(gaps))
        taken = len(fresh)
        if fresh or gaps:
            answer = self.sink.on_batch(batch)
            if answer is not None and answer < len(fresh):
                # only the first events reached the output: the offset goes no further than them
                taken, done, self._declined = answer, True, True
                if taken == 0:
                    return True
                last = next_offset = int(list(fresh.column("sequence"))[taken - 1])
            if self.commit == "stored":  # after the sink: a crash in between repeats, never skips
                assert self.store is not None
                self.store.store_offset(
                    self.client.dc_url, self.client.client_id, self.subscription.subscription_id, next_offset
                )
        self._offset = next_offset
        self._last_delivered = last
        self._delivered += taken
        if self.commit == "server":
            self._commit_server(caller, next_offset)
        self._report("streaming", "streaming")
        return done

    def _commit_server(self, caller: _Caller, offset: int) -> None:
        self._pending_commit = offset
        try:
            self._call(caller, lambda: self.client.commit_offset(self.subscription.subscription_id, offset))
        except errors.ApiError as err:
            if not err.retryable:
                raise
            if self._commit_failure_said != offset:  # said once per offset, not at every poll
                self._commit_failure_said = offset
                self._report("backing_off", f"commit of offset {offset} failed, will retry: {err}")
            return
        if self._commit_failure_said is not None:
            self._report("streaming", f"committed offset {offset} after all")
        self._commit_failure_said = None
        self._pending_commit = None


def resolve_position(
    client: EventManagerClient, subscription: Subscription, start: StartPosition, store: StateStore | None
) -> int:
    """The offset a start position stands for (one or no API call)."""
    topic = subscription.topic_id
    if start.kind == "earliest":
        return client.topic_offset(topic, "EARLIEST")
    if start.kind == "latest":
        return client.topic_offset(topic, "CURRENT")
    if start.kind == "time":
        return client.topic_offset(topic, "TIMESTAMP", str(start.value))
    if start.kind == "committed":
        return client.committed_offset(subscription.subscription_id)
    if start.kind == "stored":
        if store is None:
            raise ValueError("no state store to read a stored offset from")
        stored = store.stored_offset(client.dc_url, client.client_id, subscription.subscription_id)
        if stored is None:
            raise ValueError(
                "No offset is stored on this machine for this subscription yet: start from earliest, "
                "latest, committed or a time, with stored commits"
            )
        return stored
    if start.kind == "offset":
        return int(start.value or 0)
    raise ValueError(f"unknown start position {start.kind!r}")
