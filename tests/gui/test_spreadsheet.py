"""The CSV export opened by a real spreadsheet engine (Gnumeric's ssconvert, then read back with
openpyxl): the header in row 1 with the table's column names, the same number of cells in every
row, tenant names, times the engine recognises, no formula cell, payloads over 32,767 characters
cut and marked."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gui.api.events import Events
from gui.eventlog.table_export import CELL_LIMIT, SHOWN
from tests.gui.test_window import sequences, start

HOSTILE = ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "＝1+1", "﹦x", "\t=tab")


def read_back(csv_path: Path) -> list[list[Any]]:
    if shutil.which("ssconvert") is None:
        pytest.fail("ssconvert is missing: apt-get install gnumeric (.ci/run does)")
    xlsx = csv_path.with_suffix(".xlsx")
    subprocess.run(["ssconvert", str(csv_path), str(xlsx)], check=True, capture_output=True, timeout=120)
    with warnings.catch_warnings():  # Gnumeric's workbooks carry no default style; openpyxl says so
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows()]
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]  # no formula cell
    return [[c.value for c in row] for row in cells]


def add_hostile_rows(window: Any) -> None:
    raws = [
        b'{"sequence": %d, "previous": %d, "type": "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0", '
        b'"tenant_id": "%s", "subject": "%s", "time": "2026-12-01T10:00:00.123Z", "data": {"note": "%s"}}'
        % (
            10_000 + i,
            9_999 + i,
            text.encode("unicode_escape"),
            text.encode("unicode_escape"),
            text.encode("unicode_escape"),
        )
        for i, text in enumerate(HOSTILE)
    ]
    events, _ = Events.decode(b'{"events": [' + b",".join(raws) + b'], "offset": 20000}')
    window.events.append(events)
    window.model.add_rows(window.events.rows())


@pytest.mark.parametrize("selection", [False, True])
def test_an_export_opens_cleanly_in_a_spreadsheet(
    qtbot: Any, open_window: Any, tmp_path: Path, home: Path, selection: bool
) -> None:
    from gui.emulator import Emulator
    from tests.gui.conftest import saved_connection

    # payloads up to the 64 KB limit: some over 32,767 characters
    with Emulator(history=1500, seed=21) as em, saved_connection(em):
        window = open_window()
        start(qtbot, window, "earliest", until_rows=1500)
        window.stop()
        add_hostile_rows(window)
        if selection:
            window.table.selectAll()
        else:
            window.filter_edit.setText("tenant")  # a filtered export
            qtbot.waitUntil(lambda: 0 < window.model.rowCount() <= 1507 and not window.filtering.running, timeout=10000)
        target = tmp_path / "export.csv"
        done: list[Any] = []
        window.export_to(target, "csv", selection=selection, on_done=done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=60000)
        assert isinstance(done[0], int) and done[0] == window.model.rowCount()
        message = window.statusBar().currentMessage()

    rows = read_back(target)
    assert rows[0] == list(SHOWN.values())  # row 1: the header, the table's names
    assert len(rows) == done[0] + 1
    assert {len(row) for row in rows} == {len(SHOWN)}  # every row the same number of cells
    at = {key: i for i, key in enumerate(SHOWN)}
    seq, when, tenant, tenant_id, subject, payload = (
        at[k] for k in ("sequence", "time", "tenant", "tenant_id", "subject", "data")
    )
    body = rows[1:]
    assert [int(r[seq]) for r in body] == sequences(window)
    times = [r[when] for r in body]
    assert sum(hasattr(t, "year") for t in times) == len(times)  # recognised as times, every one
    uuid_like = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")
    assert all(uuid_like.match(str(r[tenant_id])) for r in body if r[seq] < 10_000)  # the tenant's ID...
    assert not [r[tenant] for r in body if r[seq] < 10_000 and uuid_like.match(str(r[tenant]))]  # ...and its name
    longest = max(len(str(c or "")) for row in rows for c in row)
    assert longest <= CELL_LIMIT
    marked = [r[payload] for r in body if "…[cut:" in str(r[payload])]
    assert marked and f"{len(marked):,} cells longer than" in message
    hostile = [r for r in body if r[seq] >= 10_000]
    assert len(hostile) == len(HOSTILE)
    for row, text in zip(hostile, HOSTILE, strict=True):
        assert row[subject] == "'" + text or row[subject] == text.lstrip("'")  # the text itself, never a result


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Any:
    """This process's local zone is New York's (UTC-05:00 in December) for the test."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_times_are_dates_in_a_spreadsheet_with_their_zone_in_the_header(
    qtbot: Any, open_window: Any, lab: Any, tmp_path: Path, new_york: Any
) -> None:
    """A time with an offset (2026-12-02T23:11:20.726-05:00) stays text in a spreadsheet: local
    times are written as the table shows them, and the zone goes to the header and the sidecar."""
    import json
    from datetime import UTC, datetime

    from gui.api.durations import parse_time

    window = open_window()
    start(qtbot, window, "earliest", until_rows=300)
    window.stop()
    window.time_zone_combo.setCurrentIndex(window.time_zone_combo.findData("local"))
    assert window.model.local_time
    target = tmp_path / "local.csv"
    done: list[Any] = []
    window.export_to(target, "csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    rows = read_back(target)
    when = list(SHOWN).index("time")
    now = datetime.now().astimezone()  # EST in winter, EDT in summer
    offset = f"UTC{now.strftime('%z')[:3]}:{now.strftime('%z')[3:]}"
    assert offset in ("UTC-05:00", "UTC-04:00") and rows[0][when] == f"Time (local, {offset})"
    sent = [window.events.event(window.model.row_id(r))["time"] for r in range(window.model.rowCount())]
    local = [parse_time(t).astimezone(UTC).astimezone().replace(tzinfo=None) for t in sent]
    read = [r[when] for r in rows[1:]]
    assert all(hasattr(t, "year") for t in read)  # dates, every one
    assert [t.replace(microsecond=t.microsecond // 1000 * 1000) for t in local] == read  # the same moments
    sidecar = json.loads(target.with_name(target.name + ".json").read_text(encoding="utf-8"))
    assert sidecar["times"] == "local" and sidecar["time_zone"] == f"{now.tzname()}, {offset}"
