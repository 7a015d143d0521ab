"""``tail`` tells a stream's health as the window does (issue 20): "[caught up]" when a poll brings
less than it asked, "[behind]" with at most how many topic sequences while polls come back full;
losses as "up to N events lost (sequences A–B)" with the topic's retention; skipped ranges once per
interval (a minute; EVENT_MONITOR_SKIP_SUMMARY_S in tests), and none with --quiet. The consumer
loop's poll records, over real HTTP to the emulator."""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from gui.api import EventManagerClient
from gui.api.models import TENANT_TOPIC
from gui.consumer.health import PollRecord
from gui.consumer.loop import Batch, Consumer, ConsumerState, StartPosition
from gui.emulator import Emulator
from gui.tail import SKIP_SUMMARY_ENV, Output, TailSink
from tests.conftest import make_subscription

CREATED = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"


@pytest.fixture(scope="module")
def world() -> Iterator[Emulator]:
    """A data center's shared topic whose retention dropped its oldest events (it keeps 1,500)."""
    with Emulator(history=2000, seed=42, world="datacenter", partners=4, max_events=1500) as em:
        yield em


def tail(em: Emulator, sub_id: str, *args: str, every: str = "0") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, EVENT_MONITOR_CLIENT_SECRET=em.client_secret, **{SKIP_SUMMARY_ENV: every})
    return subprocess.run(
        [sys.executable, "-m", "gui", "tail", "--url", em.url, "--client-id", em.client_id,
         "--subscription", sub_id, "--consumer-id", str(uuid.uuid4()), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def skipped_ranges(sequences: list[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(sequences) if b != a + 1)


def test_tail_sums_up_skipped_ranges_instead_of_a_line_each(world: Emulator, home: Path) -> None:
    client = EventManagerClient(world.url, world.client_id, world.client_secret)
    earliest = client.topic_offset(TENANT_TOPIC, "EARLIEST")
    sub = make_subscription(client, CREATED)
    done = tail(world, sub.subscription_id, "--from", str(earliest), "--limit", "10", "--max-events", "40")
    assert done.returncode == 0, done.stderr
    seqs = [orjson.loads(line)["sequence"] for line in done.stdout.splitlines()]
    ranges = skipped_ranges(seqs)
    assert len(seqs) == 40 and ranges > 10  # a sparse subscription: many skipped ranges
    said = [line for line in done.stderr.splitlines() if line.startswith("[gap]")]
    assert 1 <= len(said) <= 4 < ranges  # one summary per interval (here: each batch), not one per range
    counted = sum(int(re.search(r"in ([\d,]+) ranges?", line).group(1)) for line in said)  # type: ignore[union-attr]
    assert counted >= ranges and all("not for this subscription" in line for line in said)


def test_tail_quiet_says_losses_and_no_skips(world: Emulator, home: Path) -> None:
    client = EventManagerClient(world.url, world.client_id, world.client_secret)
    earliest = client.topic_offset(TENANT_TOPIC, "EARLIEST")
    sub = make_subscription(client, CREATED)
    done = tail(world, sub.subscription_id, "--from", "0", "--limit", "10", "--max-events", "40", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "[gap]" not in done.stderr
    lost = (
        f"up to {earliest:,} events lost (sequences 1–{earliest:,}): removed by the topic's retention (P180D: 180 days)"
    )
    assert f"[lost] {lost} before they were read" in done.stderr  # said once, when it is read past
    assert f"[connecting] {lost}" in done.stderr  # and at start
    loud = tail(world, sub.subscription_id, "--from", "0", "--limit", "10", "--max-events", "40", every="3600")
    assert loud.stderr.count("[gap]") == 1  # within the interval: one summary, at the end


def test_tail_says_behind_then_caught_up_as_the_polls_do(home: Path) -> None:
    with Emulator(history=2005, seed=3) as em:
        client = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(client)
        err = io.StringIO()
        polls: list[PollRecord] = []

        class Sink(TailSink):
            def on_poll(self, record: PollRecord) -> None:
                polls.append(record)
                super().on_poll(record)

        sink = Sink("jsonl", Output(lambda data: len(data)), err, client, topic=TENANT_TOPIC)
        consumer = Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), sink, limit=100, max_events=2005)
        consumer.run()
    lines = [line for line in err.getvalue().splitlines() if line.startswith(("[behind]", "[caught up]"))]
    assert lines[0].startswith("[behind] polls come back full (100 of 100): reading a backlog, at most ")
    assert int(re.search(r"at most ([\d,]+) topic", lines[0]).group(1).replace(",", "")) == 1905  # type: ignore[union-attr]
    assert lines[1:] == [
        "[caught up] the server has no more events for this subscription for now (the last poll brought 5 of 100)"
    ]
    assert [p.status for p in polls] == [200] * 21 and [p.events for p in polls][-2:] == [100, 5]
    assert polls[0].offset_sent == 0 and polls[0].offset_returned == 100 and polls[-1].offset_returned == 2005
    assert all(p.limit == 100 and p.duration >= 0 and p.retry_after is None for p in polls)


def test_poll_records_of_202_and_429(home: Path) -> None:
    with Emulator(history=3, seed=3, empty_status=202) as em:
        client = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(client, session_timeout="PT1S")
        records: list[PollRecord] = []

        class Sink:
            def on_batch(self, batch: Batch) -> None:
                em.state.inject("429")  # the next poll is refused once

            def on_state(self, state: ConsumerState) -> None:
                if len(records) >= 3:
                    consumer.stop()

            def on_poll(self, record: PollRecord) -> None:
                records.append(record)

        consumer = Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), Sink(), timeout="PT1S")
        consumer.run()
    assert [r.status for r in records[:3]] == [200, 429, 202]
    assert records[0].caught_up and records[1].caught_up is None and records[2].caught_up
    assert records[1].retry_after == 1 and records[1].note == "rate limited"
    assert records[2].retry_after == 1 and records[2].offset_returned == 3
