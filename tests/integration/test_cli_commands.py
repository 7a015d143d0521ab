"""The command line's subscription and profile commands against the emulator, as separate processes
(real HTTP, the real keyring under `make test`)."""

from __future__ import annotations

import argparse
import os
import socket
import stat
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

    from gui.storage import reader_lock

    held = reader_lock.acquire(lab.url, lab.client_id, sub, kind="window")  # a window reads it here
    try:
        refused = run("subscription", "remove", sub, "--profile", "lab")
        assert refused.returncode == 1 and "not forgotten" in refused.stderr and "window" in refused.stderr
        assert remembered(lab.url, lab.client_id) == [sub]
    finally:
        held.release()
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


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_option_has_help_and_the_exit_codes_are_listed() -> None:
    from gui.arguments import EXIT_CODES, build_parser

    parser = build_parser()
    for each in _parsers(parser):
        for action in each._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{each.prog} {'/'.join(action.option_strings) or action.dest} has no help"
    shown = {
        "main": run("--help").stdout,
        "tail": run("tail", "--help").stdout,
    }
    for where, text in shown.items():
        assert "exit codes:" in text, where
        for code, meaning in EXIT_CODES:
            assert f"{code}  {meaning}" in text, (where, code)


def test_counts_are_in_good_english(lab: Emulator) -> None:
    import io

    from gui.api.events import EMPTY
    from gui.consumer.loop import Batch, Gap
    from gui.tail import Output, TailSink

    said = io.StringIO()
    sink = TailSink("jsonl", Output(lambda data: len(data)), said, skip_summary_s=0)
    sink.on_batch(Batch(EMPTY, 5, (Gap(5, 5), Gap(7, 8, lost=True), Gap(10, 10, lost=True, retention="P7D"))))
    assert said.getvalue().splitlines() == [
        "[lost] up to 2 events lost (sequences 7–8): removed by the topic's retention before they were read",
        "[lost] up to 1 event lost (sequences 10–10): removed by the topic's retention (P7D: 7 days) before they "
        "were read",
        "[gap] 1 sequence skipped in 1 range (not for this subscription), between 5..5",
    ]
    sub = run("subscription", "create", *connection(lab), "--type", ALL_TENANT_TYPES, secret=lab.client_secret)
    one = run("tail", *connection(lab), "--subscription", sub.stdout.strip(), "--from", "earliest",
              "--max-events", "1", secret=lab.client_secret)  # fmt: skip
    assert one.returncode == 0 and "[stopped] stopped: delivered 1 event\n" in one.stderr, one.stderr


@pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX's")
def test_a_data_folder_open_to_others_is_tightened_once(home: Path) -> None:
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    first = run("profile", "list")
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert "could be read by others (mode 0755)" in first.stderr and "0700" in first.stderr
    second = run("profile", "list")
    assert second.stderr == ""
