"""CSV as the table shows it, for spreadsheets (Qt-free): row 1 is the header (the table's column
names), then one row per event with the columns the user sees, in the table's order: times in
ISO 8601 with their zone (UTC or local, as the table shows them), short type names, the tenant's
name and its ID, the ingest delay, the payload. Spreadsheet limits hold: no cell over 32,767
characters (a longer payload is cut with a visible marker) and at most 1,048,576 rows per file
(``max_rows`` splits an export into numbered files). Formula safety as for every export.
Provenance goes to a sidecar file (``NAME.csv.json``), never into the sheet."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import orjson

from gui.api.events import loads
from gui.eventlog import columns
from gui.eventlog.export import Cancelled, _quoted, _Writer, atomic_file, escape_cell

CELL_LIMIT = 32_767  # Excel's (and LibreOffice's) characters per cell
SHEET_ROWS = 1_048_576  # rows per sheet, the header included
# key -> header of every column an export writes by default: the table's columns, each with the
# export-only ones beside it (the tenant's ID), and the payload (gui.eventlog.columns)
SHOWN: dict[str, str] = {key: columns.BY_KEY[key].header for key in columns.export_keys(columns.TABLE_KEYS)}
DEFAULT_SHOWN = tuple(SHOWN)


def shown_columns(table_keys: Iterable[str]) -> tuple[str, ...]:
    """The export's columns for the table's visible columns in their visual order (a column of
    one's own is its path, ``data.kind``), and the payload."""
    return columns.export_keys(tuple(table_keys))


_NULL = msgspec.Raw(b"null")
# the envelope fields the columns read, decoded in C, and the payload as its JSON text
_Event = msgspec.defstruct(
    "_Event", [*((f, Any, None) for f in columns.EXPORT_FIELDS), ("data", msgspec.Raw, _NULL)], gc=False
)
_EVENTS = msgspec.json.Decoder(list[_Event])  # type: ignore[valid-type]
_FIELDS = columns.EXPORT_FIELDS
# every field as its JSON text: an odd number (1e400) in one of them cannot stop the others
_RawEvent = msgspec.defstruct("_RawEvent", [(f, msgspec.Raw, _NULL) for f in (*_FIELDS, "data")], gc=False)
_RAW_EVENTS = msgspec.json.Decoder(list[_RawEvent])  # type: ignore[valid-type]


def _event(raw: Any) -> Any:
    """An event msgspec could not decode whole: each field read on its own (the payload as sent)."""
    return _Event(**{f: loads(getattr(raw, f)) for f in _FIELDS}, data=raw.data)


def cut(text: str, limit: int = CELL_LIMIT) -> tuple[str, bool]:
    """``text`` within ``limit`` characters; a longer one ends in a marker saying so."""
    if len(text) <= limit:
        return text, False
    marker = f"…[cut: {{}} of {len(text):,} characters; full event in the JSON Lines export]"
    keep = limit - len(marker.format(f"{limit:,}"))
    return text[:keep] + marker.format(f"{keep:,}"), True


@dataclass
class TableExport:
    """What an export wrote: rows, cells cut, and the files (more than one when split)."""

    rows: int = 0
    cut: int = 0
    files: list[Path] = field(default_factory=list)


class ShownRows(columns.Context):
    """Cells of events as the table shows them: the columns of ``keys`` (gui.eventlog.columns)."""

    def __init__(self, keys: Sequence[str], names: Mapping[str, str], local_time: bool) -> None:
        super().__init__(names, local_time)
        self.keys = list(keys)
        self.columns = [columns.column(key) for key in self.keys]  # ValueError: unknown column
        # (cell text, whether it is guarded against formulas) of each column
        self._cells = [(c.export, c.guard) for c in self.columns]
        self.cut = 0

    def header(self) -> list[str]:
        return [c.export_header(self) for c in self.columns]

    def cells(self, event: Any) -> list[str]:
        out = []
        for export, guard in self._cells:
            text, was_cut = cut(escape_cell(export(event, self)) if guard else export(event, self))
            self.cut += was_cut
            out.append(text)
        return out

    def rows(self, array_json: bytes) -> list[list[str]]:
        try:
            events = _EVENTS.decode(array_json)
        except (msgspec.ValidationError, msgspec.DecodeError):  # numbers msgspec cannot hold: one by one
            events = [_event(e) for e in _RAW_EVENTS.decode(array_json)]
        return [self.cells(e) for e in events]


def export_table(
    path: Path | str,
    arrays: Iterable[bytes],
    shown: ShownRows,
    *,
    bom: bool = False,
    total: int = 0,
    progress: Callable[[int, int], bool] | None = None,
    max_rows: int | None = None,
) -> TableExport:
    """Write the events of ``arrays`` (JSON arrays, as ``EventStore.json_arrays`` gives them) as
    the table shows them, atomically; with ``max_rows``, into ``NAME-1.csv``, ``NAME-2.csv``…
    of at most that many rows each (the header not counted)."""
    target = Path(path)
    result = TableExport()
    pending: list[list[str]] = []
    part = 0

    def parts() -> Iterable[list[list[str]]]:
        nonlocal pending
        for array_json in arrays:
            pending += shown.rows(array_json)
            while max_rows is not None and len(pending) >= max_rows:
                block, pending = pending[:max_rows], pending[max_rows:]
                yield block
        yield pending

    def write(rows: list[list[str]], into: Path) -> None:
        with atomic_file(into, "wb") as handle:
            out = _Writer(handle)
            try:
                if bom:
                    out.write(codecs.BOM_UTF8)
                lines = [",".join(_quoted(h) for h in shown.header())]
                lines += (",".join(_quoted(c) for c in row) for row in rows)
                out.write(("\r\n".join(lines) + "\r\n").encode())
            finally:
                out.close()

    if max_rows is None:  # one file, written a block at a time
        with atomic_file(target, "wb") as handle:
            out = _Writer(handle)
            try:
                if bom:
                    out.write(codecs.BOM_UTF8)
                out.write((",".join(_quoted(h) for h in shown.header()) + "\r\n").encode())
                for array_json in arrays:
                    rows = shown.rows(array_json)
                    if rows:
                        out.write(("\r\n".join(",".join(_quoted(c) for c in r) for r in rows) + "\r\n").encode())
                    result.rows += len(rows)
                    if progress is not None and not progress(result.rows, total):
                        raise Cancelled("export cancelled")
            finally:
                out.close()
        result.files.append(target)
    else:
        for rows in parts():
            if not rows and part:
                break
            part += 1
            into = target.with_name(f"{target.stem}-{part}{target.suffix}")
            write(rows, into)
            result.files.append(into)
            result.rows += len(rows)
            if progress is not None and not progress(result.rows, total):
                raise Cancelled("export cancelled")
    result.cut = shown.cut
    return result


def write_sidecar(export: Path, provenance: Mapping[str, Any]) -> Path:
    """Provenance beside an export (``NAME.csv.json``): what was exported, from where, with which
    filters, when and by which version; written atomically."""
    sidecar = export.with_name(export.name + ".json")
    body = {"exported_at": datetime.now().astimezone().isoformat("T", "seconds"), **provenance}
    with atomic_file(sidecar, "wb") as handle:
        handle.write(orjson.dumps(body, option=orjson.OPT_INDENT_2, default=str) + b"\n")
    return sidecar
