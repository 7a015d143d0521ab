"""CSV and JSON Lines writing of events, safe for spreadsheets (Qt-free).

CSV is RFC 4180 (quoted where needed, CRLF line ends; events are decoded a block at a time in C
and cells are checked a column at a time, so a million rows take seconds), UTF-8 with an optional BOM for Excel; a cell
that begins with ``= + - @``, a tab or a carriage return gets a leading apostrophe so a
spreadsheet shows it as text instead of running it as a formula. Files are written atomically:
to a temporary file beside the target, renamed into place only when complete.
"""

from __future__ import annotations

import codecs
import io
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import msgspec
import stringzilla as sz

from gui.api.events import dumps_text, loads

# what a spreadsheet may run as a formula: = + - @, tab and CR, and their full-width and small
# look-alikes (some spreadsheets fold those to ASCII before they parse a cell)
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63")

# column key -> header; the order is the default order of an export
COLUMNS: dict[str, str] = {
    "sequence": "sequence",
    "time": "time",
    "type": "type",
    "tenant_id": "tenant_id",
    "subject": "subject",
    "source": "source",
    "id": "id",
    "ingest_time": "ingest_time",
    "previous": "previous",
    "data": "data",
}
DEFAULT_COLUMNS = tuple(COLUMNS)
# `tail --format csv`: the raw fields and, beside the tenant's ID, its name (from ``names``)
TAIL_COLUMNS = ("sequence", "time", "type", "tenant_id", "tenant_name", *DEFAULT_COLUMNS[4:])


def escape_cell(value: Any) -> str:
    """A value as CSV cell text, neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        return str(value)  # numbers are data; a negative number is not a formula
    elif isinstance(value, str):
        text = value
    else:
        text = dumps_text(value)
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


class _Row(msgspec.Struct, gc=False):
    """The exportable fields of an event, decoded in C; the payload stays JSON text."""

    sequence: int | None = None
    time: str | None = None
    type: str | None = None
    tenant_id: str | None = None
    subject: str | None = None
    source: str | None = None
    id: str | None = None
    ingest_time: str | None = None
    previous: int | None = None
    data: msgspec.Raw = msgspec.Raw(b"null")


_ROWS = msgspec.json.Decoder(list[_Row])
_SPANS = msgspec.json.Decoder(list[msgspec.Raw])
_NEEDS_QUOTES = ('"', ",", "\r", "\n")
_STARTS_FORMULA = re.compile("\x1f[" + re.escape("".join(_DANGEROUS)) + "]")  # one pass: 6x faster than six `in`


def _text_column(values: list[str | None]) -> list[bytes]:
    """Cells of one column. The common case (no value missing, needing quotes or starting like a
    formula) is checked with a few C-level substring scans of the whole column."""
    if None not in values:
        joined = "\x1f" + "\x1f".join(values)  # type: ignore[arg-type]
        if not any(s in joined for s in _NEEDS_QUOTES) and _STARTS_FORMULA.search(joined) is None:
            return joined[1:].encode().split(b"\x1f")
    return [_quoted(escape_cell(v)).encode() for v in values]


def _data_column(values: list[msgspec.Raw]) -> tuple[list[bytes], bool]:
    """Payload cells: the JSON text as bytes (never decoded), and whether the caller must put the
    quotes around them. Objects and arrays (the common case) take a few C-level passes over the
    whole column (JSON text never holds a raw control character such as 0x1f) and leave the
    quotes to the row separators; other payloads come quoted as needed."""
    joined = b"\x1f".join(values)
    if joined[:1] in (b"{", b"[") and sz.count(joined, b"\x1f{") + sz.count(joined, b"\x1f[") == len(values) - 1:
        return joined.replace(b'"', b'""').split(b"\x1f"), True
    out = []
    for raw in values:
        text = bytes(raw)
        if text[:1] in (b"{", b"["):
            out.append(b'"' + text.replace(b'"', b'""') + b'"')
        else:  # a string, number, boolean or null payload: the value itself, as a cell
            out.append(_quoted(escape_cell(loads(text))).encode())
    return out, False


def _quoted(cell: str) -> str:
    if '"' in cell or "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _int_column(values: list[int | None]) -> list[bytes]:
    texts = map(str, values) if None not in values else ("" if v is None else str(v) for v in values)
    return "\x1f".join(texts).encode().split(b"\x1f")


class CsvWriter:
    """Writes rows of events as RFC 4180 CSV (CRLF line ends, UTF-8) to a binary stream, or to a
    text stream (standard output, a StringIO)."""

    def __init__(
        self,
        stream: IO[bytes] | IO[str],
        columns: Sequence[str] = DEFAULT_COLUMNS,
        *,
        comments: Iterable[str] = (),
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.names: Mapping[str, str] = names if names is not None else {}  # tenant ID -> name, for tenant_name
        unknown = [c for c in columns if c not in COLUMNS and c != "tenant_name"]
        if unknown:
            raise ValueError(f"unknown columns: {', '.join(unknown)}")
        self.columns = list(columns)
        if isinstance(stream, io.TextIOBase):
            text_stream = stream
            self._write: Callable[[bytes], object] = lambda data: text_stream.write(data.decode())
        else:
            self._write = stream.write  # type: ignore[assignment]
        # one quoted cell per line: text in it (a filter typed as `x,=cmd|...`) can never start a cell
        lines = [_quoted("# " + line.replace("\r", " ").replace("\n", " ")) for line in comments]
        lines.append(",".join(COLUMNS.get(c, c) for c in self.columns))
        self._write(("\r\n".join(lines) + "\r\n").encode())

    def write_json(self, events_json: bytes) -> int:
        """Write the events of a JSON array (as the store and the API hold them); returns how many."""
        try:
            rows = _ROWS.decode(events_json)
        except msgspec.ValidationError:  # a field of an unexpected type: the general path
            return self.write(loads(events_json))
        if rows:
            # the block is one join over cells and separators, row after row; a separator may
            # carry the quotes of the cells beside it (payloads)
            flat: list[Any] = []
            before = b""
            values: list[Any]
            for column in self.columns:
                if column == "tenant_name":
                    values = [
                        self.names.get(t) if isinstance(t, str) else None for t in map(attrgetter("tenant_id"), rows)
                    ]
                else:
                    values = list(map(attrgetter(column), rows))
                quote = b""
                if column == "data":
                    cells, quoted_by_us = _data_column(values)
                    quote = b'"' if quoted_by_us else b""
                elif column in ("sequence", "previous"):
                    cells = _int_column(values)
                else:
                    cells = _text_column(values)
                flat += (repeat(before + quote), cells)
                before = quote + b","
            flat.append(repeat(before[:-1] + b"\r\n"))
            self._write(b"".join(chain.from_iterable(zip(*flat, strict=False))))  # the repeats are endless
        return len(rows)

    def _value(self, event: dict[str, Any], column: str) -> Any:
        if column == "tenant_name":
            tenant = event.get("tenant_id")
            return self.names.get(tenant) if isinstance(tenant, str) else None
        return event.get(column)

    def write(self, events: Iterable[dict[str, Any]]) -> int:
        """Write parsed events; returns how many."""
        events = list(events)
        if events:
            lines = (",".join(_quoted(escape_cell(self._value(e, c))) for c in self.columns) for e in events)
            self._write(("\r\n".join(lines) + "\r\n").encode())
        return len(events)


def csv_text(events: Iterable[dict[str, Any]], columns: Sequence[str] = DEFAULT_COLUMNS) -> str:
    buffer = io.StringIO()
    CsvWriter(buffer, columns).write(events)
    return buffer.getvalue()


@contextmanager
def atomic_file(path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it into place only if the block succeeds. A
    target that exists and is no regular file (a terminal, a pipe, /dev/stdout) is written to
    directly: renaming over it would replace the device with a file."""
    target = Path(path)
    kwargs: dict[str, Any] = {"newline": ""} if "b" not in mode else {}
    if target.exists() and not target.is_file():
        with open(target, mode, encoding=encoding if "b" not in mode else None, **kwargs) as direct:
            yield direct
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class Cancelled(Exception):
    """The export was cancelled; nothing was written at the target path."""


SYNC_BYTES = 16 << 20  # a file being written is handed to the disk every this many bytes


class _Writer:
    """Writes to a file from a thread of its own, so that writing one block overlaps making the
    next (file writes release the GIL). The disk works while the file grows rather than all at the
    end: every ``sync_bytes`` the new part is handed to it without waiting (``posix_fadvise``
    DONTNEED starts writing dirty pages back on Linux, and lets the written ones leave the page
    cache, so a large export does not push other programs' files out of memory); the caller's
    final fsync waits for what is left. Where that call is missing (macOS, Windows), the part is
    synced: ``os.fdatasync``, or ``os.fsync`` where that is missing too.
    An error in the thread is raised by the next call."""

    def __init__(self, handle: IO[bytes], sync_bytes: int | None = None) -> None:
        self._handle = handle
        self._sync_bytes = SYNC_BYTES if sync_bytes is None else sync_bytes
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="export-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _run(self) -> None:
        handle = self._handle
        written = started = 0  # bytes written; where the part not yet handed to the disk starts
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the caller stops at its next write
            try:
                handle.write(data)
                written += len(data)
                if written - started >= self._sync_bytes:
                    handle.flush()
                    try:
                        if _advise is not None:
                            _advise(handle.fileno(), started, written - started, _WRITE_BACK)
                        else:
                            _sync(handle.fileno())
                    except OSError:  # a pipe or a terminal (written directly) has no page cache to hand over
                        pass
                    started = written
            except BaseException as err:  # handed over to the caller
                self._error = err

    def close(self) -> None:
        """Wait for everything queued to be written; raise what went wrong, if anything."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


_advise: Callable[[int, int, int, int], None] | None = getattr(os, "posix_fadvise", None)  # not on Windows
_WRITE_BACK = getattr(os, "POSIX_FADV_DONTNEED", 4)


def _sync(fd: int) -> None:
    """The part written so far to the disk: fdatasync where there is one (Linux), else fsync
    (macOS and Windows have no fdatasync; looked up at each call so a test can take it away)."""
    getattr(os, "fdatasync", os.fsync)(fd)


def export_events(
    path: Path | str,
    arrays: Iterable[bytes],
    *,
    fmt: str = "csv",
    columns: Sequence[str] = DEFAULT_COLUMNS,
    bom: bool = False,
    comments: Iterable[str] = (),
    total: int = 0,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Write events to ``path`` atomically; ``arrays`` are JSON arrays of events (as
    ``EventStore.json_arrays`` gives them). ``progress(done, total)`` returning False cancels.

    Returns the number of events written.
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError("format must be csv or jsonl")
    written = 0
    with atomic_file(path, "wb") as handle:
        out = _Writer(handle)
        try:
            if bom and fmt == "csv":
                out.write(codecs.BOM_UTF8)
            writer = CsvWriter(out, columns, comments=comments) if fmt == "csv" else None  # type: ignore[arg-type]
            for array_json in arrays:
                if writer is not None:
                    written += writer.write_json(array_json)
                else:
                    spans = _SPANS.decode(array_json)
                    if spans:
                        out.write(b"\n".join(spans) + b"\n")
                    written += len(spans)
                if progress is not None and not progress(written, total):
                    raise Cancelled("export cancelled")
        finally:
            out.close()
    return written
