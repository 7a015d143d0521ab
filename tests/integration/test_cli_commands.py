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

from gui.api.models import TENANT_TOPIC
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


def test_subscription_show_and_remove(lab: Emulator) -> None:
    assert run("profile", "add", "lab", *connection(lab), stdin=lab.client_secret + "\n").returncode == 0
    created = run(
        "subscription", "create", "--profile", "lab", "--type", ALL_TENANT_TYPES, "--cel", 'data.kind == "customer"',
        "--session-timeout", "PT20S", "--auto-commit",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    sub = created.stdout.strip()
    read = run("tail", "--profile", "lab", "--subscription", sub, "--from", "earliest", "--commit", "stored",
               "--max-events", "1")  # fmt: skip
    assert read.returncode == 0, read.stderr
    store = StateStore()
    consumer = store.known_consumer_id(lab.url, lab.client_id, sub)
    offset = store.stored_offset(lab.url, lab.client_id, sub)
    assert consumer and offset is not None

    shown = run("subscription", "show", sub, "--url", lab.url, "--client-id", lab.client_id)  # no secret needed
    assert shown.returncode == 0, shown.stderr
    fields = dict(line.split(":", 1) for line in shown.stdout.splitlines())
    fields = {k: v.strip() for k, v in fields.items()}
    assert fields["subscription"] == sub and fields["topic"] == TENANT_TOPIC
    assert fields["types"] == ALL_TENANT_TYPES and fields["tenant scope"].startswith("ALL")
    assert fields["CEL filter"] == 'data.kind == "customer"'
    assert fields["auto-commit"] == "yes" and fields["session timeout"] == "PT20S"
    assert fields["consumer ID"] == consumer and fields["stored offset"] == str(offset)

    removed = run("subscription", "remove", sub, "--profile", "lab")
    assert removed.returncode == 0, removed.stderr
    assert "Forgot subscription" in removed.stdout and "consumer ID" in removed.stdout
    assert remembered(lab.url, lab.client_id) == []
    assert store.known_consumer_id(lab.url, lab.client_id, sub) is None
    assert store.stored_offset(lab.url, lab.client_id, sub) is None
    again = run("subscription", "remove", sub, "--profile", "lab")
    assert again.returncode == 2 and "not remembered" in again.stderr
    unknown = run("subscription", "show", sub, "--profile", "lab")
    assert unknown.returncode == 2 and "not remembered" in unknown.stderr


def test_profile_update_moves_or_replaces_the_secret(lab: Emulator) -> None:
    from gui.storage import secrets

    assert (
        run(
            "profile", "add", "lab", "--url", lab.url, "--client-id", "old-id", stdin=lab.client_secret + "\n"
        ).returncode
        == 0
    )
    moved = run("profile", "update", "lab", "--client-id", lab.client_id)
    assert moved.returncode == 0, moved.stderr
    assert "moved along" in moved.stdout
    assert secrets.get_secret(lab.url, lab.client_id, env=False) == lab.client_secret
    assert secrets.get_secret(lab.url, "old-id", env=False) is None
    profile = StateStore().profile("lab")
    assert profile is not None and profile.client_id == lab.client_id
    assert run("subscription", "create", "--profile", "lab", "--type", ALL_TENANT_TYPES).returncode == 0  # it works

    replaced = run("profile", "update", "lab", "--secret-stdin", stdin="another-secret\n")
    assert replaced.returncode == 0, replaced.stderr
    assert secrets.get_secret(lab.url, lab.client_id, env=False) == "another-secret"
    assert "another-secret" not in replaced.stdout + replaced.stderr

    nothing = run("profile", "update", "lab")
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
    missing = run("profile", "update", "nope", "--client-id", "x")
    assert missing.returncode == 2 and "no connection named" in missing.stderr
    assert run("profile", "remove", "lab").returncode == 0
    assert secrets.get_secret(lab.url, lab.client_id, env=False) is None
