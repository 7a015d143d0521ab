"""A columnar in-memory store of events for the table (Qt-free).

Events arrive as ``Events`` (one poll answer: each event's JSON as received plus a few decoded
columns). Per event the store keeps the sequence and interned type/tenant/source ids in ``array``s,
and rows per type; the JSON and a lowercase search text are kept back to back in chunks (one per
batch, made by ``prepare`` in the consumer thread; small batches are merged into blocks of about
``BLOCK_EVENTS``), and a full block's JSON is compressed with zstd (about 6x smaller). Fields shown
in the table are parsed from the JSON when a row is on screen. Filtering works on row-index arrays
and scans the search text of a block with one ``find`` per hit, never copying events.
"""

from __future__ import annotations

import math
import sys
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import accumulate, chain, compress, count, repeat
from operator import add
from typing import Any

import msgspec
import stringzilla as sz
import zstandard

from gui.api.durations import parse_time
from gui.api.events import Events, loads


class _Index(dict[str, int]):
    """value -> id; a value seen for the first time gets the next id (``__missing__``), so looking
    up a column of values is one C-level ``map`` of ``__getitem__``."""

    def __init__(self, strings: list[str]) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, value: str) -> int:
        index = self[value] = len(self.strings)
        self.strings.append(sys.intern(value))
        return index


class Interner:
    """Strings to small ints and back; repeated values (types, tenants) are stored once."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index = _Index(self.values)

    def ids(self, values: Iterable[str]) -> Iterator[int]:
        return map(self._index.__getitem__, values)

    def get(self, value: str) -> int | None:
        return self._index.get(value)


class _Spans:
    """Items stored back to back with one separator byte between them; item k ends at ``ends[k]``."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: array[int]) -> None:
        self.blob = blob
        self.ends = ends

    @classmethod
    def of(cls, items: Sequence[Any], sep: bytes) -> _Spans:
        return cls(sep.join(items), array("I", map(add, accumulate(map(len, items)), count())))

    @classmethod
    def split(cls, blob: bytes, sep: bytes) -> _Spans:
        """Items already joined by ``sep`` (which none of them holds)."""
        return cls(blob, array("I", map(add, accumulate(map(len, sz.Str(blob).split(sep))), count())))

    @classmethod
    def merge(cls, parts: Sequence[_Spans], sep: bytes) -> _Spans:
        ends = array("I")
        shift = 0
        for part in parts:
            ends.extend(map(add, part.ends, repeat(shift)))
            shift += len(part.blob) + 1
        return cls(sep.join(p.blob for p in parts), ends)

    def item(self, k: int) -> bytes:
        return _item(self.blob, self.ends, k)

    def find(self, needle: bytes, a: int, b: int, first: int, out: array[int]) -> None:
        """Append ``first + k`` to ``out`` for each item k in [a, b) holding ``needle`` (which has no
        separator byte, nor do the items): one SIMD ``find`` per hit (StringZilla's, several times
        faster than ``bytes.find``), then on from the end of that item; once hits are dense, every
        remaining item is tested in one C-level pass instead."""
        ends, add = self.ends, out.append
        text = sz.Str(self.blob)
        find = text.find
        stop = ends[b - 1]
        pos = find(needle, ends[a - 1] + 1 if a else 0, stop)
        hits = 0
        while pos != -1:
            k = bisect_right(ends, pos)
            add(first + k)
            hits += 1
            if hits == _DENSE and k + 1 < b:
                items = text[ends[k] + 1 : stop].split(_SEP)  # items k+1 .. b-1
                out.extend(compress(range(first + k + 1, first + b), map(_contains, items, repeat(needle))))
                return
            pos = find(needle, ends[k] + 1, stop)


_DENSE = 8  # hits in one chunk after which the rest of it is tested item by item
_SEP = b"\0"  # between the search texts of events: never in JSON, nor in a needle
_contains = sz.Str.contains


def _item(blob: bytes, ends: array[int], k: int) -> bytes:
    return blob[ends[k - 1] + 1 if k else 0 : ends[k]]


class _Zstd(threading.local):
    """A compressor and a decompressor per thread: zstandard's objects must not be shared between
    threads, and the consumer, UI, filter and export threads all use them."""

    def __init__(self) -> None:
        self.compress = zstandard.ZstdCompressor(level=1).compress
        self.decompress = zstandard.ZstdDecompressor().decompress


_ZSTD = _Zstd()


class _Chunk:
    """Consecutive events: their JSON (``,`` between them) and search text (``_SEP`` between them).
    Sealing compresses the JSON: ``packed`` is set, then ``raw`` goes; readers check ``raw`` first."""

    __slots__ = ("first", "hits", "packed", "raw", "text")

    def __init__(
        self, first: int, raw: _Spans | None, text: _Spans, packed: tuple[bytes, array[int]] | None = None
    ) -> None:
        self.first = first  # absolute row id of the first event (-1 until stored)
        self.raw = raw
        self.text = text
        self.packed = packed
        self.hits: tuple[bytes, array[int]] | None = None  # a search made in advance: needle, items holding it

    def __len__(self) -> int:
        return len(self.text.ends)

    def seal(self) -> None:
        raw = self.raw
        assert raw is not None
        # copied to an exact-size bytes: zstandard returns its whole worst-case output buffer (~7x the
        # compressed size), which would otherwise stay allocated as long as the events are held
        self.packed = (memoryview(_ZSTD.compress(raw.blob)).tobytes(), raw.ends)
        self.raw = None

    def ends(self) -> array[int]:
        raw = self.raw
        if raw is not None:
            return raw.ends
        assert self.packed is not None
        return self.packed[1]

    def raw_item(self, k: int, unpack: Callable[[_Chunk], bytes]) -> bytes:
        raw = self.raw
        if raw is not None:
            return raw.item(k)
        assert self.packed is not None
        return _item(unpack(self), self.packed[1], k)


class _Named(msgspec.Struct, gc=False):
    id: str | int = ""
    name: str | None = None


_NAMED = msgspec.json.Decoder(list[_Named | None])


class _Time(msgspec.Struct, gc=False):
    time: Any = None  # any JSON value (every stored event is an object): a bad one reads as NaN


_TIMES = msgspec.json.Decoder(list[_Time])


def _unpacked(chunk: _Chunk) -> bytes:
    assert chunk.packed is not None
    return _ZSTD.decompress(chunk.packed[0])


_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))  # ASCII A-Z -> a-z, as bytes.lower


class Prepared:
    """What ``EventStore.append`` needs from a batch beyond its columns: the search text, the JSON
    (already compressed when the batch fills a block) and the tenant names seen in the payloads.
    ``prepare`` runs where the batch was decoded (the consumer thread), so the UI thread only links
    the result in; zstd releases the GIL, so compression overlaps the UI thread on another core."""

    __slots__ = ("chunk", "names", "when")

    def __init__(self, chunk: _Chunk, names: dict[str, str], when: array[float] | None = None) -> None:
        self.chunk = chunk
        self.names = names
        self.when = when  # epoch seconds of each event's time, when asked for (the timeline shows)


def prepare(events: Events, needle: bytes = b"", *, times: bool = False) -> Prepared:
    """The store-ready form of a batch. ``needle``: the text filter's search
    (``RowFilter.search_needle``), made here in advance, so that filtering the new rows costs the
    UI thread a lookup while the filter stays the same. ``times``: each event's time as epoch
    seconds too (for the timeline and time filters, which would otherwise read them back from
    the stored, perhaps compressed, JSON on the UI thread)."""
    # search text: lowercase, without JSON's quotes (a tenth of the bytes to scan; a search ignores
    # quotes too) or line breaks (only whitespace between JSON tokens); made for the whole batch
    # at once, the events' texts found again by the separator, which JSON never holds
    if not len(events):
        return Prepared(_Chunk(-1, _Spans(b"", array("I")), _Spans(b"", array("I"))), {})
    sequences = map(b"%d".__mod__, events.column("sequence"))  # the Sequence column is searched too
    texts = map(b" ".join, zip(sequences, map(b"".join, events.text_parts()), strict=True))
    text = _Spans.split(_SEP.join(texts).translate(_LOWER, b'"\n'), _SEP)
    chunk = _Chunk(-1, _Spans.of(events.raws, b","), text)
    if needle:
        hits = array("q")
        text.find(needle, 0, len(events), 0, hits)
        chunk.hits = (needle, hits)
    if len(events) >= EventStore.BLOCK_EVENTS:
        chunk.seal()
    when = array("d", map(epoch_of, events.times())) if times else None
    return Prepared(chunk, dict(_names(events.payloads())), when)


def _names(payloads: list[msgspec.Raw]) -> list[tuple[str, str]]:
    """(id, name) of payloads like ``{"id": ..., "name": ...}``: tenant names for the Tenant column."""
    try:
        named = _NAMED.decode(b"[" + b",".join(payloads) + b"]")
    except msgspec.ValidationError:  # some payload is not an object: look at each
        named = []
        for payload in payloads:
            try:
                named.append(_NAMED.decode(b"[" + bytes(payload) + b"]")[0])
            except msgspec.ValidationError:
                continue
    return [(str(n.id), n.name) for n in named if n is not None and n.name is not None]


class EventStore:
    """Events held for the table; rows are absolute ids that stay stable when the oldest are dropped."""

    BLOCK_EVENTS = 100  # a full poll answer is sealed on its own; smaller ones are merged first
    CACHE_CHUNKS = 8

    def __init__(self, cap: int = 1_000_000) -> None:
        self.cap = cap
        self.types = Interner()
        self.tenants = Interner()
        self.sources = Interner()
        self._times_lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.base = 0  # rows dropped from the front so far
        self.seq = array("q")
        self.type_ix = array("I")
        self.type_rows: defaultdict[int, array[int]] = defaultdict(lambda: array("q"))  # type id -> its rows
        self.tenant_ix = array("I")
        self.source_ix = array("I")
        self._when = array("d")  # epoch seconds of the event time, filled when a time filter asks
        # chunks and the first row of each; replaced (never changed in place but for appending a
        # chunk) so a filter thread holding one layout sees a consistent pair
        self._layout: tuple[list[_Chunk], array[int]] = ([], array("q"))
        self._open = 0  # index of the first chunk not yet merged into a sealed block
        self.gap_before: dict[int, int] = {}  # absolute row -> events missing before it
        # rows whose gap before them was surely lost (retention) -> the (first, last) sequences lost
        self.gap_lost: dict[int, tuple[int, int]] = {}
        self.names: dict[str, str] = {}  # tenant/subject id -> display name seen in payloads
        self.tenant_info: dict[str, tuple[str, str]] = {}  # tenant id -> (kind, path) from the Account Management API
        self.tenant_keys: list[str] = []  # per tenant id: "id<US>name", lowercase, for text search
        self.dropped = 0
        self._unpacked: dict[int, bytes] = {}  # id(chunk) -> its JSON, for a few recently read chunks

    def __len__(self) -> int:
        return len(self.seq)

    # -- writing ---------------------------------------------------------------------------------

    def append(self, events: Events | Sequence[dict[str, Any]], gaps: Iterable[tuple[int, ...]] = ()) -> range:
        """Add a batch; returns the absolute row ids it got. ``gaps``: (first, last) missing sequences,
        or (first, last, lost) where ``lost`` says they were surely lost (not merely not for us)."""
        if not isinstance(events, Events):
            events = Events.from_dicts(events)
        start = self.base + len(self.seq)
        if not len(events):
            return range(start, start)
        prepared = events.prepared if isinstance(events.prepared, Prepared) else prepare(events)
        chunk = prepared.chunk
        if chunk.first != -1:  # already in a store: share its immutable parts, not its position
            shared, chunk = chunk, _Chunk(-1, chunk.raw, chunk.text, chunk.packed)
            chunk.hits = shared.hits
        chunk.first = start
        if chunk.packed is not None and self._open < len(self._layout[0]):
            self._seal()  # the small chunks before it become a block of their own
        chunks, firsts = self._layout
        chunks.append(chunk)  # the chunk before its rows
        firsts.append(start)
        type_ids = array("I", self.types.ids(events.column("type")))
        self.type_ix.extend(type_ids)
        rows = range(start, start + len(type_ids))
        for type_id in set(type_ids):  # a few types a batch: C-level loops over the batch for each
            self.type_rows[type_id].extend(compress(rows, map(type_id.__eq__, type_ids)))
        self.tenant_ix.extend(self.tenants.ids(events.column("tenant_id")))
        known = self.names
        learned = [(t, n) for t, n in prepared.names.items() if known.get(t) != n]  # mostly none
        self._index_tenants(learned)
        self.source_ix.extend(self.sources.ids(events.column("source")))
        when = prepared.when
        # the batch's times, made in the consumer thread, when the times held so far are all known
        # (a worker working out the older ones holds the lock: it reads these too, later)
        if when is not None and len(when) == len(type_ids) and self._times_lock.acquire(blocking=False):
            try:
                if len(self._when) == start - self.base:
                    self._when.extend(when)
            finally:
                self._times_lock.release()
        self.seq.extend(events.column("sequence"))  # last: the length of ``seq`` says what is held
        if chunk.packed is not None:
            self._open = len(chunks)
        elif start + len(events) - chunks[self._open].first >= self.BLOCK_EVENTS:
            self._seal()
        self.names.update(learned)
        gap_after = {
            g[1]: (g[1] - g[0] + 1, len(g) > 2 and bool(g[2])) for g in gaps
        }  # by the `previous` that skips them
        if gap_after:
            for row, previous in enumerate(events.column("previous"), start):
                missing, lost = gap_after.get(previous if previous is not None else -1, (0, False))
                if missing:
                    self.gap_before[row] = missing
                    if lost:
                        self.gap_lost[row] = (previous - missing + 1, previous)
        return range(start, self.base + len(self.seq))

    def learn_names(self, names: Mapping[str, str]) -> int:
        """Tenant names learned elsewhere (the Account Management API); how many were new."""
        learned = [(t, n) for t, n in names.items() if n and self.names.get(t) != n]
        if learned:
            self._index_tenants(learned)
            self.names.update(learned)
        return len(learned)

    def unnamed_tenants(self) -> list[str]:
        """The tenants of held events whose name no payload gave."""
        known = self.names
        return [t for t in self.tenants.values if t and t not in known]

    def _index_tenants(self, names: Iterable[tuple[str, str]]) -> None:
        """Keep ``tenant_keys`` in step with the tenants interned and the names learned."""
        values, keys, known = self.tenants.values, self.tenant_keys, self.names
        for tenant in values[len(keys) :]:
            keys.append(f"{tenant}\x1f{known.get(tenant, '')}".lower())
        for tenant, name in names:
            i = self.tenants.get(tenant)
            if i is not None and i < len(keys):
                keys[i] = f"{tenant}\x1f{name}".lower()

    def _seal(self) -> None:
        """Merge the open chunks into one block and compress its JSON."""
        chunks, firsts = self._layout
        parts = chunks[self._open :]
        if not parts:
            return
        if len(parts) > 1:
            block = _Chunk(
                parts[0].first,
                _Spans.merge([p.raw for p in parts if p.raw is not None], b","),
                _Spans.merge([p.text for p in parts], _SEP),
            )
            self._layout = chunks, firsts = (
                [*chunks[: self._open], block],
                firsts[: self._open] + array("q", [block.first]),
            )
        chunks[-1].seal()
        self._open = len(chunks)

    def trim(self) -> int:
        """Drop the oldest rows beyond the cap; returns how many were dropped."""
        excess = len(self.seq) - self.cap
        if excess <= 0:
            return 0
        with self._times_lock:
            for column in (self.seq, self.type_ix, self.tenant_ix, self.source_ix):
                del column[:excess]
            del self._when[: max(0, min(excess, len(self._when)))]
            self.base += excess
        chunks, firsts = self._layout
        whole = 0  # chunks entirely before the new base go
        while whole < self._open and chunks[whole].first + len(chunks[whole]) <= self.base:
            self._unpacked.pop(id(chunks[whole]), None)
            whole += 1
        if whole:
            self._layout = chunks[whole:], firsts[whole:]
            self._open -= whole
        self.gap_before = {r: n for r, n in self.gap_before.items() if r >= self.base}
        self.gap_lost = {r: span for r, span in self.gap_lost.items() if r >= self.base}
        for type_id, rows in list(self.type_rows.items()):  # replaced, not cut: a filter may be reading
            self.type_rows[type_id] = rows[bisect_left(rows, self.base) :]
        self.dropped += excess
        return excess

    # -- reading ---------------------------------------------------------------------------------

    def _locate(self, row: int) -> tuple[_Chunk, int]:
        if not self.base <= row < self.base + len(self.seq):
            raise IndexError(f"row {row} is not held")
        chunks, firsts = self._layout
        chunk = chunks[bisect_right(firsts, row) - 1]
        return chunk, row - chunk.first

    def raw_bytes(self, row: int) -> bytes:
        chunk, k = self._locate(row)
        return chunk.raw_item(k, self._unpack)

    def _unpack(self, chunk: _Chunk) -> bytes:
        key = id(chunk)
        data = self._unpacked.get(key)
        if data is None:
            if len(self._unpacked) >= self.CACHE_CHUNKS:
                self._unpacked.pop(next(iter(self._unpacked)))
            data = self._unpacked[key] = _unpacked(chunk)
        return data

    def event(self, row: int) -> dict[str, Any]:
        return dict(loads(self.raw_bytes(row)))

    def tenant_label(self, tenant: str) -> str:
        label = self.names.get(tenant)
        return f"{label} ({tenant[:8]})" if label else tenant

    def rows_of_types(self, type_ids: Iterable[int | None], rows: range) -> array[int]:
        """The rows in ``rows`` of any of these types, in order (from per-type row lists)."""
        parts = []
        for type_id in type_ids:
            held = self.type_rows.get(type_id) if type_id is not None else None
            if held:
                parts.append(held[bisect_left(held, rows.start) : bisect_left(held, rows.stop)])
        if len(parts) == 1:
            return parts[0]
        return array("q", sorted(chain.from_iterable(parts)))

    def full_type(self, row: int) -> str:
        return self.types.values[self.type_ix[row - self.base]]

    def rows(self) -> range:
        return range(self.base, self.base + len(self.seq))

    def times(self) -> array[float]:
        """Epoch seconds of each held event's time (NaN when unreadable), computed on first use."""
        with self._times_lock:
            when, base = self._when, self.base
            held = base + len(self.seq)
            row = base + len(when)
            for events_json in self.json_arrays(range(row, held))():  # a chunk at a time, in C
                when.extend(map(_epoch, (event.time for event in _TIMES.decode(events_json))))
            return when

    def _snapshot(self) -> tuple[list[_Chunk], array[int]]:
        """The chunks as they are now, for another thread: chunks never change once written
        (sealing only swaps the JSON for its compressed form)."""
        chunks, firsts = self._layout
        return list(chunks), array("q", firsts[: len(chunks)])

    def reader(
        self, rows: Sequence[int], snapshot: tuple[list[_Chunk], array[int]] | None = None
    ) -> Callable[[], Iterator[bytes]]:
        """A snapshot of the JSON of ``rows`` that another thread may read later: chunks never
        change once written (sealing only swaps the JSON for its compressed form). Cheap to take.
        ``snapshot``: chunks taken earlier (``_snapshot()``) that hold ``rows``."""
        chunks, firsts = snapshot or self._snapshot()
        rows = array("q", rows)

        def read() -> Iterator[bytes]:
            cached: tuple[_Chunk | None, bytes] = (None, b"")

            def unpack(chunk: _Chunk) -> bytes:
                nonlocal cached
                if cached[0] is not chunk:
                    cached = (chunk, _unpacked(chunk))
                return cached[1]

            for row in rows:
                chunk = chunks[bisect_right(firsts, row) - 1]
                yield chunk.raw_item(row - chunk.first, unpack)

        return read

    def json_arrays(self, rows: Sequence[int]) -> Callable[[], Iterator[bytes]]:
        """Like ``reader``, but gives JSON arrays of events, one per run of consecutive rows in a
        chunk (a slice of the chunk's JSON, no event is parsed): what export decodes in bulk."""
        chunks, firsts = self._snapshot()
        # a range of rows (everything shown, unfiltered) is its own snapshot and needs no scan for runs
        whole = isinstance(rows, range) and rows.step == 1
        held: Sequence[int] = rows if whole else array("q", rows)

        def read() -> Iterator[bytes]:
            i, n = 0, len(held)
            while i < n:
                row = held[i]
                chunk = chunks[bisect_right(firsts, row) - 1]
                end = chunk.first + len(chunk)
                if whole:
                    j = min(n, i + end - row)
                else:
                    j = i + 1
                    while j < n and held[j] == held[j - 1] + 1 and held[j] < end:
                        j += 1
                raw = chunk.raw
                blob, ends = (raw.blob, raw.ends) if raw is not None else (_unpacked(chunk), chunk.ends())
                k, last = row - chunk.first, row - chunk.first + j - i - 1
                yield b"[" + blob[ends[k - 1] + 1 if k else 0 : ends[last]] + b"]"  # k..last, commas included
                i = j

        return read

    def events(
        self, rows: Iterable[int], snapshot: tuple[list[_Chunk], array[int]] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The events of ``rows`` parsed; ``snapshot`` as for ``reader``."""
        for raw in self.reader(list(rows), snapshot)():
            yield loads(raw)

    def search(self, needle: bytes, rows: range) -> array[int]:
        """Rows in ``rows`` whose search text (sequence, event ID, subject, time and payload, lowercase)
        holds ``needle`` (lowercase bytes without a newline, a quote or a NUL)."""
        out = array("q")
        lo, hi = max(rows.start, self.base), min(rows.stop, self.base + len(self.seq))
        if lo >= hi or not needle:
            return out
        chunks, firsts = self._layout
        for chunk in chunks[bisect_right(firsts, lo) - 1 :]:
            first = chunk.first
            if first >= hi:
                break
            a, b = max(lo - first, 0), min(hi - first, len(chunk))
            hits = chunk.hits
            if hits is not None and hits[0] == needle and a == 0 and b == len(chunk):
                out.extend(map(add, hits[1], repeat(first)))  # searched when it arrived
            else:
                chunk.text.find(needle, a, b, first, out)
        return out

    def subject_events(self, subject: str) -> list[dict[str, Any]]:
        """The held events about one subject, oldest first (a text search, then an exact check).
        Safe from another thread while events arrive or the oldest go: it reads one snapshot."""
        chunks, firsts = snapshot = self._snapshot()
        if not chunks:
            return []
        held = range(firsts[0], chunks[-1].first + len(chunks[-1]))
        candidates = self.search(subject.lower().encode(), held)
        candidates = candidates[bisect_left(candidates, held.start) :]  # the oldest may have gone meanwhile
        return [event for event in self.events(candidates, snapshot) if event.get("subject") == subject]


_SECONDS: dict[bytes, float] = {}  # "YYYY-MM-DDTHH:MM:SS" -> epoch seconds, for the times of a batch


def epoch_of(raw: Any) -> float:
    """Epoch seconds of an event's ``time`` as its JSON text (``b'"2026-12-02T01:35:18.383Z"'``):
    the usual UTC form read with one dict lookup per second of time; anything else as ``_epoch``
    reads it (NaN when it is no time)."""
    text = bytes(raw)
    if len(text) >= 22 and text[0] == 34 and text[-2:] == b'Z"' and text[11] in (84, 116):
        head = text[1:20]
        base = _SECONDS.get(head)
        if base is None:
            try:
                base = datetime.fromisoformat(head.decode() + "+00:00").timestamp()
            except (ValueError, UnicodeDecodeError):
                return _epoch(loads(text))
            if len(_SECONDS) > 4096:
                _SECONDS.clear()
            _SECONDS[head] = base
        fraction = text[20:-2]
        if not fraction:
            return base
        if fraction[0] == 46 and 1 < len(fraction) <= 10 and fraction[1:].isdigit():
            return base + int(fraction[1:]) / float(10 ** (len(fraction) - 1))
    try:
        return _epoch(loads(text))
    except ValueError:
        return math.nan


def _epoch(text: Any) -> float:
    """Epoch seconds of an RFC 3339 time; NaN when unreadable or without a time zone."""
    try:
        return parse_time(text).timestamp()
    except (ValueError, TypeError, AttributeError):
        return math.nan
