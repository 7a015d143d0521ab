"""CSV and JSON Lines writing of events, safe for spreadsheets (Qt-free).

CSV is RFC 4180 (quoted where needed, CRLF line ends), UTF-8 with an optional BOM for Excel; a cell
that begins with ``= + - @``, a tab or a carriage return gets a leading apostrophe so a
spreadsheet shows it as text instead of running it as a formula. Files are written atomically:
to a temporary file beside the target, renamed into place only when complete.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

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
        text = orjson.dumps(value).decode()
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


def event_cells(event: dict[str, Any], columns: Sequence[str]) -> list[str]:
    return [escape_cell(event.get(column)) for column in columns]


class CsvWriter:
    """Writes rows of events to a text stream."""

    def __init__(
        self, stream: IO[str], columns: Sequence[str] = DEFAULT_COLUMNS, *, comments: Iterable[str] = ()
    ) -> None:
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise ValueError(f"unknown columns: {', '.join(unknown)}")
        self.columns = list(columns)
        self._stream = stream
        for line in comments:
            stream.write("# " + line.replace("\r", " ").replace("\n", " ") + "\r\n")
        self._writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._writer.writerow([COLUMNS[c] for c in self.columns])

    def write(self, events: Iterable[dict[str, Any]]) -> None:
        columns = self.columns
        self._writer.writerows(event_cells(e, columns) for e in events)


def jsonl(events: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def csv_text(events: Iterable[dict[str, Any]], columns: Sequence[str] = DEFAULT_COLUMNS) -> str:
    buffer = io.StringIO()
    CsvWriter(buffer, columns).write(events)
    return buffer.getvalue()


@contextmanager
def atomic_file(path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it into place only if the block succeeds."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        kwargs: dict[str, Any] = {"newline": ""} if "b" not in mode else {}
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


def export_events(
    path: Path | str,
    events: Iterable[dict[str, Any]],
    *,
    fmt: str = "csv",
    columns: Sequence[str] = DEFAULT_COLUMNS,
    bom: bool = False,
    comments: Iterable[str] = (),
    total: int = 0,
    progress: Callable[[int, int], bool] | None = None,
    chunk: int = 5000,
) -> int:
    """Write events to ``path`` atomically; ``progress(done, total)`` returning False cancels.

    Returns the number of rows written.
    """
    written = 0
    with atomic_file(path, "w", encoding="utf-8-sig" if bom and fmt == "csv" else "utf-8") as handle:
        writer = CsvWriter(handle, columns, comments=comments) if fmt == "csv" else None
        if fmt not in ("csv", "jsonl"):
            raise ValueError("format must be csv or jsonl")
        block: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal written
            if writer is not None:
                writer.write(block)
            else:
                handle.write(jsonl(block).decode())
            written += len(block)
            block.clear()
            if progress is not None and not progress(written, total):
                raise Cancelled("export cancelled")

        for event in events:
            block.append(event)
            if len(block) >= chunk:
                flush()
        flush()
    return written
