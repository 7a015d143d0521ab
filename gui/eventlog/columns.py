"""The event table's columns, each defined once (Qt-free): its key, header, default width,
alignment and font, the text of its cell in the table, its sort key, and its text in an export
(CSV and Ctrl+C). The table model, the table view, sorting, copy and export iterate over
``TABLE_COLUMNS`` (and ``EXPORT_ONLY``); a column of one's own, a payload path such as
``data.kind``, is a ``Column`` too (``payload_column``). Adding a column is one entry below.

A table cell reads its row through ``Row`` (the store's columns, and the event parsed once when
a cell needs it); an export cell reads the event as the export decoded it (the envelope fields
every column names in ``fields``, decoded in C, and the payload as JSON text) and a ``Context``
(tenant names, UTC or local time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from gui.api.durations import delay_seconds, delay_text, parse_time
from gui.api.events import loads
from gui.api.models import short_type
from gui.eventlog import paths
from gui.eventlog.export import escape_cell

if TYPE_CHECKING:  # the store imports nothing of this module
    from gui.eventlog.store import EventStore

Keys = npt.NDArray[Any]


class Row:
    """One store row as a table cell reads it: the store's own columns, and the event's JSON
    parsed once, when the first cell needs it."""

    __slots__ = ("_event", "i", "local_time", "row", "store")

    def __init__(self, store: EventStore, row: int, local_time: bool = False) -> None:
        self.store, self.row, self.i, self.local_time = store, row, row - store.base, local_time
        self._event: Any = None

    def event(self) -> Any:
        if self._event is None:
            self._event = loads(self.store.raw_bytes(self.row))
        return self._event

    def field(self, name: str) -> str:
        value = self.event().get(name)
        return "" if value is None else str(value)


class Context:
    """What an export cell depends on beyond its event: tenant names known, UTC or local times;
    and the payload of the event being written, decoded once for all payload columns."""

    def __init__(self, names: Mapping[str, str], local_time: bool) -> None:
        self.names, self.local_time = names, local_time
        self._payload_of: Any = None
        self._payload: Any = None

    def payload(self, event: Any) -> Any:
        if event is not self._payload_of:
            self._payload_of = event
            try:
                self._payload = loads(bytes(event.data))
            except ValueError:
                self._payload = None
        return self._payload


@dataclass(frozen=True)
class Column:
    key: str  # remembered in settings and saved views; a payload column's is its path
    header: str  # the table's header and the export's
    text: Callable[[Row], str]  # the table's cell
    export: Callable[[Any, Context], str]  # the export's cell, from the event as the export decodes it
    width: int = 120  # px, until the user resizes it
    right: bool = False  # aligned right (numbers)
    mono: bool = False  # in the monospace font
    # the sort key of the store rows given (a numpy array of them); None: by the cell's text, ignoring case
    sort: Callable[[EventStore, npt.NDArray[np.int64]], Keys] | None = None
    tooltip: Callable[[Row], str] | None = None  # the cell's tooltip
    fields: tuple[str, ...] = ()  # the envelope fields ``export`` reads
    guard: bool = True  # an export cell starting like a formula is neutralised (not numbers, times)
    beside: str | None = None  # export only: written after this table column (None: after them all)
    zoned: bool = False  # times: in local time the export's header names the zone (its cells cannot)

    def export_header(self, context: Context) -> str:
        return f"{self.header} ({local_zone()})" if self.zoned and context.local_time else self.header


# -- the cells of each column -------------------------------------------------------------------


def local_zone() -> str:
    """This machine's zone as an export's header names it: ``local, UTC+01:00`` (its offset now)."""
    return f"local, UTC{utc_offset()}"


def local_time_zone() -> str:
    """This machine's zone as an export's provenance names it: ``CET, UTC+01:00`` (its offset now)."""
    now = datetime.now().astimezone()
    return f"{now.tzname() or 'local'}, UTC{utc_offset(now)}"


def utc_offset(when: datetime | None = None) -> str:
    """This machine's offset from UTC at ``when`` (now): ``+01:00``."""
    offset = (when or datetime.now()).astimezone().strftime("%z")
    return f"{offset[:3]}:{offset[3:5]}"


def table_time(text: str, local: bool) -> str:
    """An event's time as the Time column shows it (UTC or local, to the millisecond)."""
    try:
        when = parse_time(text)
    except ValueError:
        return text
    if local:
        return when.astimezone().isoformat(" ", "milliseconds")[:23]
    return when.isoformat(" ", "milliseconds")[:23] + "Z"


def export_time(text: Any, local: bool) -> str:
    """An event's time as a spreadsheet reads a date and time, to the millisecond: in UTC, ISO 8601
    with its zone (``2026-12-01T22:44:49.422Z``); in local time, as the table shows it, without
    the offset (``2026-12-01 23:44:49.422``: spreadsheets keep a time with an offset as text), the
    zone being said in the column's header (``Time (local, UTC+01:00)``) and the export's
    provenance. As sent when it is no time."""
    try:
        when = parse_time(text)
    except ValueError:
        return "" if text is None else str(text)
    if local:
        return when.astimezone().isoformat(" ", "milliseconds")[:23]
    return when.isoformat("T", "milliseconds").replace("+00:00", "Z")


def _plain(value: Any) -> str:
    """An envelope field's value in an export: text and integers as they are; anything else as JSON."""
    return "" if value is None else str(value) if isinstance(value, (str, int)) else escape_cell(value)


def _field(name: str) -> Callable[[Any, Context], str]:
    return lambda event, _context: _plain(getattr(event, name))


def _ranks(labels: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each interned id's place in the alphabetical order of its label (case-insensitive)."""
    order = sorted(range(len(labels)), key=lambda i: (labels[i].casefold(), labels[i]))
    ranks = np.zeros(max(len(labels), 1), np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def _interned(ids: Any, labels: Sequence[str], store: EventStore, shown: npt.NDArray[np.int64]) -> Keys:
    """Rank keys of an interned column (a few distinct values, ranked once)."""
    index = np.frombuffer(ids[: len(ids)], np.uint32).astype(np.int64)[shown - store.base]
    return _ranks(labels)[np.minimum(index, max(len(labels) - 1, 0))]


def _sequence_keys(store: EventStore, shown: npt.NDArray[np.int64]) -> Keys:
    return np.frombuffer(store.seq[: len(store.seq)], np.int64)[shown - store.base]


def _time_keys(store: EventStore, shown: npt.NDArray[np.int64]) -> Keys:
    when = store.times()  # times of rows not read yet (NaN) first
    return np.nan_to_num(np.frombuffer(when[: len(when)], np.float64)[shown - store.base], nan=-np.inf)


def _delay_keys(store: EventStore, shown: npt.NDArray[np.int64]) -> Keys:
    """From the event's two times, not read back from the text shown."""
    delays = (delay_seconds(e.get("time"), e.get("ingest_time")) for e in map(store.event, shown.tolist()))
    return np.array([-np.inf if d is None else d for d in delays], np.float64)


def _type_export(event: Any, _context: Context) -> str:
    return short_type(event.type) if isinstance(event.type, str) else _plain(event.type)


def _tenant_export(event: Any, context: Context) -> str:
    tenant = event.tenant_id if isinstance(event.tenant_id, str) else ""
    return context.names.get(tenant) or tenant


def _tenant_tooltip(row: Row) -> str:
    store = row.store
    tenant = store.tenants.values[store.tenant_ix[row.i]]
    info = store.tenant_info.get(tenant)
    return f"{store.names.get(tenant, tenant)} ({info[0]})\n{info[1]}\n{tenant}" if info else tenant


def _payload_export(event: Any, _context: Context) -> str:
    raw = bytes(event.data)
    return "" if raw == b"null" else raw.decode("utf-8", "replace")


# -- the columns --------------------------------------------------------------------------------

TABLE_COLUMNS: tuple[Column, ...] = (
    Column(
        "sequence", "Sequence", width=80, right=True, mono=True, guard=False, fields=("sequence",),
        text=lambda r: str(r.store.seq[r.i]), export=_field("sequence"), sort=_sequence_keys,
    ),
    Column(
        "time", "Time", width=190, guard=False, zoned=True, fields=("time",),
        text=lambda r: table_time(r.field("time"), r.local_time),
        export=lambda e, c: export_time(e.time, c.local_time), sort=_time_keys,
    ),
    Column(
        "type", "Type", width=150, fields=("type",),
        text=lambda r: short_type(r.store.types.values[r.store.type_ix[r.i]]), export=_type_export,
        sort=lambda s, shown: _interned(s.type_ix, [short_type(t) for t in s.types.values], s, shown),
        tooltip=lambda r: r.store.full_type(r.row),
    ),
    Column(
        "tenant", "Tenant", width=250, fields=("tenant_id",),
        text=lambda r: r.store.tenant_label(r.store.tenants.values[r.store.tenant_ix[r.i]]), export=_tenant_export,
        sort=lambda s, shown: _interned(s.tenant_ix, [s.tenant_label(t) for t in s.tenants.values], s, shown),
        tooltip=_tenant_tooltip,
    ),
    Column(
        "subject", "Subject", width=270, fields=("subject",), text=lambda r: r.field("subject"),
        export=_field("subject"),
    ),
    Column(
        "source", "Source", width=110, fields=("source",),
        text=lambda r: r.store.sources.values[r.store.source_ix[r.i]], export=_field("source"),
        sort=lambda s, shown: _interned(s.source_ix, list(s.sources.values), s, shown),
    ),
    Column("id", "Event ID", width=270, mono=True, fields=("id",), text=lambda r: r.field("id"), export=_field("id")),
    Column(
        "delay", "Ingest delay", width=90, right=True, guard=False, fields=("time", "ingest_time"),
        text=lambda r: delay_text(r.event().get("time", ""), r.event().get("ingest_time", "")),
        export=lambda e, _c: delay_text(e.time, e.ingest_time), sort=_delay_keys,
    ),
)  # fmt: skip

# written by an export (and copied) but not columns of the table
EXPORT_ONLY: tuple[Column, ...] = (
    Column(
        "tenant_id", "Tenant ID", beside="tenant", fields=("tenant_id",), text=lambda r: "",
        export=_field("tenant_id"),
    ),
    Column("data", "Payload", text=lambda r: "", export=_payload_export),
)  # fmt: skip

TABLE_KEYS = tuple(c.key for c in TABLE_COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in (*TABLE_COLUMNS, *EXPORT_ONLY)}
PAYLOAD_WIDTH = 160
# the envelope fields an export decodes (the payload, ``data``, always: kept as JSON text)
EXPORT_FIELDS = tuple(dict.fromkeys(f for c in (*TABLE_COLUMNS, *EXPORT_ONLY) for f in c.fields if f != "data"))


@lru_cache(maxsize=256)
def payload_column(path: str) -> Column:
    """A column of one's own: each event's value at ``path`` in its payload (``data.kind``;
    ValueError if it is no path), as compact JSON when it is an object."""
    parts = paths.parse_path(path)
    below = parts[1:]
    return Column(
        ".".join(parts),
        ".".join(parts),
        width=PAYLOAD_WIDTH,
        text=lambda r: paths.text(paths.lookup(r.event(), parts)),
        export=lambda e, c: paths.text(paths.lookup(c.payload(e), below), limit=None),
    )


def column(key: str) -> Column:
    """The column of ``key``: a fixed one, or a payload path (ValueError if it is neither)."""
    found = BY_KEY.get(key)
    if found is not None:
        return found
    try:
        return payload_column(key)
    except ValueError:
        raise ValueError(f"unknown column: {key}") from None


def export_keys(table_keys: Sequence[str]) -> tuple[str, ...]:
    """The export's columns for the table's visible columns in their visual order (a column of
    one's own is its path, ``data.kind``): each with the export-only columns beside it, then the
    export-only columns beside none (the payload)."""
    keys: list[str] = []
    for key in table_keys:
        keys += (key, *(c.key for c in EXPORT_ONLY if c.beside == key))
    return (*keys, *(c.key for c in EXPORT_ONLY if c.beside is None))


def cell_text(store: EventStore, row: int, key: str, local_time: bool = False) -> str:
    """The table's text of one cell (for tests and tools; the table makes a row's cells at once)."""
    return column(key).text(Row(store, row, local_time))
