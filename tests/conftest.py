"""Shared fixtures: a private state directory for every test, and a real emulator on loopback."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gui.api import EventManagerClient, Subscription
from gui.api.models import TENANT_TOPIC, all_types_pattern
from gui.emulator import Emulator

ALL_TENANT_TYPES = all_types_pattern(TENANT_TOPIC)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own EVENT_MONITOR_HOME; no test touches the user's data."""
    path = tmp_path / "home"
    monkeypatch.setenv("EVENT_MONITOR_HOME", str(path))
    monkeypatch.delenv("EVENT_MONITOR_CLIENT_SECRET", raising=False)
    return path


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(history=300, seed=7) as em:
        yield em


@pytest.fixture
def client(emulator: Emulator) -> Iterator[EventManagerClient]:
    c = EventManagerClient(emulator.url, emulator.client_id, emulator.client_secret)
    yield c
    c.close()


def make_subscription(client: EventManagerClient, *types: str, **options: object) -> Subscription:
    import uuid

    spec = Subscription(str(uuid.uuid4()), TENANT_TOPIC, tuple(types or (ALL_TENANT_TYPES,)), **options)  # type: ignore[arg-type]
    return client.create_subscription(spec)


class LineReader:
    """Reads a process's output lines on a thread so tests wait on lines, not on sleeps."""

    def __init__(self, stream: object) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: object) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            self.lines.put(line)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching line within {timeout} s; last lines: {self.seen[-10:]}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if predicate(line):
                return line


def finish(proc: subprocess.Popen[str]) -> None:
    """Kill a process if it still runs, and close its pipes."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None:
            stream.close()


def cli(*args: str, env: dict[str, str] | None = None, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gui", *args],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        **kw,  # type: ignore[call-overload]
    )


@pytest.fixture
def india_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC+05:30 for the test (a POSIX TZ string: no time zone database needed)."""
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
