"""The consumer loop against the emulator: order, exactly-once, retries, gaps, commits, stop."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable

import orjson
import pytest

from gui.api import EventManagerClient
from gui.api.models import TENANT_TOPIC
from gui.consumer import Batch, Consumer, ConsumerState, StartPosition
from gui.emulator import Emulator
from gui.emulator.server import EmulatorServer
from gui.storage import StateStore
from gui.tail import Output, TailSink
from tests.conftest import make_subscription


class Recorder:
    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.states: list[ConsumerState] = []
        self.started = threading.Event()
        self._changed = threading.Condition()

    def on_batch(self, batch: Batch) -> None:
        with self._changed:
            self.batches.append(batch)
            self._changed.notify_all()

    def on_state(self, state: ConsumerState) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()
        if state.message.startswith("starting at offset"):
            self.started.set()

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``condition()`` holds after some batch or state arrived (or held already)."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    @property
    def sequences(self) -> list[int]:
        return [e["sequence"] for b in self.batches for e in b.events]

    @property
    def kinds(self) -> list[str]:
        return [s.state for s in self.states]


def run(consumer: Consumer) -> None:
    consumer.run()


def test_reads_everything_in_order_exactly_once(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client)
    end = emulator.state.topics[TENANT_TOPIC].last_sequence
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), rec, max_events=end, limit=37))
    assert rec.sequences == list(range(1, end + 1))
    assert rec.kinds[0] == "connecting" and rec.kinds[-1] == "stopped"
    assert not rec.states[-1].fatal


def test_retries_through_failures_without_skipping_or_repeating(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client)
    emulator.state.inject("500", "drop", "html", "badjson", "429", "503")
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("offset", 10), rec, max_events=150, backoff_base=0.01))
    assert rec.sequences == list(range(11, 161))
    assert rec.kinds.count("backing_off") >= 5
    assert "rate_limited" in rec.kinds
    attempts = [s.attempt for s in rec.states if s.state == "backing_off"]
    assert attempts[:2] == [1, 2]  # each attempt is reported


def test_gaps_are_reported_with_the_missing_range(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client, "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0")
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), rec, max_events=40))
    delivered = set(rec.sequences)
    missing = {s for b in rec.batches for g in b.gaps for s in range(g.first, g.last + 1)}
    assert rec.batches and missing, "a type filter skips events, which must show as gaps"
    assert not delivered & missing
    assert delivered | missing == set(range(min(delivered | missing), max(delivered) + 1))


def test_events_the_topic_no_longer_keeps_show_as_a_gap() -> None:
    """An emulator keeping at most N events per topic (``--max-events``; the demo's bound on its
    memory) drops the oldest as a topic's retention would: EARLIEST moves on, and a consumer still
    at offset 0 gets the oldest kept events, with what it missed reported as one gap."""
    with Emulator(history=400, max_events=64, seed=5) as em:
        log = em.state.topics[TENANT_TOPIC]
        assert 64 <= len(log.events) <= 68 and log.first_sequence > 300
        assert log.events[0].sequence == log.first_sequence and log.last_sequence == 400
        client = EventManagerClient(em.url, em.client_id, em.client_secret)
        assert client.topic_offset(TENANT_TOPIC, "EARLIEST") == log.first_sequence - 1
        sub = make_subscription(client)
        rec = Recorder()
        run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("offset", 0), rec, max_events=20))
        first = log.first_sequence
        assert rec.sequences[:20] == list(range(first, first + 20))
        assert [(g.first, g.last) for g in rec.batches[0].gaps] == [(1, first - 1)]
        em.state.produce(200)  # live events push the oldest out too
        assert len(log.events) <= 68 and log.last_sequence == 600 and log.first_sequence > first


def test_stop_is_quick_during_a_long_poll(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    rec = Recorder()
    consumer = Consumer(client, sub, str(uuid.uuid4()), StartPosition("latest"), rec, timeout="PT30S")
    thread = threading.Thread(target=consumer.run)
    thread.start()
    assert rec.started.wait(10)
    asked = time.monotonic()
    consumer.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 1.0
    assert rec.states[-1].message == "stopped: stopped by the user"


def test_a_server_going_away_is_reported_at_once_and_reading_resumes_without_loss() -> None:
    """The server stops while the consumer waits in a long-poll (30 s): the failure shows within
    seconds, not when the poll would have ended, and once a server answers on that address again
    the consumer goes on from the next event."""
    emulator = Emulator(history=50, seed=3).start()
    client = EventManagerClient(emulator.url, emulator.client_id, emulator.client_secret)
    sub = make_subscription(client)
    rec = Recorder()
    consumer = Consumer(
        client, sub, str(uuid.uuid4()), StartPosition("earliest"), rec, timeout="PT30S", backoff_base=0.05
    )
    thread = threading.Thread(target=consumer.run)
    thread.start()
    revived: EmulatorServer | None = None
    try:
        assert rec.wait_for(lambda: rec.sequences == list(range(1, 51)), 10)
        emulator.stop()  # the consumer is in its next poll (a long one: nothing new) or about to send it
        assert rec.wait_for(lambda: "backing_off" in rec.kinds, 3), rec.states[-1]
        assert "Cannot reach" in next(s.message for s in rec.states if s.state == "backing_off")
        emulator.state.produce(10)
        host, port = emulator.server.server_address[:2]
        revived = EmulatorServer(emulator.state, str(host), int(port))  # the same server, back on its address
        threading.Thread(target=revived.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        assert rec.wait_for(lambda: len(rec.sequences) >= 60, 15), rec.states[-1]
        assert rec.sequences == list(range(1, 61))
    finally:
        consumer.stop()
        thread.join(5)
        client.close()
        if revived is not None:
            revived.go_away()
    assert not thread.is_alive()


def test_retry_now_cuts_a_long_backoff_short(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client)
    emulator.state.inject("503")
    rec = Recorder()
    consumer = Consumer(
        client, sub, str(uuid.uuid4()), StartPosition("earliest"), rec, max_events=20, backoff_base=120.0
    )
    consumer.retry_now()  # not waiting to retry yet: nothing happens
    thread = threading.Thread(target=consumer.run)
    thread.start()
    try:
        assert rec.wait_for(lambda: "backing_off" in rec.kinds, 10)
        assert next(s.retry_in for s in rec.states if s.state == "backing_off") >= 15  # the cap, 30 s, jittered
        consumer.retry_now()
        assert rec.wait_for(lambda: len(rec.sequences) >= 20, 10), rec.states[-1]
        assert rec.sequences == list(range(1, 21))
    finally:
        consumer.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_server_commit_mode_commits_after_each_batch(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    me = str(uuid.uuid4())
    rec = Recorder()
    run(Consumer(client, sub, me, StartPosition("earliest"), rec, commit="server", max_events=120))
    assert client.committed_offset(sub.subscription_id) == 120
    rec2 = Recorder()
    run(Consumer(client, sub, me, StartPosition("committed"), rec2, max_events=5))
    assert rec2.sequences == [121, 122, 123, 124, 125]


def test_stored_commit_mode_resumes_where_it_stopped(client: EventManagerClient) -> None:
    store = StateStore()
    sub = make_subscription(client)
    consumer_id = store.consumer_id(client.dc_url, client.client_id, sub.subscription_id)
    rec = Recorder()
    run(Consumer(client, sub, consumer_id, StartPosition("earliest"), rec, commit="stored", store=store, max_events=75))
    assert store.stored_offset(client.dc_url, client.client_id, sub.subscription_id) == 75
    rec2 = Recorder()
    run(Consumer(client, sub, consumer_id, StartPosition("stored"), rec2, commit="stored", store=store, max_events=30))
    assert rec2.sequences == list(range(76, 106))


def test_stored_without_an_offset_stops_with_a_reason(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("stored"), rec, store=StateStore()))
    assert rec.states[-1].fatal and "No offset is stored" in rec.states[-1].message


@pytest.mark.parametrize("kind", ["latest", "time"])
def test_latest_and_time_positions(client: EventManagerClient, emulator: Emulator, kind: str) -> None:
    sub = make_subscription(client)
    log = emulator.state.topics[TENANT_TOPIC]
    start = StartPosition("latest") if kind == "latest" else StartPosition("time", log.events[200].body["time"])
    expected_first = log.last_sequence + 1 if kind == "latest" else 201
    rec = Recorder()
    consumer = Consumer(client, sub, str(uuid.uuid4()), start, rec, max_events=3, timeout="PT10S")
    producer = threading.Timer(0.2, lambda: emulator.state.produce(50))
    producer.start()
    run(consumer)
    producer.join()
    assert rec.sequences[0] == expected_first


def test_permission_denied_stops_with_the_reason(emulator: Emulator) -> None:
    emulator.state.add_client("00000000-0000-4000-8000-000000000002", "pw", scopes=())
    admin = EventManagerClient(emulator.url, emulator.client_id, emulator.client_secret)
    sub = make_subscription(admin)
    weak = EventManagerClient(emulator.url, "00000000-0000-4000-8000-000000000002", "pw")
    rec = Recorder()
    run(Consumer(weak, sub, str(uuid.uuid4()), StartPosition("offset", 0), rec))
    assert rec.states[-1].fatal and "subscriber scope" in rec.states[-1].message


def test_standby_then_takeover_when_the_leader_goes_quiet(client: EventManagerClient) -> None:
    sub = make_subscription(client, session_timeout="PT2S")
    client.poll(sub.subscription_id, str(uuid.uuid4()), 0)  # another instance leads now
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("offset", 0), rec, max_events=10))
    assert "standby" in rec.kinds
    assert any("another instance is the leader" in s.message for s in rec.states)
    assert rec.sequences == list(range(1, 11))


def test_taking_over_does_not_read_again_what_the_old_leader_committed(client: EventManagerClient) -> None:
    sub = make_subscription(client, session_timeout="PT2S")
    client.poll(sub.subscription_id, str(uuid.uuid4()), 0)  # another instance leads...
    client.commit_offset(sub.subscription_id, 50)  # ...and has handled everything up to 50
    rec = Recorder()
    run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("offset", 0), rec, max_events=10))
    assert "standby" in rec.kinds
    assert rec.sequences == list(range(51, 61))  # not 1..50 again
    assert any("had committed up to 50" in s.message for s in rec.states)


def test_a_short_lived_token_with_only_expires_on_streams_without_a_401() -> None:
    with Emulator(history=0, seed=4, token_ttl=2, token_expiry="expires_on", rate=20) as em:
        client = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(client)
        rec = Recorder()
        run(Consumer(client, sub, str(uuid.uuid4()), StartPosition("offset", 0), rec, max_events=100))
        assert rec.sequences == list(range(1, 101))  # ~5 s of stream: tokens of 2 s renewed on the way
        assert em.state.tokens_issued >= 2 and em.state.expired_tokens_seen == 0
        assert "backing_off" not in rec.kinds


def test_a_sink_that_takes_part_of_a_batch_stores_no_further_than_it(
    client: EventManagerClient, emulator: Emulator
) -> None:
    """The output closed after 7 lines of a batch: reading ends, and the offset stored is the
    seventh event's, not the batch's."""
    sub = make_subscription(client)
    store = StateStore()
    written: list[bytes] = []

    def write(data: memoryview) -> int:
        if len(written) == 7:
            raise BrokenPipeError(32, "Broken pipe")
        line = bytes(data[: bytes(data).index(b"\n") + 1])  # one line a call, like a reader that keeps up slowly
        written.append(line)
        return len(line)

    output = Output(write)
    sink = TailSink("jsonl", output, io.StringIO())
    consumer = Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), sink, commit="stored", store=store)
    consumer.run()  # ends by itself: the output took no more
    assert output.closed and len(written) == 7
    seventh = orjson.loads(written[-1])["sequence"]
    assert store.stored_offset(client.dc_url, client.client_id, sub.subscription_id) == seventh
    assert consumer.delivered == 7


def test_a_stop_finishes_the_line_begun_and_no_other_once_the_grace_is_over() -> None:
    """Pure logic of the writer: after finish_soon() and the grace, the record being written is
    finished and no new one is started."""
    got = bytearray()
    output = Output(lambda data: 0, grace=0.0)

    def write(data: memoryview) -> int:
        got.extend(data[:5])  # 5 bytes a call; the stop comes after the first call
        output.finish_soon()
        return min(5, len(data))

    output._write = write
    records = [b"aaaaaaaa\n", b"bbbbbbbb\n", b"cccccccc\n"]
    whole = output.write(b"".join(records), [9, 18, 27])
    assert whole == 1 and bytes(got) == records[0]
