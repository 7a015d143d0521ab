"""The event log core: decoding poll answers, the columnar store, filters and CSV export (no Qt)."""

from __future__ import annotations

import csv
import io
import math
import os
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from gui.api.events import Events, MalformedEvents
from gui.eventlog.columns import cell_text
from gui.eventlog.export import CsvWriter, csv_text, export_events
from gui.eventlog.filter import FilterSpec, RowFilter
from gui.eventlog.store import EventStore, prepare

CREATED = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"
UPDATED = "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0"


def event(seq: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{seq:012d}",
        "type": UPDATED,
        "time": f"2026-11-27T10:{seq // 60 % 60:02d}:{seq % 60:02d}Z",
        "ingest_time": f"2026-11-27T10:{seq // 60 % 60:02d}:{seq % 60:02d}.250Z",
        "sequence": seq,
        "previous": seq - 1,
        "source": "account-server",
        "subject": f"subject-{seq}",
        "tenant_id": f"tenant-{seq % 3}",
        "data": {"id": f"tenant-{seq % 3}", "name": f"Tenant Nº{seq % 3}", "note": f"note {seq}"},
    }
    base.update(fields)
    return base


def body(events: list[dict[str, Any]], offset: int | None = None) -> bytes:
    last = events[-1]["sequence"] if events else 0
    return orjson.dumps({"events": events, "offset": offset if offset is not None else last})


def test_events_decode_keeps_each_event_as_received_and_decodes_columns() -> None:
    sent = [event(1), event(2, previous=None, data="text"), event(3, type=CREATED)]
    events, offset = Events.decode(body(sent, offset=7))
    assert offset == 7 and len(events) == 3
    assert [orjson.loads(bytes(r)) for r in events.raws] == sent
    assert list(events.column("sequence")) == [1, 2, 3]
    assert list(events.column("previous")) == [0, None, 2]
    assert list(events.column("type")) == [UPDATED, UPDATED, CREATED]
    assert events[1] == sent[1] and list(events) == sent
    assert [e["sequence"] for e in events.take([0, 2])] == [1, 3]
    assert events.jsonl().count(b"\n") == 3 and orjson.loads(events.json_array()) == sent


@pytest.mark.parametrize(
    "answer",
    [
        b"<html>proxy</html>",
        b'{"events": [{"type": "x"}], "offset": 1}',  # no sequence
        b'{"events": [{"sequence": "1"}], "offset": 1}',  # not an integer
        b'{"events": [1, 2], "offset": 1}',
        b'{"events": []}',  # no offset
    ],
)
def test_malformed_answers_are_refused(answer: bytes) -> None:
    with pytest.raises(MalformedEvents):
        Events.decode(answer)


def filled(batches: list[int], cap: int = 1_000_000) -> tuple[EventStore, list[dict[str, Any]]]:
    """A store holding batches of the given sizes, and the events in it."""
    store = EventStore(cap=cap)
    sent: list[dict[str, Any]] = []
    for size in batches:
        batch = [event(len(sent) + i + 1) for i in range(size)]
        sent.extend(batch)
        store.append(Events.decode(body(batch))[0])
    return store, sent


@pytest.mark.parametrize("batches", [[100] * 7, [1] * 333, [37, 250, 3, 100, 1, 64]])
def test_every_event_reads_back_from_open_sealed_and_merged_chunks(batches: list[int]) -> None:
    store, sent = filled(batches)
    assert len(store) == len(sent)
    assert [store.event(row) for row in store.rows()] == sent
    assert list(store.events(store.rows())) == sent
    picked = [r for r in store.rows() if r % 7 in (0, 1, 2)]  # runs of consecutive rows and gaps
    arrays = [orjson.loads(a) for a in store.json_arrays(picked)()]
    assert [e for a in arrays for e in a] == [sent[r] for r in picked]
    middle = range(5, len(sent) - 3)  # a range (the unfiltered export) starting and ending inside chunks
    assert [e for a in store.json_arrays(middle)() for e in orjson.loads(a)] == sent[5:-3]
    assert any(c.packed is not None for c in store._layout[0]), "full blocks are compressed"


def test_a_subjects_events_are_found_exactly_and_survive_the_oldest_going() -> None:
    """The detail pane's history: every held event whose subject is exactly this one (not one
    that merely contains it), oldest first, also after the cap dropped the oldest."""
    sent = [event(n, subject=f"tenant-{n % 4}" if n % 5 else f"tenant-{n % 4}-x") for n in range(1, 501)]
    store = EventStore(cap=300)
    for i in range(0, 500, 100):
        store.append(Events.decode(body(sent[i : i + 100]))[0])
        store.trim()
    held = sent[-300:]
    assert store.subject_events("tenant-1") == [e for e in held if e["subject"] == "tenant-1"]
    assert len(store.subject_events("tenant-1")) == 60  # of the last 300: n % 4 == 1 and n % 5 != 0
    assert store.subject_events("nobody") == [] and EventStore().subject_events("tenant-1") == []


def test_a_snapshot_stays_valid_while_the_store_moves_on() -> None:
    store, sent = filled([30, 30])
    read = store.json_arrays(list(store.rows()))
    more = [event(61 + i) for i in range(200)]
    store.append(Events.decode(body(more))[0])  # merges and seals the chunks the snapshot holds
    assert [e for a in read() for e in orjson.loads(a)] == sent


def test_trim_drops_the_oldest_and_keeps_row_ids() -> None:
    store, sent = filled([100] * 5, cap=250)
    assert store.trim() == 250 and store.dropped == 250
    assert store.rows() == range(250, 500)
    assert store.event(250) == sent[250] and store.event(499) == sent[499]
    with pytest.raises(IndexError):
        store.raw_bytes(249)
    assert store.search(b"note 251", store.rows()).tolist() == [250]


def test_search_covers_id_subject_time_and_payload_case_insensitively() -> None:
    store, sent = filled([100, 5, 100])
    rows = store.rows()
    assert store.search(b"tenant n\xc2\xba1", rows).tolist() == [r for r in rows if sent[r]["sequence"] % 3 == 1]
    assert store.search(b"note 17", rows).tolist() == [16, *list(range(169, 179))]
    assert store.search(b"subject-204", rows).tolist() == [203]
    assert store.search(sent[150]["id"].encode(), rows).tolist() == [150]
    assert store.search(b"10:01:05", rows).tolist() == [64]
    assert store.search(b"nothing like this", rows).tolist() == []
    assert store.search(b"}", rows).tolist() == list(rows)  # one hit per event, however many it holds
    assert store.search(b'"', rows).tolist() == []  # quotes are not part of the search text
    assert store.search(b"note 1", range(5, 12)).tolist() == [9, 10, 11]


def test_event_times_are_read_for_time_filters_and_bad_ones_are_nan() -> None:
    store, sent = filled([150, 7])  # a sealed (compressed) block and an open chunk
    odd = [
        event(158, time="2026-11-27T10:02:38.123456789Z"),  # nanoseconds, as the service sends
        event(159, time=1764237758),  # not a string
        event(160, time="2026-11-27T10:02:40"),  # no time zone
        {k: v for k, v in event(161).items() if k != "time"},  # none
        event(162, time="2026-11-27T12:02:42+02:00"),
    ]
    store.append(Events.decode(body(odd))[0])
    when = store.times()
    assert len(when) == 162
    expected = [datetime.fromisoformat(e["time"]).timestamp() for e in sent]
    assert when[:157].tolist() == expected
    assert when[157] == datetime(2026, 11, 27, 10, 2, 38, 123456, tzinfo=UTC).timestamp()
    assert [math.isnan(w) for w in when[158:161]] == [True, True, True]
    assert when[161] == datetime(2026, 11, 27, 10, 2, 42, tzinfo=UTC).timestamp()


def test_row_filters_combine_text_interned_columns_time_and_cel() -> None:
    store, _sent = filled([50, 50])
    store.append(Events.decode(body([event(101, type=CREATED, tenant_id="tenant-1")]))[0])
    rows = store.rows()

    def kept(**spec: Any) -> list[int]:
        return RowFilter(FilterSpec(**spec)).apply(store, rows).tolist()

    assert kept(text="created") == [100]  # the type column, not the payload
    assert kept(text="Nº2 (tenant-2")[:2] == [1, 4]  # the tenant label built from payload names
    assert kept(text="account-server") == list(rows)
    assert kept(types=frozenset({CREATED})) == [100]
    assert kept(tenant="tenant-1", text="note 1") == [0, 9, 12, 15, 18, 99, 100]
    since, until = datetime(2026, 11, 27, 10, 0, 10, tzinfo=UTC), datetime(2026, 11, 27, 10, 0, 12, tzinfo=UTC)
    assert kept(since=since, until=until) == [9, 10, 11]
    assert kept(cel="sequence > 98 && data.id != 'tenant-0'") == [99, 100]


def test_names_gaps_and_cells() -> None:
    store = EventStore()
    store.append(Events.decode(body([event(1), event(5, previous=4)]))[0], gaps=[(2, 4)])
    assert store.gap_before == {1: 3}
    assert store.names["tenant-1"] == "Tenant Nº1"
    assert cell_text(store, 0, "tenant") == "Tenant Nº1 (tenant-1)" and cell_text(store, 1, "sequence") == "5"
    assert cell_text(store, 1, "subject") == "subject-5"
    assert store.append([event(6)]) == range(2, 3)  # parsed events are accepted too


TRICKY = [
    event(1, type='a "quoted", value', subject="=HYPERLINK()", data={"k": "line\nbreak", "q": '"'}),
    event(2, data="-2+3"),
    event(3, data=None, source="@cmd", id="x,y"),
    event(4, data=[1, "two"], previous=None),
    event(5, data=-7, subject="\ttab"),
    {"sequence": 6},
]


def test_bulk_csv_matches_the_cell_by_cell_path_on_tricky_values() -> None:
    fast, slow = io.StringIO(), io.StringIO()
    assert CsvWriter(fast).write_json(orjson.dumps(TRICKY)) == len(TRICKY)
    CsvWriter(slow).write(TRICKY)
    assert fast.getvalue() == slow.getvalue()
    rows = list(csv.reader(io.StringIO(fast.getvalue(), newline="")))
    assert rows[1][2] == 'a "quoted", value' and rows[1][4] == "'=HYPERLINK()"
    assert orjson.loads(rows[1][9]) == {"k": "line\nbreak", "q": '"'}
    assert rows[2][9] == "'-2+3" and rows[3][5] == "'@cmd" and rows[3][6] == "x,y" and rows[3][9] == ""
    assert rows[4][8] == "" and rows[5][9] == "-7" and rows[5][4] == "'\ttab" and rows[6][1:] == [""] * 9


def test_export_writes_jsonl_as_received_and_csv_with_header(tmp_path: Any) -> None:
    store, sent = filled([100, 20])
    target = tmp_path / "out.jsonl"
    assert export_events(target, store.json_arrays(store.rows())(), fmt="jsonl") == 120
    assert [orjson.loads(line) for line in target.read_bytes().splitlines()] == sent
    target = tmp_path / "out.csv"
    export_events(target, store.json_arrays(store.rows())(), comments=["a note"])
    text = target.read_bytes().decode()
    assert text.startswith("# a note\r\nsequence,time,type,")
    assert text == "# a note\r\n" + csv_text(sent)


def test_threads_prepare_and_read_at_once() -> None:
    """The consumer thread compresses while the UI thread seals and an export thread decompresses:
    each thread must use its own zstd context (sharing one fails or corrupts)."""
    import threading

    store, sent = filled([100] * 20)
    bodies = [body([event(10_000 + 100 * b + i) for i in range(100)]) for b in range(40)]
    errors: list[BaseException] = []

    def work(fn: Any) -> None:
        try:
            for _ in range(5):
                fn()
        except BaseException as err:  # reported below
            errors.append(err)

    def read() -> None:
        assert [e for a in store.json_arrays(range(2000))() for e in orjson.loads(a)] == sent

    def compress() -> None:
        for b in bodies:
            prepare(Events.decode(b)[0])

    threads = [threading.Thread(target=work, args=(f,)) for f in (read, compress, read, compress)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_held_events_cost_what_they_hold() -> None:
    """Memory held per event stays near its compressed JSON plus search text: a library returning an
    over-allocated buffer (zstandard's compress, orjson's dumps) would double it unnoticed."""
    import gc
    import tracemalloc

    bodies = [body([event(100 * b + i + 1) for i in range(100)]) for b in range(30)]
    gc.collect()
    tracemalloc.start()
    try:
        store = EventStore()
        for b in bodies:
            store.append(Events.decode(b)[0])
        gc.collect()
        traced, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    chunks = store._layout[0]
    held = sum(len(c.text.blob) + (len(c.packed[0]) if c.packed else 0) for c in chunks)
    assert held > 0 and traced < 1.5 * held + 200_000, (traced, held)


def test_type_filters_use_per_type_rows_that_survive_a_trim() -> None:
    store = EventStore(cap=150)
    sent = [event(i + 1, type=CREATED if i % 4 == 0 else UPDATED) for i in range(200)]
    for i in range(0, 200, 50):
        store.append(Events.decode(body(sent[i : i + 50]))[0])
        store.trim()
    rows = store.rows()
    expected = [r for r in rows if sent[r]["type"] == CREATED]
    assert RowFilter(FilterSpec(types=frozenset({CREATED}))).apply(store, rows).tolist() == expected
    assert RowFilter(FilterSpec(text="created")).apply(store, rows).tolist() == expected
    both = RowFilter(FilterSpec(types=frozenset({CREATED, UPDATED}))).apply(store, range(60, 70)).tolist()
    assert both == list(range(60, 70))


def test_tenants_match_by_id_name_and_label_as_names_are_learned() -> None:
    store = EventStore()
    other = "99999999-0000-4000-8000-000000000001"
    store.append(Events.decode(body([event(1, tenant_id=other, data={"x": 1})]))[0])
    rows = store.rows()

    def kept(text: str) -> list[int]:
        return RowFilter(FilterSpec(text=text)).apply(store, rows).tolist()

    assert kept(other) == [0] and kept("acme") == []  # by full ID; no name known yet
    store.append(Events.decode(body([event(2, data={"id": other, "name": "ACME Corp"})]))[0])
    rows = store.rows()
    assert kept("acme") == [0, 1]  # row 0 by its tenant's name, learned from row 1's payload
    assert kept("corp (99999999)") == [0]  # the label shown in the Tenant column


def test_a_search_made_in_advance_gives_what_a_scan_gives() -> None:
    """The consumer thread searches each batch for the text filter as it arrives; the store uses
    that only for the same needle and a whole chunk, and scans otherwise."""
    sent = [event(i + 1) for i in range(250)]
    ahead, plain = EventStore(), EventStore()
    for part in (sent[:100], sent[100:103], sent[103:250]):
        events = Events.decode(body(part))[0]
        events.prepared = prepare(events, b"note 1")
        ahead.append(events)
        plain.append(Events.decode(body(part))[0])
    assert any(c.hits is not None for c in ahead._layout[0])
    for needle, rows in ((b"note 1", ahead.rows()), (b"note 1", range(5, 120)), (b"note 2", ahead.rows())):
        assert ahead.search(needle, rows).tolist() == plain.search(needle, rows).tolist()
    assert ahead.search(b"note 1", ahead.rows()).tolist() == [
        r for r in ahead.rows() if b"note 1" in f"note {r + 1}".encode()
    ]


def test_tenant_names_learned_once_and_relearned_when_they_change() -> None:
    store = EventStore()
    store.append(Events.decode(body([event(1), event(2)]))[0])
    assert store.names == {"tenant-1": "Tenant Nº1", "tenant-2": "Tenant Nº2"}
    renamed = event(4, data={"id": "tenant-1", "name": "Renamed"})
    store.append(Events.decode(body([event(3), renamed]))[0])
    assert store.names["tenant-1"] == "Renamed"
    assert store.tenant_keys[store.tenants.get("tenant-1")] == "tenant-1\x1frenamed"


@pytest.mark.parametrize(
    "columns", [("data",), ("data", "sequence"), ("sequence", "data", "type"), ("time", "previous", "data")]
)
def test_bulk_csv_puts_payload_quotes_right_wherever_the_column_is(columns: tuple[str, ...]) -> None:
    events = [event(i + 1, data={"q": 'say "hi"', "n": i, "l": [1, {"x": "a,b"}]}) for i in range(5)]
    events[2]["previous"] = None
    fast, slow = io.StringIO(), io.StringIO()
    CsvWriter(fast, columns).write_json(orjson.dumps(events))
    CsvWriter(slow, columns).write(events)
    assert fast.getvalue() == slow.getvalue()
    rows = list(csv.reader(io.StringIO(fast.getvalue(), newline="")))
    assert [orjson.loads(r[columns.index("data")]) for r in rows[1:]] == [e["data"] for e in events]


def test_a_failed_write_in_the_writer_thread_reaches_the_export(tmp_path: Any) -> None:
    import errno

    from gui.eventlog import export

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    writer = export._Writer(Full())  # type: ignore[arg-type]
    writer.write(b"x")
    with pytest.raises(OSError, match="No space left"):
        writer.close()
    store, _ = filled([100])
    target = tmp_path / "out.csv"
    with pytest.raises(export.Cancelled):
        export_events(target, store.json_arrays(list(store.rows()))(), progress=lambda done, total: False)
    assert not target.exists() and not list(tmp_path.iterdir())  # nothing left behind


def test_the_writer_hands_the_file_to_the_disk_as_it_grows(tmp_path: Any, monkeypatch: Any) -> None:
    """A large export goes to the disk while it is written, not all at the end: each new part is
    handed over without waiting for it."""
    from gui.eventlog import export

    calls: list[tuple[int, int, int]] = []
    monkeypatch.setattr(export, "_advise", lambda fd, start, length, advice: calls.append((start, length, advice)))
    mb = 1 << 20
    with open(tmp_path / "out.bin", "wb") as handle:
        writer = export._Writer(handle, sync_bytes=2 * mb)
        for i in range(7):
            writer.write(bytes([i]) * mb)
        writer.close()
    assert calls == [
        (0, 2 * mb, os.POSIX_FADV_DONTNEED),
        (2 * mb, 2 * mb, os.POSIX_FADV_DONTNEED),
        (4 * mb, 2 * mb, os.POSIX_FADV_DONTNEED),
    ]
    assert (tmp_path / "out.bin").read_bytes() == b"".join(bytes([i]) * mb for i in range(7))


def test_search_text_of_a_batch_keeps_events_apart() -> None:
    """The batch's search text is made in one piece and cut at a separator JSON never holds:
    each event keeps its own text, whatever its payload (line breaks, quotes, empty)."""
    events = [
        event(1, data={"note": "line\nbreak", "q": 'say "hi"'}),
        event(2, data={}),
        event(3, data=None),
        event(4, data="Plain TEXT"),
    ]
    prepared = prepare(Events.decode(body(events))[0])
    texts = [prepared.chunk.text.item(k) for k in range(4)]
    assert b"line\\nbreak" in texts[0] and b"say \\hi\\" in texts[0] and b'"' not in b"".join(texts)
    assert texts[3].endswith(b"plain text") and b"plain" not in b"".join(texts[:3])
    assert len(prepare(Events.decode(body([]))[0]).chunk) == 0


def test_text_finds_sequences_and_times_as_the_table_shows_them() -> None:
    sent = [event(i + 1, id="an-id", subject="s", data={"n": "x"}) for i in range(150)]
    store = EventStore()
    store.append(Events.decode(body(sent))[0])

    def rows(text: str) -> list[int]:
        return RowFilter(FilterSpec(text=text)).apply(store, store.rows()).tolist()

    assert rows("137") == [136]  # the Sequence column
    assert rows("2026-11-27 10:01:05") == [64]  # as shown (a space), sent with a "T"
    assert rows("2026-11-27T10:01:05") == [64]


def test_a_time_typed_as_shown_in_local_time_finds_the_events_of_that_time(india_time: None) -> None:
    """With the table in local time, a time typed as the table shows it is local; events carry UTC."""
    sent = [event(i + 1, id="an-id", subject="s", data={"n": "x"}) for i in range(150)]
    store = EventStore()
    store.append(Events.decode(body(sent))[0])

    def rows(text: str, local: bool) -> list[int]:
        return RowFilter(FilterSpec(text=text, local_time=local)).apply(store, store.rows()).tolist()

    assert rows("2026-11-27 15:31:05", local=True) == [64]  # 10:01:05 UTC, shown as 15:31:05
    assert rows("2026-11-27T15:31", local=True) == list(range(59, 119))
    assert rows("15:31:05", local=True) == [64]
    assert rows("15:31:05", local=False) == [] and rows("2026-11-27 10:01:05", local=True) == []
    assert rows("2026-11-27 10:01:05", local=False) == [64]
    assert rows("99:99", local=True) == []  # no valid time: searched as typed


def test_filtering_in_slices_gives_what_one_pass_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = filled([100, 37, 100, 5, 100])
    specs = [FilterSpec(text="note 1"), FilterSpec(text="tenant nº2"), FilterSpec(types=frozenset({UPDATED}), text="1")]
    whole = [RowFilter(spec).apply(store, store.rows()).tolist() for spec in specs]
    monkeypatch.setattr(RowFilter, "SLICE_ROWS", 7)
    assert [RowFilter(spec).apply(store, store.rows()).tolist() for spec in specs] == whole
    assert all(whole)
    stop_now = RowFilter(specs[0]).apply(store, store.rows(), cancelled=lambda: True)
    assert stop_now.tolist() == []


def test_a_replaced_cel_filter_stops_between_small_slices() -> None:
    store = EventStore()
    store.append([{"sequence": n, "type": "t", "tenant_id": "x", "source": "s"} for n in range(1, 5001)])
    row_filter = RowFilter(FilterSpec(cel="sequence % 2 == 0"))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # replaced after its first slice

    assert len(row_filter.apply(store, store.rows(), cancelled)) == RowFilter.CEL_SLICE_ROWS // 2
    assert len(RowFilter(FilterSpec(cel="sequence % 2 == 0")).apply(store, store.rows())) == 2500


def test_batch_times_made_with_the_batch_agree_with_the_stored_events() -> None:
    from gui.api.events import Events
    from gui.eventlog.store import EventStore, _epoch, epoch_of, prepare

    times = ["2026-12-02T01:35:18.383Z", "2026-12-02T01:35:18Z", "2026-12-02T03:35:18.5+02:00", "not a time", None]
    for text in times[:3]:
        assert epoch_of(orjson.dumps(text)) == pytest.approx(_epoch(text), abs=1e-6)
    assert math.isnan(epoch_of(b'"not a time"')) and math.isnan(epoch_of(b"null"))
    events = [
        {"sequence": i + 1, "type": "t", "tenant_id": "x", "time": t, "source": "s", "subject": "", "id": ""}
        for i, t in enumerate(times)
    ]
    store = EventStore()
    batch = Events.from_dicts(events)
    batch.prepared = prepare(batch, times=True)
    store.append(batch)
    made = list(store.times())
    lazily = EventStore()
    lazily.append(events)  # no times made with it: read back from the stored JSON
    read = list(lazily.times())
    assert len(made) == len(read) == 5
    for a, b in zip(made, read, strict=True):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-6)


def test_sorting_by_delay_reads_both_times_and_puts_the_unknown_first() -> None:
    from gui.api.durations import delay_text
    from gui.eventlog.sorting import sort_rows

    sent = "2026-12-02T01:00:00.000Z"
    ingested = ["2026-12-02T01:00:00.2004Z", "2026-12-02T01:00:12Z", None, "2026-12-02T01:00:00.2001Z"]
    events = [
        {"sequence": i + 1, "type": "t", "tenant_id": "x", "time": sent, "ingest_time": at, "source": "s"}
        for i, at in enumerate(ingested)
    ]
    store = EventStore()
    store.append(events)
    order = list(sort_rows(store, store.rows(), "delay"))
    assert order == [2, 3, 0, 1]  # no delay, 200.1 ms, 200.4 ms (the same "200 ms" shown), 12 s
    assert [cell_text(store, r, "delay") for r in order] == ["", "200 ms", "200 ms", "12.0 s"]
    assert delay_text(sent, "not a time") == "" and list(sort_rows(store, store.rows(), "delay", True)) == order[::-1]


@pytest.mark.parametrize("missing", [("posix_fadvise",), ("posix_fadvise", "fdatasync")])
def test_an_export_past_the_sync_threshold_completes_where_posix_calls_are_missing(
    tmp_path: Any, monkeypatch: Any, missing: tuple[str, ...]
) -> None:
    """macOS has neither posix_fadvise nor fdatasync, Windows neither: an export large enough to be
    handed to the disk as it grows syncs with what there is (fsync) and completes."""
    from gui.eventlog import export

    monkeypatch.setattr(export, "_advise", None)
    for name in missing:
        monkeypatch.delattr(os, name, raising=False)
    synced: list[int] = []
    for name in ("fsync", "fdatasync"):
        if hasattr(os, name):
            call = getattr(os, name)
            monkeypatch.setattr(os, name, lambda fd, call=call: (synced.append(fd), call(fd))[1])
    monkeypatch.setattr(export, "SYNC_BYTES", 4096)
    store, _ = filled([300])
    target = tmp_path / "out.csv"
    assert export_events(target, store.json_arrays(list(store.rows()))()) == 300
    assert len(target.read_text(encoding="utf-8").splitlines()) == 301
    assert len(synced) >= 2  # handed to the disk along the way, and at the end
