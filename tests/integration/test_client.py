"""The real client against the real emulator over loopback HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from gui.api import EventManagerClient, Subscription, errors
from gui.api.client import normalize_dc_url
from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from tests.conftest import ALL_TENANT_TYPES, make_subscription


def test_topics_and_types_with_schemas(client: EventManagerClient) -> None:
    topics = {t.id: t for t in client.topics()}
    assert TENANT_TOPIC in topics and len(topics) >= 2
    types = client.types(TENANT_TOPIC, include_schema=True)
    ids = {t.id for t in types}
    for action in ("created", "updated", "deleted", "disabled", "enabled", "undeleted", "barrier_updated"):
        assert f"cti.a.p.em.event.v1.0~a.p.tenant.{action}.v1.0" in ids
    assert all(t.data_schema and t.data_schema.startswith("{") for t in types)
    assert all(t.data_schema is None for t in client.types(TENANT_TOPIC))


def test_topic_offsets_at_each_position(client: EventManagerClient, emulator: Emulator) -> None:
    log = emulator.state.topics[TENANT_TOPIC]
    assert client.topic_offset(TENANT_TOPIC, "EARLIEST") == 0
    assert client.topic_offset(TENANT_TOPIC, "CURRENT") == log.last_sequence
    target = log.events[100]
    offset = client.topic_offset(TENANT_TOPIC, "TIMESTAMP", target.body["time"])
    assert offset == target.sequence - 1  # polling from it yields the event at that time first


def test_topic_offset_falls_back_to_the_procedure_path() -> None:
    with Emulator(history=10, offset_paths=("path",)) as em:
        c = EventManagerClient(em.url, em.client_id, em.client_secret)
        assert c.topic_offset(TENANT_TOPIC, "CURRENT") == em.state.topics[TENANT_TOPIC].last_sequence
        assert c._offsets_path_style == "path"


def test_token_falls_back_to_bc_idp_path() -> None:
    with Emulator(history=10, token_paths=("/bc/idp/token",)) as em:
        c = EventManagerClient(em.url, em.client_id, em.client_secret)
        assert c.topics()
        assert c._token_path == "/bc/idp/token"


def test_token_is_cached_and_renewed_once_after_401(client: EventManagerClient, emulator: Emulator) -> None:
    client.topics()
    client.topics()
    assert emulator.state.tokens_issued == 1
    emulator.state.tokens.clear()  # the server revokes every token
    assert client.topics()
    assert emulator.state.tokens_issued == 2


def test_second_401_is_an_authentication_error(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client)
    emulator.state.inject("401", "401")
    with pytest.raises(errors.AuthenticationError):
        client.poll(sub.subscription_id, str(uuid.uuid4()), 0)


def test_bad_credentials_are_reported(emulator: Emulator) -> None:
    c = EventManagerClient(emulator.url, emulator.client_id, "wrong")
    with pytest.raises(errors.AuthenticationError, match="refused the client ID and secret"):
        c.topics()


def test_missing_scope_is_a_permission_error(emulator: Emulator) -> None:
    emulator.state.add_client("00000000-0000-4000-8000-000000000001", "pw", scopes=())
    c = EventManagerClient(emulator.url, "00000000-0000-4000-8000-000000000001", "pw")
    spec = Subscription(str(uuid.uuid4()), TENANT_TOPIC, (ALL_TENANT_TYPES,))
    with pytest.raises(errors.PermissionDenied, match="lacks the event subscriber scope"):
        c.create_subscription(spec)


def test_duplicate_subscription_is_reported_not_crashed(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    with pytest.raises(errors.SubscriptionExists, match="already exists"):
        client.create_subscription(sub)


def test_poll_returns_oldest_first_and_at_most_100(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    result = client.poll(sub.subscription_id, str(uuid.uuid4()), 0, limit=500)
    sequences = [e["sequence"] for e in result.events]
    assert sequences == list(range(1, 101))
    assert result.offset == 100


def test_empty_poll_as_202_with_retry_after() -> None:
    with Emulator(history=5, empty_status=202) as em:
        c = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(c)
        end = c.topic_offset(TENANT_TOPIC, "CURRENT")
        result = c.poll(sub.subscription_id, str(uuid.uuid4()), end, timeout="PT1S")
        assert result.status == 202 and len(result.events) == 0 and result.retry_after == 1
        assert result.offset == end


def test_long_poll_returns_when_an_event_arrives(client: EventManagerClient, emulator: Emulator) -> None:
    sub = make_subscription(client)
    end = client.topic_offset(TENANT_TOPIC, "CURRENT")
    import threading

    producer = threading.Timer(0.3, lambda: emulator.state.produce(20))
    producer.start()
    result = client.poll(sub.subscription_id, str(uuid.uuid4()), end, timeout="PT20S")
    producer.join()
    assert result.events and result.events[0]["sequence"] > end


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("500", errors.ServerError),
        ("html", errors.MalformedResponse),
        ("badjson", errors.MalformedResponse),
        ("drop", errors.NetworkError),
    ],
)
def test_failures_are_typed(client: EventManagerClient, emulator: Emulator, fault: str, error: type[Exception]) -> None:
    sub = make_subscription(client)
    emulator.state.inject(fault)
    with pytest.raises(error):
        client.poll(sub.subscription_id, str(uuid.uuid4()), 0)


def test_not_leader_is_429_with_retry_after(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    client.poll(sub.subscription_id, str(uuid.uuid4()), 0)
    with pytest.raises(errors.RetryLater) as info:
        client.poll(sub.subscription_id, str(uuid.uuid4()), 0)
    assert info.value.not_leader and info.value.retry_after >= 1
    assert "another instance is the leader" in str(info.value)


def test_commit_and_committed_offset(client: EventManagerClient) -> None:
    sub = make_subscription(client)
    assert client.committed_offset(sub.subscription_id) == 0
    client.commit_offset(sub.subscription_id, 42)
    assert client.committed_offset(sub.subscription_id) == 42


def test_auto_commit_commits_the_offset_of_each_poll(client: EventManagerClient) -> None:
    sub = make_subscription(client, auto_commit=True)
    consumer = str(uuid.uuid4())
    first = client.poll(sub.subscription_id, consumer, 0)
    client.poll(sub.subscription_id, consumer, first.offset)
    assert client.committed_offset(sub.subscription_id) == first.offset


def test_unreachable_server_is_a_network_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = EventManagerClient(f"http://127.0.0.1:{port}", "id", "secret")
    with pytest.raises(errors.NetworkError, match="connection refused"):
        c.topics()


def test_tls_failure_is_a_tls_error(emulator: Emulator) -> None:
    c = EventManagerClient(emulator.url.replace("http://", "https://"), emulator.client_id, emulator.client_secret)
    with pytest.raises(errors.TlsError, match="TLS"):
        c.topics()


def test_plain_http_only_to_loopback() -> None:
    with pytest.raises(errors.ConfigurationError, match="plain HTTP"):
        normalize_dc_url("http://eu2-cloud.acronis.com")
    assert normalize_dc_url("http://eu2-cloud.acronis.com", allow_insecure_http=True) == "http://eu2-cloud.acronis.com"
    assert normalize_dc_url("https://eu2-cloud.acronis.com/api/event_manager/v1/") == "https://eu2-cloud.acronis.com"
    assert normalize_dc_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    with pytest.raises(errors.ConfigurationError):
        normalize_dc_url("eu2-cloud.acronis.com")


@pytest.mark.parametrize(
    "params",
    [
        {"subscription_id": "not-a-uuid", "consumer_id": str(uuid.uuid4()), "offset": "0"},
        {"subscription_id": "SUB", "consumer_id": "nope", "offset": "0"},
        {"subscription_id": "SUB", "consumer_id": str(uuid.uuid4()), "offset": "ten"},
        {"subscription_id": "SUB", "consumer_id": str(uuid.uuid4()), "offset": "99999999"},
        {"subscription_id": "SUB", "consumer_id": str(uuid.uuid4()), "offset": "0", "timeout": "30s"},
    ],
)
def test_bad_parameters_get_400_with_error_body(client: EventManagerClient, params: dict[str, str]) -> None:
    sub = make_subscription(client)
    params = {k: (sub.subscription_id if v == "SUB" else v) for k, v in params.items()}
    response = requests.get(
        client.base_url + "/events", params=params, headers={"Authorization": "Bearer " + client.token()}, timeout=10
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["domain"] == "EventManager" and body["error"]["code"] and body["error"]["message"]


def test_unknown_position_is_400(client: EventManagerClient) -> None:
    response = requests.get(
        client.base_url + "/topics/offsets",
        params={"topic_id": TENANT_TOPIC, "position": "MIDDLE"},
        headers={"Authorization": "Bearer " + client.token()},
        timeout=10,
    )
    assert response.status_code == 400 and "position" in response.json()["error"]["message"]


def test_replayed_live_events_are_new_events_in_order() -> None:
    """``emulator --replay N`` (load tests) reuses N payloads but every event is a distinct, valid one."""
    with Emulator(history=3, replay=4) as em:
        em.state.produce(10)
        c = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(c)
        result = c.poll(sub.subscription_id, str(uuid.uuid4()), 0, limit=100, timeout="PT1S")
        events = list(result.events)
        assert [e["sequence"] for e in events] == list(range(1, 14))
        assert all(e["previous"] == e["sequence"] - 1 for e in events[1:])
        assert len({e["id"] for e in events}) == 13
        replayed = events[3:]
        assert all(e["time"] == e["ingest_time"] for e in replayed)
        assert [e["data"] for e in replayed[:4]] == [e["data"] for e in replayed[4:8]]  # the pool, cycled
