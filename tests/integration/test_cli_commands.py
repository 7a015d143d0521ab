"""The command line's subscription and profile commands against the emulator, as separate processes
(real HTTP, the real keyring under `make test`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.emulator import Emulator
from gui.storage import StateStore
from tests.conftest import ALL_TENANT_TYPES


@pytest.fixture
def lab(home: Path) -> Iterator[Emulator]:
    with Emulator(history=20, rate=0) as em:
        yield em


def run(*args: str, secret: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if secret is not None:
        env["EVENT_MONITOR_CLIENT_SECRET"] = secret
    return subprocess.run(
        [sys.executable, "-m", "gui", *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def connection(em: Emulator) -> list[str]:
    return ["--url", em.url, "--client-id", em.client_id]


def remembered(url: str, client_id: str) -> list[str]:
    return [s.subscription_id for s in StateStore().subscriptions(url, client_id)]


def test_a_create_the_server_refuses_is_forgotten(lab: Emulator) -> None:
    done = run("subscription", "create", *connection(lab), "--type", "nonsense", secret=lab.client_secret)
    assert done.returncode == 1
    assert "HTTP 400" in done.stderr
    assert "Nothing was created" in done.stderr and "may or may not" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert remembered(lab.url, lab.client_id) == []
    assert lab.state.subscriptions == {}


def test_a_cel_filter_is_checked_before_anything_is_sent(lab: Emulator) -> None:
    done = run(
        "subscription", "create", *connection(lab), "--type", ALL_TENANT_TYPES, "--cel", "data.kind ==",
        secret=lab.client_secret,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid CEL" in done.stderr and "nothing was sent" in done.stderr, done.stderr
    assert remembered(lab.url, lab.client_id) == []
    assert lab.state.subscriptions == {}


def test_a_create_whose_outcome_is_unknown_stays_remembered(home: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on: the request may or may not have gone out
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = run("subscription", "create", "--url", url, "--client-id", "c", "--type", ALL_TENANT_TYPES, secret="s")
    assert done.returncode == 1
    assert "may or may not exist" in done.stderr, done.stderr
    assert len(remembered(url, "c")) == 1
