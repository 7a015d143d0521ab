"""The table's filter (Qt-free): a ``FilterSpec`` (what the filter bar asks for) compiled into a
``RowFilter`` that is applied to row ranges of an ``EventStore`` on a worker thread, in slices,
cheapest condition first."""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress

from gui.api.events import loads
from gui.api.models import short_type
from gui.eventlog.cel import CelFilter
from gui.eventlog.store import _SEP, EventStore

_SHOWN_TIME = re.compile(rb"(\d{4}-\d\d-\d\d) (\d)")
_LOCAL_TIME = re.compile(rb"(?<![\d:])(?:(\d{4})-(\d\d)-(\d\d)[ t])?(\d\d):(\d\d)")  # [date] hours:minutes


def _utc_text(match: re.Match[bytes]) -> bytes:
    """A local "[YYYY-MM-DD ]HH:MM" as the UTC text events carry ("YYYY-MM-DDtHH:MM", "HH:MM"); a
    time without a date is taken as today's. Left as typed when it is no valid time."""
    year, month, day, hour, minute = match.groups()
    try:
        date = datetime(int(year), int(month), int(day)) if year else datetime.now()
        local = date.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        utc = local.astimezone().astimezone(UTC)  # a naive time is local to astimezone()
    except ValueError:
        return match.group(0)
    return utc.strftime("%Y-%m-%dt%H:%M" if year else "%H:%M").encode()


@dataclass(frozen=True)
class FilterSpec:
    """What the filter bar asks for; an empty spec shows everything."""

    text: str = ""
    types: frozenset[str] = frozenset()
    tenant: str = ""
    since: datetime | None = None
    until: datetime | None = None
    cel: str = ""
    local_time: bool = False  # the table shows local times: a time typed in the text is local

    @property
    def empty(self) -> bool:
        return not (self.text or self.types or self.tenant or self.since or self.until or self.cel)


class RowFilter:
    """A compiled FilterSpec, applied to row ranges of a store.

    Text search looks at the lowercase search text of each event (sequence, time, subject, event ID
    and the payload) and at the interned columns (type, tenant and its name, source), each distinct
    value of which is checked once. The other conditions narrow what is left, cheapest first.
    """

    def __init__(self, spec: FilterSpec) -> None:
        self.spec = spec
        self.needle = spec.text.lower().encode()
        # what the search text is scanned for (it holds no newlines or JSON quotes, and times as
        # sent: a time typed as the table shows it, "2026-11-27 10:01", is looked for with a "t");
        # b"" for no text
        needle = self.needle.replace(b"\n", b"").replace(b'"', b"").replace(_SEP, b"")
        if spec.local_time:  # times are sent in UTC: a local "2026-11-27 20:31" or "20:31" is looked for as UTC
            needle = _LOCAL_TIME.sub(_utc_text, needle)
        self.search_needle = _SHOWN_TIME.sub(rb"\1t\2", needle)
        self.cel = CelFilter(spec.cel) if spec.cel.strip() else None

    SLICE_ROWS = 1 << 16
    CEL_SLICE_ROWS = 1 << 11

    def apply(self, store: EventStore, rows: range, cancelled: Callable[[], bool] | None = None) -> array[int]:
        """The rows in ``rows`` that pass, in order. Worked through in slices: each C-level pass
        (matching a column, merging hits) then holds the GIL for a few milliseconds, never for
        the whole store, so the UI thread keeps its turn while another thread filters a million
        events. ``cancelled()`` returning True stops early (the result is then incomplete)."""
        out = array("q")
        matched: dict[str, set[int]] = {}  # ids of a whole column that match, worked out once
        # CEL evaluates in Python, up to ~0.4 ms an event: smaller slices, so that a filter
        # replaced by another stops within a second rather than after a whole slice
        step = self.SLICE_ROWS if self.cel is None else self.CEL_SLICE_ROWS
        for start in range(rows.start, rows.stop, step):
            if cancelled is not None and cancelled():
                break
            out.extend(self._apply(store, range(start, min(start + step, rows.stop)), matched))
        return out

    def _apply(self, store: EventStore, rows: range, matched: dict[str, set[int]]) -> array[int]:
        spec = self.spec
        base = store.base
        lo, hi = max(rows.start, base), min(rows.stop, base + len(store))
        if lo >= hi:
            return array("q")
        kept: Sequence[int] = range(lo, hi)
        if spec.types:
            kept = store.rows_of_types({store.types.get(t) for t in spec.types}, range(lo, hi))
        if spec.tenant.strip():  # the ID or the name, anywhere in them
            tenant = spec.tenant.strip().lower()
            keys = store.tenant_keys
            kept = _keep(kept, store.tenant_ix, base, {i for i, key in enumerate(keys) if tenant in key})
        if self.needle:
            kept = self._text(store, kept, lo, hi, matched)
        if spec.since or spec.until:
            since = spec.since.timestamp() if spec.since else -math.inf
            until = spec.until.timestamp() if spec.until else math.inf
            when = store.times()
            kept = [row for row in kept if since <= when[row - base] <= until]
        if self.cel is not None:
            matches = self.cel.matches
            kept = [row for row in kept if matches(loads(store.raw_bytes(row)))]
        return kept if isinstance(kept, array) else array("q", kept)

    def _text(
        self, store: EventStore, kept: Sequence[int], lo: int, hi: int, matched: dict[str, set[int]]
    ) -> array[int]:
        text = self.needle.decode()
        hits = store.search(self.search_needle, range(lo, hi))
        base = store.base

        def matching(name: str, column: array[int], count: int, test: Callable[[int], bool]) -> set[int]:
            """Interned ids of the rows in [lo, hi) that pass ``test``, each id checked once: all
            ids (once for every slice of a filter run), or only those these rows use when they are
            fewer, as for new rows."""
            if hi - lo < count:
                return {i for i in set(column[lo - base : hi - base]) if test(i)}
            key = f"{name}:{count}"
            if key not in matched:
                matched[key] = {i for i in range(count) if test(i)}
            return matched[key]

        type_names, source_names = store.types.values, store.sources.values
        types = matching(
            "type",
            store.type_ix,
            len(type_names),
            lambda i: text in type_names[i].lower() or text in short_type(type_names[i]).lower(),
        )
        by_column = [
            (
                store.tenant_ix,
                matching("tenant", store.tenant_ix, len(store.tenants.values), _tenant_test(store, text)),
            ),
            (
                store.source_ix,
                matching("source", store.source_ix, len(source_names), lambda i: text in source_names[i].lower()),
            ),
        ]
        extra = [_keep(range(lo, hi), column, base, ids) for column, ids in by_column if ids]
        if types:
            extra.append(store.rows_of_types(types, range(lo, hi)))
        if len(extra) == 1 and not hits:
            hits = extra[0]
        elif extra:
            merged = set(hits)
            for rows in extra:
                merged.update(rows)
            hits = array("q", sorted(merged))
        if isinstance(kept, range):
            return hits
        wanted = set(kept)
        return array("q", (row for row in hits if row in wanted))


def _tenant_test(store: EventStore, text: str) -> Callable[[int], bool]:
    """Whether tenant id i matches ``text``: by its ID or name (``tenant_keys``), or, when the text
    could span the parts of the Tenant column's label ("Name (abcdef12)"), by that label."""
    keys, values, names = store.tenant_keys, store.tenants.values, store.names
    if not any(c in text for c in " ()"):
        return lambda i: i < len(keys) and text in keys[i]

    def test(i: int) -> bool:
        tenant = values[i]
        if text in tenant.lower():
            return True
        name = names.get(tenant)
        return name is not None and (text in name.lower() or text in f"{name} ({tenant[:8]})".lower())

    return test


def _keep(rows: Sequence[int], column: array[int], base: int, ids: set[int] | set[int | None]) -> array[int]:
    """Rows whose interned id in ``column`` is one of ``ids`` (C-level loops over a range)."""
    if isinstance(rows, range):
        return array("q", compress(rows, map(ids.__contains__, column[rows.start - base : rows.stop - base])))
    return array("q", (row for row in rows if column[row - base] in ids))
