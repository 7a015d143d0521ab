"""The command line as an administrator runs it: real processes, real HTTP, real signals."""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from gui.storage import StateStore
from tests.conftest import ALL_TENANT_TYPES, LineReader, cli, finish


@dataclass
class Running:
    url: str
    client_id: str
    env: dict[str, str]


@pytest.fixture
def emulator_process(request: pytest.FixtureRequest, home: Path) -> Iterator[Running]:
    extra = getattr(request, "param", ["--history", "5000", "--rate", "50"])
    proc = cli(
        "emulator",
        "--world",
        "simple",
        *extra,
        "--client-id",
        "11111111-2222-4333-8444-555555555555",
        "--client-secret",
        "s3cret",
    )
    reader = LineReader(proc.stdout)
    banner = reader.wait_for(lambda line: "url=" in line, 60)
    fields = dict(part.split("=", 1) for part in banner.split() if "=" in part)
    env = dict(os.environ, EVENT_MONITOR_HOME=str(home), EVENT_MONITOR_CLIENT_SECRET="s3cret")
    try:
        yield Running(fields["url"], fields["client_id"], env)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        finish(proc)


def connection(run: Running) -> list[str]:
    return ["--url", run.url, "--client-id", run.client_id]


def create_subscription(run: Running, *extra: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "gui", "subscription", "create", *connection(run), "--type", ALL_TENANT_TYPES, *extra],
        env=run.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


def run_cli(run: Running, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`event-monitor ARGS` against the running emulator, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "gui", *args], env=run.env, capture_output=True, text=True, timeout=timeout
    )


def tail(run: Running, subscription: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_cli(run, "tail", *connection(run), "--subscription", subscription, *extra, timeout=timeout)


def sequences(text: str) -> list[int]:
    out = []
    for line in text.splitlines():
        try:
            out.append(orjson.loads(line)["sequence"])
        except orjson.JSONDecodeError:
            pass  # a line cut by SIGKILL was never delivered
    return out


def test_tail_prints_5000_events_in_order_without_gaps(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process)
    result = tail(emulator_process, sub, "--from", "earliest", "--max-events", "5000", timeout=120)
    assert result.returncode == 0, result.stderr
    seqs = sequences(result.stdout)
    assert len(seqs) == 5000
    assert seqs == list(range(seqs[0], seqs[0] + 5000))
    assert "[gap]" not in result.stderr


def test_tail_csv_format_has_a_header_and_escaped_cells(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process)
    result = tail(emulator_process, sub, "--from", "earliest", "--max-events", "10", "--format", "csv", timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sequence,time,type") and len(lines) == 11


@pytest.mark.parametrize(
    "emulator_process", [["--history", "200", "--rate", "0", "--no-names-in-payloads"]], indirect=True
)
def test_tail_csv_names_each_tenant_from_the_account_management_api(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process)
    result = tail(emulator_process, sub, "--from", "earliest", "--max-events", "200", "--format", "csv", timeout=60)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:5] == ["sequence", "time", "type", "tenant_id", "tenant_name"]
    assert all(r[4] and r[4] != r[3] for r in rows[1:])  # a name for every tenant, though no payload had one
    assert all('"name"' not in r[-1] for r in rows[1:])


@pytest.mark.parametrize("emulator_process", [["--history", "300", "--rate", "100"]], indirect=True)
def test_killed_tail_resumes_from_stored_offset(emulator_process: Running, home: Path, tmp_path: Path) -> None:
    limit = 20
    sub = create_subscription(emulator_process)
    rng = random.Random(1234)
    printed: list[int] = []
    for run_index in range(10):
        start = "earliest" if run_index == 0 else "stored"
        out = tmp_path / f"run{run_index}.jsonl"
        with out.open("w") as handle:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gui",
                    "tail",
                    *connection(emulator_process),
                    "--subscription",
                    sub,
                    "--from",
                    start,
                    "--commit",
                    "stored",
                    "--limit",
                    str(limit),
                    "--timeout",
                    "PT1S",
                ],
                env=emulator_process.env,
                stdout=handle,
                stderr=subprocess.PIPE,
                text=True,
            )
            reader = LineReader(proc.stderr)
            reader.wait_for(lambda line: "starting at offset" in line, 60)
            # let it stream for a random moment, then kill it hard
            try:
                proc.wait(timeout=rng.uniform(0.02, 0.3))
            except subprocess.TimeoutExpired:
                pass
            finish(proc)
        printed += sequences(out.read_text())
    store = StateStore(home / "state.sqlite3")
    stored = store.stored_offset(emulator_process.url, emulator_process.client_id, sub)
    assert stored is not None
    total = max(printed) + 50  # events keep arriving at 100/s: read a little past the furthest point
    last = tail(
        emulator_process,
        sub,
        "--from",
        "stored",
        "--commit",
        "stored",
        "--max-events",
        str(total - stored),
        timeout=120,
    )
    assert last.returncode == 0, last.stderr
    printed += sequences(last.stdout)
    assert set(printed) == set(range(1, total + 1)), "every sequence of the range was printed"
    repeats = len(printed) - total
    assert repeats <= 10 * limit, f"{repeats} repeats: more than one batch per restart"


@pytest.mark.parametrize("emulator_process", [["--history", "100", "--rate", "20"]], indirect=True)
def test_second_tail_is_standby_and_takes_over(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process, "--session-timeout", "PT4S")
    args = [*connection(emulator_process), "--subscription", sub, "--from", "latest", "--timeout", "PT2S"]
    first = cli("tail", *args, "--consumer-id", "aaaaaaaa-0000-4000-8000-000000000001", env=emulator_process.env)
    first_out = LineReader(first.stdout)
    first_out.wait_for(lambda line: '"sequence"' in line, 30)
    second = cli("tail", *args, "--consumer-id", "aaaaaaaa-0000-4000-8000-000000000002", env=emulator_process.env)
    second_err = LineReader(second.stderr)
    second_out = LineReader(second.stdout)
    try:
        second_err.wait_for(lambda line: "[standby] standby: another instance is the leader" in line, 30)
        first.send_signal(signal.SIGTERM)
        assert first.wait(5) == 0
        # session timeout 4 s, Retry-After at most 5 s: the second leads well within 12 s
        second_out.wait_for(lambda line: '"sequence"' in line, 12)
    finally:
        for proc in (first, second):
            finish(proc)


@pytest.mark.parametrize("emulator_process", [["--history", "10", "--rate", "20", "--token-ttl", "2"]], indirect=True)
def test_tail_keeps_streaming_across_token_expiry(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process)
    proc = cli(
        "tail",
        *connection(emulator_process),
        "--subscription",
        sub,
        "--from",
        "latest",
        "--timeout",
        "PT1S",
        "--max-events",
        "160",
        env=emulator_process.env,
    )
    out, err = proc.communicate(timeout=60)
    finish(proc)
    assert proc.returncode == 0, err
    seqs = sequences(out)
    assert len(seqs) == 160 and seqs == sorted(set(seqs))  # ~8 s of events: four token lifetimes
    assert "Not authenticated" not in err


def test_profiles_and_usage_errors(emulator_process: Running) -> None:
    env = dict(emulator_process.env)
    env.pop("EVENT_MONITOR_CLIENT_SECRET")
    bad = subprocess.run(
        [sys.executable, "-m", "gui", "tail", "--subscription", "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "give --profile NAME" in bad.stderr
    wrong = subprocess.run(
        [sys.executable, "-m", "gui", "tail", "--url", "http://example.com", "--client-id", "x", "--subscription", "y"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2 and "plain HTTP" in wrong.stderr
    assert "Traceback" not in bad.stderr + wrong.stderr


def stored_offset(run: Running, home: Path, subscription: str) -> int | None:
    return StateStore(home / "state.sqlite3").stored_offset(run.url, run.client_id, subscription)


STATE_LINE = ("[info] ", "[connecting] ", "[streaming] ", "[behind] ", "[caught up] ")  # what tail says while it reads


def test_tail_into_head_ends_quietly(emulator_process: Running, home: Path) -> None:
    """`tail | head -2`: the reader going away is a normal end: no traceback, no error, exit 0
    (or a SIGPIPE death), and the offset stored no further than what was written whole."""
    sub = create_subscription(emulator_process)
    command = " ".join(
        [
            f"'{sys.executable}' -m gui tail",
            *connection(emulator_process),
            f"--subscription {sub} --from earliest --commit stored",
            "2> err.txt | head -2 > got.txt; echo ${PIPESTATUS[0]}",
        ]
    )
    done = subprocess.run(
        ["bash", "-c", command], env=emulator_process.env, cwd=home.parent, capture_output=True, text=True, timeout=60
    )
    code = int(done.stdout.strip())
    err = (home.parent / "err.txt").read_text()
    assert code in (0, 141), err
    assert all(line.startswith(STATE_LINE) for line in err.splitlines()), err
    got = sequences((home.parent / "got.txt").read_text())
    assert got == [1, 2]
    stored = stored_offset(emulator_process, home, sub)
    # what the pipe took whole before head left: at most ~64 KiB of ~900-byte lines past the two read
    assert stored is not None and 2 <= stored <= 2 + 64 * 1024 // 500, stored


@pytest.mark.parametrize("emulator_process", [["--history", "3000", "--rate", "50"]], indirect=True)
def test_sigterm_with_the_output_blocked_cuts_no_line(emulator_process: Running, home: Path) -> None:
    """The reader is slower than the stream (the pipe is full); SIGTERM at different moments: what
    the reader finally reads is whole lines only, and the stored offset is never past the last."""
    rng = random.Random(7)
    for run_index, read_first in enumerate((0, 40, 150, 333, 700)):
        sub = create_subscription(emulator_process)
        proc = cli(
            "tail",
            *connection(emulator_process),
            "--subscription",
            sub,
            "--from",
            "earliest",
            "--commit",
            "stored",
            env=emulator_process.env,
        )
        err = LineReader(proc.stderr)
        try:
            err.wait_for(lambda line: "starting at offset" in line, 60)
            head = [proc.stdout.readline() for _ in range(read_first)]  # then the reader pauses: the pipe fills
            try:
                proc.wait(timeout=rng.uniform(0.3, 0.8))
            except subprocess.TimeoutExpired:
                pass
            proc.send_signal(signal.SIGTERM)
            if run_index == 4:  # the reader stays away past the grace: the batch is cut at a line's end
                try:
                    proc.wait(timeout=4)
                except subprocess.TimeoutExpired:
                    pass
            rest = proc.stdout.read()
            assert proc.wait(30) == 0
        finally:
            finish(proc)
        text = "".join(head) + rest
        assert text.endswith("\n") or not text, f"run {run_index}: a cut line: {text[-80:]!r}"
        seqs = [orjson.loads(line)["sequence"] for line in text.split("\n")[:-1]]  # every line is whole JSON
        assert seqs == list(range(1, len(seqs) + 1))
        stored = stored_offset(emulator_process, home, sub)
        assert stored is None or (seqs and stored <= seqs[-1]), f"run {run_index}: stored {stored}, read {seqs[-1:]}"
        assert seqs, "the reader got something"


@pytest.mark.parametrize("emulator_process", [["--history", "100", "--rate", "20"]], indirect=True)
def test_one_tail_per_consumer_id_on_this_machine(emulator_process: Running) -> None:
    sub = create_subscription(emulator_process)
    args = [*connection(emulator_process), "--subscription", sub, "--from", "latest", "--timeout", "PT2S"]

    def reading() -> subprocess.Popen[str]:
        proc = cli("tail", *args, env=emulator_process.env)
        LineReader(proc.stderr).wait_for(lambda line: "starting at offset" in line, 60)
        return proc

    first = reading()
    try:
        second = tail(emulator_process, sub, "--from", "latest", timeout=60)
        assert second.returncode == 1
        assert (
            f"already being read on this machine by `event-monitor tail` (process {first.pid}, since" in second.stderr
        )
        assert "--consumer-id" in second.stderr and "Traceback" not in second.stderr
        other = cli("tail", *args, "--consumer-id", "aaaaaaaa-0000-4000-8000-000000000009", env=emulator_process.env)
        try:  # another instance, with its own consumer ID: not refused (the server keeps it on standby)
            LineReader(other.stderr).wait_for(lambda line: "starting at offset" in line, 60)
        finally:
            finish(other)
        first.send_signal(signal.SIGTERM)
        assert first.wait(10) == 0
    finally:
        finish(first)
    after_stop = reading()  # allowed once the first stopped
    after_stop.kill()  # SIGKILL: no chance to let the lock go
    after_stop.wait(10)
    finish(after_stop)
    finish(reading())  # the dead holder's lock went with it
