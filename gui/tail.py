"""``event-monitor tail``: a subscription's events on standard output, whole lines only.

Standard output is a Unix filter's: a reader that goes away (``| head -2``) is a normal end, said
nowhere; a reader slower than the stream blocks the writer, and a SIGTERM then finishes the line
being written (and, for a few seconds, the batch) instead of cutting it. The offset stored or
committed never passes the last event written whole.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import signal
import sys
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import TextIO

from gui.api import errors
from gui.api.client import EventManagerClient
from gui.api.durations import parse_duration
from gui.api.events import Events
from gui.api.models import TENANT_TOPIC, Subscription, all_types_pattern
from gui.consumer.health import PollRecord, SkipSummary, lost_sentence
from gui.consumer.loop import Batch, Consumer, ConsumerState, StartPosition
from gui.eventlog.export import TAIL_COLUMNS, CsvWriter
from gui.storage import reader_lock, tenant_names
from gui.storage.store import StateStore
from gui.terminal import neutralised

BATCH_GRACE_S = 3.0  # after SIGTERM, how long the rest of a batch may still be written
CHUNK = 64 * 1024  # bytes handed to one write: a stop request is looked at between them
SKIP_SUMMARY_ENV = "EVENT_MONITOR_SKIP_SUMMARY_S"  # seconds between summaries of skipped ranges (default 60)
# a reader that went away: EPIPE on POSIX; EINVAL from a closed pipe on Windows
_CLOSED_ERRNOS = {errno.EPIPE, errno.EINVAL} if sys.platform == "win32" else {errno.EPIPE}


def say(text: str, stream: TextIO | None = None) -> None:
    """A line on stderr; a closed stderr (``2>&1 | head``) is no reason to fail."""
    try:
        print(text, file=stream or sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class Output:
    """Writes records (lines) to a raw byte stream and knows how many reached it whole.

    ``finish_soon()`` (from a signal handler) asks to stop: the record being written is always
    finished, the rest of the batch only until ``grace`` seconds have passed. A reader that went
    away sets ``closed``; nothing is raised.
    """

    def __init__(self, write: Callable[[memoryview], int | None], *, grace: float = BATCH_GRACE_S) -> None:
        self._write = write
        self.grace = grace
        self.closed = False
        self.stop_at: float | None = None

    @classmethod
    def stdout(cls) -> Output:
        """Standard output, written unbuffered (the raw file under ``sys.stdout``)."""
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)  # a FileIO itself when Python runs unbuffered (-u)
        raw = buffer if isinstance(buffer, io.RawIOBase) else getattr(buffer, "raw", None)
        if isinstance(raw, io.RawIOBase):  # its write() says how much it took: the rest is sent again
            return cls(raw.write)
        stream = sys.stdout  # no file under it (an embedding program's stream): text, whole writes

        def write_text(data: memoryview) -> int:
            if stream is None:  # started with standard output closed: as a reader that went away
                raise BrokenPipeError(errno.EPIPE, "standard output is closed")
            stream.write(bytes(data).decode())
            stream.flush()
            return len(data)

        return cls(write_text)

    def finish_soon(self) -> None:
        if self.stop_at is None:
            self.stop_at = time.monotonic() + self.grace

    def _late(self) -> bool:
        return self.stop_at is not None and time.monotonic() >= self.stop_at

    def write(self, data: bytes, ends: Sequence[int]) -> int:
        """Write ``data``, whose records end at the offsets ``ends``; returns how many records
        were written whole."""
        if self.closed:
            return 0
        view = memoryview(data)
        done, limit = 0, len(data)
        try:
            while done < limit:
                if limit == len(data) and self._late():  # finish the record begun, start no other
                    whole = bisect_right(ends, done)
                    if done == (ends[whole - 1] if whole else 0):
                        break
                    limit = ends[whole]
                written = self._write(view[done : min(limit, done + CHUNK)])
                if written is None:  # a non-blocking stream that is full
                    time.sleep(0.01)
                    continue
                done += written
        except OSError as err:
            if not isinstance(err, BrokenPipeError) and err.errno not in _CLOSED_ERRNOS:
                raise
            self.closed = True
        return bisect_right(ends, done)

    def write_all(self, data: bytes) -> bool:
        return self.write(data, [len(data)]) == 1


class TailSink:
    """Writes events to stdout, one whole line each, and states to stderr. CSV carries each
    tenant's name beside its ID, read from the Account Management API (and cached in the state
    store)."""

    def __init__(
        self,
        fmt: str,
        output: Output,
        err: TextIO,
        client: EventManagerClient | None = None,
        store: StateStore | None = None,
        *,
        safe: bool = False,
        quiet: bool = False,
        skip_summary_s: float = 60.0,
        topic: str | None = None,
    ) -> None:
        self.fmt = fmt
        self.quiet = quiet  # no [gap] lines ([lost], states and errors stay)
        self.skips = SkipSummary(skip_summary_s)  # skipped ranges, said once per interval
        self.topic = topic  # whose CURRENT offset says how far behind a full poll is
        self._caught_up: bool | None = None
        self.output = output
        self.err = err
        self.safe = safe or fmt == "csv"  # CSV, and a terminal, cannot carry a server's control characters
        self.names: dict[str, str] = {}
        self._csv_buffer = io.BytesIO()
        self.csv = CsvWriter(self._csv_buffer, TAIL_COLUMNS, names=self.names) if fmt == "csv" else None
        self.fatal: str | None = None
        self._client, self._store = client, store
        self._asked: set[str] = set()
        self._denied = False
        self._failed = False

    def start(self) -> None:
        """The CSV header, before any event."""
        if self.csv is not None:
            self.output.write_all(self._take_csv())

    def _take_csv(self) -> bytes:
        data = self._csv_buffer.getvalue()
        self._csv_buffer.seek(0)
        self._csv_buffer.truncate()
        return data

    def _learn_names(self, batch: Batch) -> None:
        if self._client is None or self._store is None or self._denied:
            return
        ids = [t for t in dict.fromkeys(batch.events.column("tenant_id")) if t and t not in self._asked]
        if not ids:
            return
        self._asked.update(ids)
        try:
            names = tenant_names.resolve(self._store, self._client.dc_url, ids, self._client.tenants)
        except errors.PermissionDenied:
            self._denied = True
            say("[note] this API client may not read tenants: tenant_name stays empty", self.err)
            return
        except errors.ApiError as err:  # said once; the names stay empty for these tenants
            if not self._failed:
                say(f"[note] tenant names could not be read: {err}", self.err)
            self._failed = True
            return
        self.names.update((n.tenant_id, n.name) for n in names.values())

    def _records(self, events: Events) -> list[bytes]:
        """One record (line) per event."""
        if self.csv is None:
            return [bytes(raw) + b"\n" for raw in events.raws]
        self.csv.write_json(events.json_array())
        block = self._take_csv()
        rows = block.split(b"\r\n")[:-1]
        if len(rows) == len(events):
            return [row + b"\r\n" for row in rows]
        records = []  # a cell with a line break in it: row by row
        for i in range(len(events)):
            self.csv.write_json(events.take([i]).json_array())
            records.append(self._take_csv())
        return records

    def on_batch(self, batch: Batch) -> int | None:
        if self.output.closed:
            return 0
        if self.csv is not None:
            self._learn_names(batch)
        for gap in batch.gaps:
            if gap.lost:
                count, first, last = gap.lost_range
                say(f"[lost] {lost_sentence(count, first, last, gap.retention)}", self.err)
                if gap.last > last:  # the rest of it: skipped after the topic's earliest
                    self.skips.add(last + 1, gap.last)
            else:  # filtered out, other tenants' events in a shared topic, or consolidated: expected
                self.skips.add(gap.first, gap.last)
        self._say_skips()
        records = self._records(batch.events)
        if self.safe:
            records = [neutralised(r.decode("utf-8", "replace")).encode() for r in records]
        written = self.output.write(b"".join(records), list(accumulate(map(len, records))))
        return None if written == len(records) else written

    def _say_skips(self, *, end: bool = False) -> None:
        """One line for the ranges skipped in the last interval (none with --quiet)."""
        line = self.skips.flush() if end else self.skips.due()
        if line and not self.quiet:
            say(line, self.err)

    def on_poll(self, record: PollRecord) -> None:
        """Caught up or behind, said when it changes (the window's lag says the same)."""
        self._say_skips()
        now = record.caught_up
        if now is None or now == self._caught_up:
            return
        self._caught_up = now
        if now:
            say(
                f"[caught up] the server has no more events for this subscription for now "
                f"(the last poll brought {record.events} of {record.limit})",
                self.err,
            )
            return
        ahead = ""
        if self._client is not None and self.topic and record.offset_returned is not None:
            try:
                current = self._client.topic_offset(self.topic, "CURRENT")
            except errors.ApiError:
                pass
            else:
                if current <= record.offset_returned:  # nothing at all ahead in the topic
                    self._caught_up = None  # said when the next poll answers
                    return
                ahead = f", at most {current - record.offset_returned:,} topic sequences behind"
        say(f"[behind] polls come back full ({record.events} of {record.limit}): reading a backlog{ahead}", self.err)

    def on_state(self, state: ConsumerState) -> None:
        if state.state == "stopped":
            self._say_skips(end=True)
        if state.fatal:
            self.fatal = state.error or "ApiError"
        if state.state == "stopped" and self.output.closed and not state.fatal:
            return  # the reader went away: a normal end for a filter, nothing to say
        say(f"[{state.state}] {state.message}", self.err)


def _on_stop_signals(handler: Callable[[], None]) -> None:
    """SIGINT and SIGTERM (where the platform has it) call ``handler`` instead of killing."""
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, lambda *_: handler())


def _silence_stdout() -> None:
    """After the reader went away: nothing more may reach standard output, not even the
    interpreter's last flush (which would print a BrokenPipeError)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def cmd_tail(args: argparse.Namespace, store: StateStore) -> int:
    from gui.arguments import EXIT_FAILED, EXIT_USAGE
    from gui.cli import CliError, connect

    start = StartPosition.parse(args.start)
    parse_duration(args.timeout)
    if args.max_events is not None and args.max_events < 1:
        raise CliError("--max-events must be at least 1", EXIT_USAGE)
    client = connect(args, store)
    subscription = store.subscription(client.dc_url, client.client_id, args.subscription)
    if subscription is None:
        subscription = Subscription(args.subscription, TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),))
        say(
            f"[note] subscription {args.subscription} is not remembered here; assuming the tenant topic "
            "(remember it with `event-monitor subscription add`)"
        )
    own_id = store.consumer_id(client.dc_url, client.client_id, subscription.subscription_id)
    consumer_id = args.consumer_id or own_id
    lock = None
    if consumer_id == own_id:  # this machine's consumer ID: one reader of it at a time
        try:
            lock = reader_lock.acquire(client.dc_url, client.client_id, subscription.subscription_id, kind="tail")
        except reader_lock.ReaderBusy as err:
            raise CliError(
                f"{err} For tail: --consumer-id {uuid.uuid4()} (any new UUID) reads as another instance.",
                EXIT_FAILED,
            ) from err
    try:
        return _stream(args, store, client, subscription, consumer_id, start)
    finally:
        if lock is not None:
            lock.release()


def _stream(
    args: argparse.Namespace,
    store: StateStore,
    client: EventManagerClient,
    subscription: Subscription,
    consumer_id: str,
    start: StartPosition,
) -> int:
    from gui.arguments import EXIT_OK
    from gui.cli import exit_code_for

    output = Output.stdout()
    try:
        every = float(os.environ.get(SKIP_SUMMARY_ENV) or 60)
    except ValueError:
        every = 60.0
    sink = TailSink(
        args.format,
        output,
        sys.stderr,
        client,
        store,
        safe=bool(sys.stdout and sys.stdout.isatty()),
        quiet=args.quiet,
        skip_summary_s=every,
        topic=subscription.topic_id,
    )
    consumer = Consumer(
        client,
        subscription,
        consumer_id,
        start,
        sink,
        commit=args.commit,
        store=store,
        limit=args.limit,
        timeout=args.timeout,
        max_events=args.max_events,
    )
    say(f"[info] consumer {consumer_id} reading {subscription.subscription_id} from {start.describe()}")

    def stop() -> None:
        output.finish_soon()
        consumer.stop()

    _on_stop_signals(stop)
    sink.start()
    consumer.run()
    if output.closed:
        _silence_stdout()
    if sink.fatal:
        return exit_code_for(sink.fatal)
    return EXIT_OK
