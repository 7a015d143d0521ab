"""Odd but valid JSON and hostile text: numbers beyond a double or 64 bits, deep nesting,
formula look-alikes, provenance that tries to start a cell. Nothing raises where it should not,
nothing is lost, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from gui.api.events import Events, MalformedEvents, dumps_pretty
from gui.eventlog.columns import cell_text
from gui.eventlog.export import CsvWriter, escape_cell, export_events
from gui.eventlog.store import EventStore

HUGE = b'{"sequence": 5, "previous": 4, "type": "t", "tenant_id": "x", "time": "2026-12-01T10:00:00Z", "data": {"n": 1e400, "big": 1180591620717411303424}}'


def answer(*events: bytes, offset: int = 6) -> bytes:
    return b'{"events": [' + b",".join(events) + b'], "offset": ' + str(offset).encode() + b"}"


def test_a_payload_beyond_a_double_or_64_bits_is_read_shown_and_exported(tmp_path: Path) -> None:
    events, _ = Events.decode(answer(HUGE))
    assert math.isinf(events[0]["data"]["n"]) and events[0]["data"]["big"] == 2**70
    store = EventStore()
    rows = store.append(events)
    assert cell_text(store, rows[0], "sequence") == "5" and store.event(rows[0])["data"]["big"] == 2**70
    assert "1180591620717411303424" in dumps_pretty(store.event(rows[0]))  # the detail view's text
    path = tmp_path / "odd.csv"
    assert export_events(path, [events.json_array()]) == 1  # written, not the batch lost
    written = list(csv.reader(io.StringIO(path.read_text())))
    assert any("1180591620717411303424" in cell for cell in written[-1])


def test_deep_nesting_and_sequences_beyond_int64_are_malformed_answers() -> None:
    deep = b'{"sequence": 1, "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(MalformedEvents, match="nested too deeply"):
        Events.decode(answer(deep))
    with pytest.raises(MalformedEvents, match="9223372036854775807"):
        Events.decode(answer(b'{"sequence": 1180591620717411303424}'))
    with pytest.raises(MalformedEvents):
        Events.decode(answer(b'{"sequence": 1}', offset=2**70))


@pytest.mark.parametrize("text", ["＝1+1", "＋cmd", "－2", "＠SUM(A1)", "﹦x", "﹢x", "﹣x"])
def test_full_width_and_small_formula_look_alikes_are_prefixed(text: str) -> None:
    assert escape_cell(text) == "'" + text
    events, _ = Events.decode(answer(b'{"sequence": 1, "subject": "' + text.encode() + b'"}', offset=2))
    out = io.StringIO()
    CsvWriter(out, ("sequence", "subject")).write_json(events.json_array())
    assert out.getvalue().splitlines()[-1] == f"1,'{text}"


def test_provenance_can_never_start_a_formula_cell() -> None:
    out = io.StringIO()
    CsvWriter(out, ("sequence",), comments=["filter text='x,=cmd|' /C calc'!A0'"])
    first = next(csv.reader(io.StringIO(out.getvalue())))
    assert len(first) == 1 and first[0].startswith("# ")  # one cell, the whole line


def test_an_export_over_a_sheets_rows_is_split_and_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    from gui.eventlog.table_export import ShownRows, export_table, shown_columns

    raws = [b'{"sequence": %d, "type": "t", "time": "2026-12-01T10:00:00Z"}' % n for n in range(1, 8)]
    array = b"[" + b",".join(raws) + b"]"
    shown = ShownRows(shown_columns(("sequence", "time")), {}, local_time=False)
    result = export_table(tmp_path / "big.csv", [array], shown, max_rows=3)
    assert [f.name for f in result.files] == ["big-1.csv", "big-2.csv", "big-3.csv"] and result.rows == 7
    parts = [list(csv.reader(io.StringIO(f.read_text()))) for f in result.files]
    assert [len(p) for p in parts] == [4, 4, 2]  # each with its header
    assert all(p[0] == ["Sequence", "Time", "Payload"] for p in parts)
    fifo = tmp_path / "pipe"
    import os
    import threading

    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    export_table(fifo, [array], shown)
    reader.join(10)
    assert fifo.exists() and not fifo.is_file()  # still the pipe, not a file renamed over it
    assert got and got[0].startswith(b"Sequence,Time,Payload")


def test_an_event_nested_300_deep_is_read_and_shown() -> None:
    deep = b'{"sequence": 1, "data": ' + b"[" * 300 + b"]" * 300 + b"}"
    events, _ = Events.decode(answer(deep, offset=2))
    store = EventStore()
    rows = store.append(events)
    assert cell_text(store, rows[0], "sequence") == "1"
    assert dumps_pretty(store.event(rows[0])).count("[") == 300  # orjson stops at 255 levels; shown anyway


def test_the_table_export_writes_an_event_whose_field_is_beyond_a_double() -> None:
    from gui.eventlog.columns import TABLE_KEYS
    from gui.eventlog.table_export import ShownRows, shown_columns

    shown = ShownRows(shown_columns(TABLE_KEYS), {}, local_time=False)
    rows = shown.rows(b'[{"sequence": 5, "type": "t", "subject": 1e400, "data": {"n": 1e400}}]')
    assert rows[0][0] == "5" and rows[0][-1] == '{"n": 1e400}'  # the payload as sent, not lost
