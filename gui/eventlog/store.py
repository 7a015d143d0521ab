"""A columnar in-memory store of events for the table (Qt-free).

Per event it keeps the sequence in an ``array``, interned type/tenant/source indices and the
event's raw JSON bytes (for the detail view, search and export); the other shown fields are parsed
from the raw bytes when a row is on screen. Filtering works on row-index arrays, never copies events.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from gui.api.durations import parse_time
from gui.api.models import short_type
from gui.eventlog.cel import CelFilter

COLUMNS = ("sequence", "time", "type", "tenant", "subject", "source", "id", "delay")
HEADERS = ("Sequence", "Time", "Type", "Tenant", "Subject", "Source", "Event ID", "Ingest delay")


class Interner:
    """Strings to small ints and back; repeated values (types, tenants) are stored once."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, value: str) -> int:
        index = self._index.get(value)
        if index is None:
            index = self._index[value] = len(self.values)
            self.values.append(sys.intern(value))
        return index

    def get(self, value: str) -> int | None:
        return self._index.get(value)


class EventStore:
    """Columns per event: sequence (array), interned type/tenant/source ids (arrays) and the raw
    JSON bytes. Time, subject, event ID and delay are read from the raw bytes when a row is shown
    (parsed once, kept in a small cache), so holding an event costs little more than its JSON."""

    CACHE_ROWS = 4096

    def __init__(self, cap: int = 1_000_000) -> None:
        self.cap = cap
        self.types = Interner()
        self.tenants = Interner()
        self.sources = Interner()
        self.clear()

    def clear(self) -> None:
        self.base = 0  # rows dropped from the front so far (row ids stay stable)
        self.seq = array("q")
        self.type_ix = array("I")
        self.tenant_ix = array("I")
        self.source_ix = array("I")
        self.raw: list[bytes] = []
        self.gap_before: dict[int, int] = {}  # absolute row -> events missing before it
        self.names: dict[str, str] = {}  # tenant/subject id -> display name seen in payloads
        self.dropped = 0
        self._parsed: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.seq)

    def append(self, events: Sequence[dict[str, Any]], gaps: Iterable[tuple[int, int]] = ()) -> range:
        """Add a batch; returns the absolute row ids it got. ``gaps``: (first, last) missing sequences."""
        start = self.base + len(self.seq)
        gap_after = {last: last - first + 1 for first, last in gaps}  # keyed by the `previous` that skips them
        types, tenants, sources = self.types.add, self.tenants.add, self.sources.add
        seq, type_ix, tenant_ix, source_ix, raw = self.seq, self.type_ix, self.tenant_ix, self.source_ix, self.raw
        names = self.names
        dumps = orjson.dumps
        for event in events:
            seq.append(event["sequence"])
            type_ix.append(types(event.get("type", "")))
            tenant_ix.append(tenants(event.get("tenant_id", "")))
            source_ix.append(sources(event.get("source", "")))
            raw.append(memoryview(dumps(event)).tobytes())  # exact size: orjson over-allocates (~8 KB)
            data = event.get("data")
            if data.__class__ is dict and "name" in data and "id" in data:
                names[str(data["id"])] = str(data["name"])
            if gap_after:
                missing = gap_after.get(event.get("previous", -1))
                if missing:
                    self.gap_before[self.base + len(seq) - 1] = missing
        return range(start, self.base + len(seq))

    def trim(self) -> int:
        """Drop the oldest rows beyond the cap; returns how many were dropped."""
        excess = len(self.seq) - self.cap
        if excess <= 0:
            return 0
        for column in (self.seq, self.type_ix, self.tenant_ix, self.source_ix):
            del column[:excess]
        del self.raw[:excess]
        self.base += excess
        self.gap_before = {r: n for r, n in self.gap_before.items() if r >= self.base}
        self._parsed.clear()
        self.dropped += excess
        return excess

    # -- reading ---------------------------------------------------------------------------------

    def event(self, row: int) -> dict[str, Any]:
        return dict(orjson.loads(self.raw[row - self.base]))

    def raw_bytes(self, row: int) -> bytes:
        return self.raw[row - self.base]

    def _fields(self, row: int) -> dict[str, Any]:
        parsed = self._parsed.get(row)
        if parsed is None:
            if len(self._parsed) >= self.CACHE_ROWS:
                self._parsed.clear()
            event = orjson.loads(self.raw[row - self.base])
            parsed = self._parsed[row] = {
                "time": event.get("time", ""),
                "subject": event.get("subject", ""),
                "id": event.get("id", ""),
                "delay": _delay_text(event.get("time", ""), event.get("ingest_time", "")),
            }
        return parsed

    def cell(self, row: int, column: int) -> str:
        i = row - self.base
        name = COLUMNS[column]
        if name == "sequence":
            return str(self.seq[i])
        if name == "type":
            return short_type(self.types.values[self.type_ix[i]])
        if name == "tenant":
            tenant = self.tenants.values[self.tenant_ix[i]]
            label = self.names.get(tenant)
            return f"{label} ({tenant[:8]})" if label else tenant
        if name == "source":
            return self.sources.values[self.source_ix[i]]
        return str(self._fields(row)[name])

    def full_type(self, row: int) -> str:
        return self.types.values[self.type_ix[row - self.base]]

    def rows(self) -> range:
        return range(self.base, self.base + len(self.seq))

    def events(self, rows: Iterable[int]) -> Iterator[dict[str, Any]]:
        base, raw, loads = self.base, self.raw, orjson.loads
        for row in rows:
            yield loads(raw[row - base])

    def subject_rows(self, subject: str) -> list[int]:
        """Rows about one subject (a byte search first, then an exact check)."""
        needle = orjson.dumps(subject)
        base = self.base
        return [
            base + i for i, raw in enumerate(self.raw) if needle in raw and orjson.loads(raw).get("subject") == subject
        ]


def _delay_text(time_text: str, ingest_text: str) -> str:
    try:
        delta = (parse_time(ingest_text) - parse_time(time_text)).total_seconds()
    except ValueError:
        return ""
    return f"{delta * 1000:.0f} ms" if abs(delta) < 10 else f"{delta:.1f} s"


@dataclass(frozen=True)
class FilterSpec:
    """What the filter bar asks for; an empty spec shows everything."""

    text: str = ""
    types: frozenset[str] = frozenset()
    tenant: str = ""
    since: datetime | None = None
    until: datetime | None = None
    cel: str = ""

    @property
    def empty(self) -> bool:
        return not (self.text or self.types or self.tenant or self.since or self.until or self.cel)


class RowFilter:
    """A compiled FilterSpec, applied to row ranges of a store."""

    def __init__(self, spec: FilterSpec) -> None:
        self.spec = spec
        self.needle = spec.text.lower().encode()
        self.cel = CelFilter(spec.cel) if spec.cel.strip() else None

    def apply(self, store: EventStore, rows: range, cancelled: Any = None) -> array[int]:
        spec = self.spec
        out = array("q")
        base = store.base
        type_ids = {store.types.get(t) for t in spec.types} if spec.types else None
        tenant = spec.tenant.strip().lower()
        needle = self.needle
        for row in rows:
            i = row - base
            if i < 0 or i >= len(store.seq):
                continue
            if type_ids is not None and store.type_ix[i] not in type_ids:
                continue
            if tenant and tenant not in store.tenants.values[store.tenant_ix[i]].lower():
                continue
            if needle and needle not in store.raw[i].lower():
                continue
            if spec.since or spec.until:
                try:
                    when = parse_time(str(store._fields(row)["time"]))
                except ValueError:
                    continue
                if (spec.since and when < spec.since) or (spec.until and when > spec.until):
                    continue
            if self.cel is not None and not self.cel.matches(orjson.loads(store.raw[i])):
                continue
            out.append(row)
            if cancelled is not None and len(out) % 4096 == 0 and cancelled():
                break
        return out
