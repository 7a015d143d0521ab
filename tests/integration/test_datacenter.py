"""The emulator's data-center world against the vendor's facts (docs/api/EVENT-MANAGER.md): topic
properties, the documented types, a topic shared by several partners (a client's sequences are
sparse), TTS consolidation of the history, and the Account Management calls with the client's
visibility — all through the real client over loopback HTTP."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gui.api import EventManagerClient, errors
from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from gui.emulator.world import TASK_TOPIC
from tests.conftest import make_subscription

TYPE = "cti.a.p.em.event.v1.0~a.p.tenant.{}.v1.0"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """The data center's world for this module (tests/conftest.py's ``client`` talks to it)."""
    with Emulator(history=3000, seed=5, world="datacenter", partners=4) as em:
        yield em


def read_all(client: EventManagerClient, *types: str, **options: Any) -> list[dict[str, Any]]:
    sub = make_subscription(client, *types, **options)
    consumer, offset, events = str(uuid.uuid4()), 0, []
    while True:
        result = client.poll(sub.subscription_id, consumer, offset, timeout="PT0S")
        if not result.events:
            return events
        events += [dict(e) for e in result.events]
        offset = result.offset


def test_topic_properties_and_documented_types(client: EventManagerClient) -> None:
    topics = {t.id: t for t in client.topics()}
    raw = requests.get(
        f"{client.base_url}/topics", headers={"Authorization": f"Bearer {client.token()}"}, timeout=5
    ).json()
    tenant = next(t for t in raw if t["id"] == TENANT_TOPIC)
    assert (tenant["ordering"], tenant["producer_consolidation"], tenant["archive_consolidation"]) == (
        "PRODUCER",
        "TTS",
        "TTS",
    )
    assert tenant["retention"] == "P180D"
    task = next(t for t in raw if t["id"] == TASK_TOPIC)
    assert task["ordering"] == "EVENTMANAGER" and task["retention"] == "P7D"
    assert TASK_TOPIC in topics
    ids = {t.id for t in client.types(TENANT_TOPIC)}
    for action in ("created", "updated", "enabled", "disabled", "auth_consent.updated", "unlocked", "barrier_updated"):
        assert TYPE.format(action) in ids


def test_a_clients_sequences_are_sparse_in_the_shared_topic(client: EventManagerClient, emulator: Emulator) -> None:
    events = read_all(client)
    last = client.topic_offset(TENANT_TOPIC, "CURRENT")
    assert 100 < len(events) < last / 2  # the client's partner is a minority of the topic
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(sequences)
    skipped = sum(1 for a, b in itertools.pairwise(sequences) if b != a + 1)
    assert skipped > len(events) / 3
    seen = set(sequences)
    # `previous` names the directly preceding event of the topic, which this client mostly never sees
    unseen_previous = [e for e in events if e.get("previous") and e["previous"] not in seen]
    assert len(unseen_previous) > len(events) / 3
    tree = emulator.state.factory.tree
    assert all(tree.in_scope(e["tenant_id"], emulator.state.tenant_id, "ALL") for e in events)
    assert len(tree.tenants) > 4 * 20 and tree.top is not None


def test_tts_history_has_one_event_per_type_tenant_and_subject(client: EventManagerClient, emulator: Emulator) -> None:
    events = read_all(client)
    keys = Counter((e["type"], e["tenant_id"], e["subject"]) for e in events)
    assert keys.most_common(1)[0][1] == 1
    # a new event replaces the earlier one with the same three: reading again, the old sequence is gone
    first = next(e for e in events if e["type"] == TYPE.format("updated"))
    log = emulator.state.topics[TENANT_TOPIC]
    with emulator.state.cond:
        body = dict(first, id=str(uuid.uuid4()))
        for key in ("sequence", "previous", "ingest_time"):
            body.pop(key, None)
        log.append(body, log.events[-1].time)
    again = read_all(client)
    sequences = {e["sequence"] for e in again}
    assert first["sequence"] not in sequences and log.last_sequence in sequences
    assert Counter((e["type"], e["tenant_id"], e["subject"]) for e in again).most_common(1)[0][1] == 1


def test_the_simple_world_stays_consecutive_and_unconsolidated() -> None:
    with Emulator(history=300, seed=5) as em:
        c = EventManagerClient(em.url, em.client_id, em.client_secret)
        events = read_all(c)
        c.close()
    assert [e["sequence"] for e in events] == list(range(1, 301))


def test_a_type_subset_is_sparser_still(client: EventManagerClient) -> None:
    created = read_all(client, TYPE.format("created"))
    assert created and all(e["type"] == TYPE.format("created") for e in created)
    everything = read_all(client)
    assert len(created) < len(everything) / 2


def test_tenants_calls_see_only_the_clients_subtree(client: EventManagerClient, emulator: Emulator) -> None:
    tree = emulator.state.factory.tree
    own = [t.id for t in tree.order if tree.in_scope(t.id, emulator.state.tenant_id, "ALL")]
    foreign = [t.id for t in tree.order if t.id not in set(own)]
    assert own and foreign
    asked = own[:30] + foreign[:30] + [str(uuid.uuid4())]
    found = client.tenants(asked)
    assert {t["id"] for t in found} == set(own[:30])
    one = found[0]
    assert {"id", "name", "kind", "parent_id", "enabled", "version", "path"} <= set(one)
    assert one["kind"] in ("partner", "folder", "customer", "unit")
    headers = {"Authorization": f"Bearer {client.token()}"}
    root = requests.get(f"{emulator.url}/api/2/tenants/{emulator.state.tenant_id}", headers=headers, timeout=5)
    assert root.status_code == 200 and root.json()["kind"] == "partner"
    other = requests.get(f"{emulator.url}/api/2/tenants/{foreign[0]}", headers=headers, timeout=5)
    assert other.status_code == 404
    me = requests.get(f"{emulator.url}/api/2/clients/{emulator.client_id}", headers=headers, timeout=5)
    assert me.status_code == 200 and me.json()["tenant_id"] == emulator.state.tenant_id
    too_many = requests.get(
        f"{emulator.url}/api/2/tenants", params={"uuids": ",".join(own[:1] * 101)}, headers=headers, timeout=5
    )
    assert too_many.status_code == 400


def test_deleted_tenants_only_with_allow_deleted(client: EventManagerClient, emulator: Emulator) -> None:
    tree = emulator.state.factory.tree
    deleted = [t.id for t in tree.order if t.deleted and tree.in_scope(t.id, emulator.state.tenant_id, "ALL")]
    assert deleted
    assert {t["id"] for t in client.tenants(deleted, allow_deleted=True)} == set(deleted)
    assert client.tenants(deleted, allow_deleted=False) == []


def test_a_client_without_the_tenant_scope_gets_403(emulator: Emulator) -> None:
    emulator.state.add_client("no-tenants", "s3cret", scopes=("urn:acronis.com:event_manager::subscriber",))
    c = EventManagerClient(emulator.url, "no-tenants", "s3cret")
    with pytest.raises(errors.PermissionDenied):
        c.tenants([emulator.state.tenant_id])
    c.close()
