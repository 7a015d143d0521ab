"""Hostile servers and bad input, over loopback HTTP against a server of our own
(tests/integration/hostile.py): memory and time stay bounded, secrets never appear in a message,
bad URLs are refused at entry."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from gui.api import Subscription, errors
from gui.api import client as client_module
from gui.api.client import MAX_BODY, MAX_RETRY_AFTER, EventManagerClient, normalize_dc_url, token_lifetime
from gui.api.models import TENANT_TOPIC, all_types_pattern
from gui.consumer import Consumer, ConsumerState, StartPosition
from gui.storage import Profile, StateStore
from tests.integration.hostile import (
    CLIENT_ID,
    SECRET,
    SUB,
    cli_env,
    hostile_client,
    hostile_server,
    run_cli,
    tail_argv,
)


def test_an_endless_answer_is_cut_at_the_cap_with_memory_bounded() -> None:
    with hostile_client(events="huge") as (client, behaviour):
        tracemalloc.start()
        try:
            with pytest.raises(errors.MalformedResponse, match="larger than 16 MB"):
                client.poll(SUB, "consumer", 0, timeout="PT1S")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2 * MAX_BODY + 8 * 1024 * 1024  # the cap and a join of it, not the 256 MB offered
        assert behaviour.sent < 64 * 1024 * 1024  # the client stopped reading; the server was cut off


def test_a_dripping_answer_meets_a_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # small margins so the deadline comes within seconds: 1 s connect + (1 s wait + 1 s) read + 1 s
    monkeypatch.setattr(client_module, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(client_module, "POLL_READ_MARGIN", 1.0)
    monkeypatch.setattr(client_module, "DEADLINE_MARGIN", 1.0)
    with hostile_client(events="drip") as (client, _behaviour):
        started = time.monotonic()
        with pytest.raises(errors.NetworkError, match="did not finish its answer within 4 s"):
            client.poll(SUB, "consumer", 0, timeout="PT1S")
        assert time.monotonic() - started < 8  # the deadline, not the 100 s the drip would take


def test_a_token_that_is_no_bearer_token_is_refused_and_never_printed() -> None:
    with hostile_client(token="TOKEN-abc\n") as (client, _behaviour):
        with pytest.raises(errors.MalformedResponse) as info:
            client.token()
        assert "TOKEN-abc" not in str(info.value) and "not a bearer token" in str(info.value)


def test_secrets_echoed_by_a_server_error_are_masked() -> None:
    with hostile_client(events="echo", token="tok-0123456789") as (client, _behaviour):
        client.token()
        with pytest.raises(errors.ServerError) as info:
            client.poll(SUB, "consumer", 0, timeout="PT1S")
        text = str(info.value)
        assert "headers" in text  # the server's message is there...
        basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        for secret in ("tok-0123456789", SECRET, basic):
            assert secret not in text  # ...without our token or secret


@pytest.mark.parametrize("value", ["inf", "1e308", "1e9", "nan", "-5"])
def test_absurd_retry_after_is_capped(value: str) -> None:
    with hostile_client(events="retry_after", retry_after=value) as (client, _behaviour):
        with pytest.raises(errors.RetryLater) as info:
            client.poll(SUB, "consumer", 0, timeout="PT1S")
        assert 0 <= info.value.retry_after <= MAX_RETRY_AFTER


def test_token_lifetimes_from_expires_in_expires_on_or_neither() -> None:
    assert token_lifetime({"expires_in": 60}, now=1000) == 60
    assert token_lifetime({"expires_on": 1300}, now=1000) == 300
    assert token_lifetime({"expires_in": 60, "expires_on": 1030}, now=1000) == 30  # the shorter
    assert token_lifetime({"expires_in": "soon"}, now=1000) == 7200  # not a number: the default
    assert token_lifetime({"expires_on": "inf"}, now=1000) == 7200
    assert token_lifetime({}, now=1000) == 7200


def test_a_token_with_only_expires_on_is_renewed_before_it_expires() -> None:
    # short-lived, absolute
    with hostile_client(token_fields={"expires_on": int(time.time()) + 3}) as (client, behaviour):
        first = client.token()
        deadline = time.monotonic() + 10
        while behaviour.tokens_issued < 2 and time.monotonic() < deadline:
            behaviour.token_fields = {"expires_on": int(time.time()) + 3}
            client.token()  # renewed once the first is about to expire, not after
        assert behaviour.tokens_issued >= 2 and first


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://alice:pw@eu2-cloud.acronis.com", "user name or password"),
        ("https://alice@eu2-cloud.acronis.com", "user name or password"),
        ("https://eu2 cloud.acronis.com", "spaces or control characters"),
        ("https://eu2-cloud.acronis.com\r\nX: y", "spaces or control characters"),
        ("https://eu2-cloud.acronis.com:99999", "port"),
        ("https://eu2-cloud.acronis.com:abc", "port"),
    ],
)
def test_bad_data_center_urls_are_refused_at_entry(url: str, said: str) -> None:
    with pytest.raises(errors.ConfigurationError, match=said) as info:
        normalize_dc_url(url)
    assert "pw" not in str(info.value)


def test_local_data_is_private_to_the_user(home: Path) -> None:
    store = StateStore()
    store.save_profile(Profile("p", "https://eu2-cloud.acronis.com", "id"))
    store.close()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "state.sqlite3").stat().st_mode) == 0o600


def test_a_home_that_is_a_file_is_exit_5_with_the_reason(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "gui", "profile", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, EVENT_MONITOR_HOME=str(not_a_folder)),
    )
    assert result.returncode == 5
    assert "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr


def test_a_429_from_the_token_endpoint_is_a_rate_limit_not_standby() -> None:
    with hostile_client(events="token429") as (client, _behaviour):
        with pytest.raises(errors.RetryLater) as info:
            client.token()
        assert not info.value.not_leader and "token endpoint limits the rate" in str(info.value)
        assert info.value.retry_after == 7


def consumer_states(url: str, until: Callable[[ConsumerState], bool]) -> list[ConsumerState]:
    """The states a real consumer reports against ``url`` until one satisfies ``until``."""
    client = EventManagerClient(url, CLIENT_ID, SECRET)
    states: list[ConsumerState] = []
    seen = threading.Event()

    class Sink:
        def on_batch(self, batch: object) -> None:
            pass

        def on_state(self, state: ConsumerState) -> None:
            states.append(state)
            if until(state):
                seen.set()

    sub = Subscription(SUB, TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),))
    consumer = Consumer(client, sub, "consumer", StartPosition("offset", 0), Sink(), backoff_base=5.0)
    thread = threading.Thread(target=consumer.run)
    thread.start()
    try:
        assert seen.wait(20), [s.message for s in states]
    finally:
        consumer.stop()
        thread.join(10)
        client.close()
    return states


def test_a_429_before_this_consumer_ever_read_is_standby_with_the_doubt_said() -> None:
    with hostile_server() as (url, behaviour):
        behaviour.events, behaviour.retry_after = "retry_after", "2"
        states = consumer_states(url, lambda s: s.state in ("standby", "rate_limited"))
    waited = next(s for s in states if s.state in ("standby", "rate_limited"))
    assert waited.state == "standby" and "or the server limits the rate" in waited.message


def test_retry_messages_read_as_one_sentence() -> None:
    with hostile_server() as (url, behaviour):
        behaviour.events = "notjson"
        states = consumer_states(url, lambda s: s.state == "backing_off")
    message = next(s for s in states if s.state == "backing_off").message
    assert "may be in the way; retry 1 in" in message and ".;" not in message


@pytest.mark.parametrize(
    ("damage", "command", "said"),
    [
        ("DROP TABLE subscriptions", ["subscription", "list"], "no such table"),
        (
            "UPDATE subscriptions SET spec = '{not json'",
            ["subscription", "list"],
            "holds a subscription that cannot be read",
        ),
        (
            "UPDATE offsets SET offset = 'abc'",
            ["tail", "--from", "stored", "--subscription", SUB],
            "holds a stored offset",
        ),
    ],
)
def test_a_damaged_state_file_is_exit_5_with_the_reason(home: Path, damage: str, command: list[str], said: str) -> None:
    import sqlite3

    from gui.api import Subscription
    from gui.api.models import TENANT_TOPIC, all_types_pattern

    url, client_id = "http://127.0.0.1:9", CLIENT_ID
    store = StateStore()
    store.save_subscription(url, client_id, Subscription(SUB, TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),)))
    store.store_offset(url, client_id, SUB, 5)
    store.close()
    with sqlite3.connect(home / "state.sqlite3") as db:
        db.execute(damage)
    argv = [*command, "--url", url, "--client-id", client_id]
    result = run_cli(home, *argv)
    assert result.returncode == 5, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr


def test_a_subscription_whose_answer_is_lost_is_retried_remembered_and_printed(home: Path) -> None:
    with hostile_server() as (url, behaviour):
        behaviour.events = "create_cut"
        result = run_cli(
            home,
            "subscription",
            "create",
            "--url",
            url,
            "--client-id",
            CLIENT_ID,
            "--type",
            "cti.a.p.em.event.v1.0~a.p.tenant.*",
        )
    assert result.returncode == 0, result.stderr
    created = behaviour.created
    assert len(created) == 2 and created[0] == created[1]  # the same POST, sent again
    assert result.stdout.strip() == created[0]  # its ID, printed
    assert f"creating subscription {created[0]}" in result.stderr  # said before it was sent
    store = StateStore()
    try:
        assert [s.subscription_id for s in store.subscriptions(url, CLIENT_ID)] == [created[0]]
    finally:
        store.close()


def test_stopping_with_a_commit_still_refused_says_which_offset_and_exits_1(home: Path) -> None:
    import signal

    from tests.conftest import LineReader, finish

    with hostile_server() as (url, behaviour):
        behaviour.events = "commit503"
        proc = subprocess.Popen(
            [sys.executable, "-m", "gui", *tail_argv(url, "--from", "0", "--commit", "server")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(home),
        )
        try:
            LineReader(proc.stdout).wait_for(lambda line: '"sequence": 1' in line or '"sequence":1' in line, 30)
            errors_seen = LineReader(proc.stderr)
            errors_seen.wait_for(lambda line: "commit of offset 1 failed" in line, 30)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 1
            last = errors_seen.wait_for(lambda line: line.startswith("[stopped]"), 10)
        finally:
            finish(proc)
    assert "offset 1 was NOT committed" in last and "stopped by the user" in last
    assert behaviour.commits_refused >= 2  # tried again before giving up
    said = [line for line in errors_seen.seen if "commit of offset 1 failed" in line]
    assert len(said) == 1, said  # said once, not at every poll
