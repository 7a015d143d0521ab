"""Schemathesis over loopback: the emulator's answers match the vendor's OpenAPI document, and no
generated input (valid or not) makes it fail with a 5xx.

`status_code_conformance` is left out on purpose: the vendor's document lists no 400/404 answers,
yet the contract (EVENT-MANAGER.md) has the real service answer bad parameters with 400 and unknown
subscriptions with 404, and the emulator does the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

from gui.api import EventManagerClient
from gui.emulator import Emulator
from tests.conftest import make_subscription

# the project's own copy of the vendor's document (docs/api/README.md says where it comes from)
SPEC = Path(__file__).resolve().parents[2] / "docs" / "api" / "event-manager-v1.openapi.json"

schema = schemathesis.openapi.from_path(SPEC)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Emulator, dict[str, str], str]]:
    with Emulator(history=200, seed=3) as em:
        client = EventManagerClient(em.url, em.client_id, em.client_secret)
        sub = make_subscription(client)
        yield em, {"Authorization": "Bearer " + client.token()}, sub.subscription_id


@schema.exclude(method="POST", path="/subscriptions").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_emulator_conforms_to_the_openapi_document(
    case: schemathesis.Case, live: tuple[Emulator, dict[str, str], str]
) -> None:
    check_case(case, live)


# Schemathesis cannot generate bodies for POST /subscriptions in reasonable time (the CTI-wildcard
# regex defeats Hypothesis), so these bodies come from a strategy of ours; the checks are the same.
_TYPES = st.sampled_from(
    [
        "cti.a.p.em.event.v1.0~a.p.tenant.*",
        "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0",
        "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.*",
        "cti.a.p.em.event.v1.0~a.p.user.*",
        "cti.*",
        "not-a-cti",
    ]
)
_BODIES = st.fixed_dictionaries(
    {
        "subscription_id": st.one_of(st.uuids().map(str), st.text(max_size=40)),
        "topic_id": st.sampled_from(
            [
                "cti.a.p.em.topic.v1.0~a.p.tenant.v1.0",
                "cti.a.p.em.topic.v1.0~a.p.user.v1.0",
                "cti.a.p.em.topic.v1.0~a.p.nope.v1.0",
                "bad",
            ]
        ),
        "types": st.lists(_TYPES, min_size=0, max_size=34),
        "tenant_depth": st.sampled_from(["CURRENT", "DIRECT", "ALL", "SOME"]),
    },
    optional={
        "tenant_id": st.one_of(st.uuids().map(str), st.just("x")),
        "auto_commit": st.one_of(st.booleans(), st.integers()),
        "session_timeout": st.sampled_from(["PT30S", "PT5M", "PT0S", "P1Y", "30s", "PT"]),
        "auto_commit_interval": st.sampled_from(["PT5M", "bad"]),
        "cel": st.sampled_from(['data.kind == "customer"', "sequence > 5", "data.kind ==", "x" * 5000]),
        "subject_types": st.lists(st.sampled_from(["cti.a.p.am.tenant.v1.0", "cti.*"]), max_size=3),
    },
)


@given(body=_BODIES)
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_subscription_creation_conforms(body: dict[str, object], live: tuple[Emulator, dict[str, str], str]) -> None:
    case = schema["/subscriptions"]["POST"].Case(body=body, media_type="application/json")
    check_case(case, live)


def check_case(case: schemathesis.Case, live: tuple[Emulator, dict[str, str], str]) -> None:
    emulator, headers, _ = live
    if case.query and "subscription_id" in case.query and case.path == "/events":
        case.query["timeout"] = "PT0S"  # keep long-polls short; the value is still a valid duration
    response = case.call_and_validate(
        base_url=emulator.url + "/api/event_manager/v1", headers=headers, checks=CHECKS, timeout=20
    )
    assert response.status_code < 500


def test_known_subscription_is_served_per_schema(live: tuple[Emulator, dict[str, str], str]) -> None:
    """Random UUIDs rarely hit a real subscription; check the 200 answers of the real one too."""
    emulator, headers, subscription_id = live
    events = schema["/events"]["GET"]
    case = events.Case(
        query={
            "subscription_id": subscription_id,
            "consumer_id": "0f0e0d0c-0b0a-4908-8706-050403020100",
            "offset": 0,
            "limit": 50,
        }
    )
    response = case.call_and_validate(base_url=emulator.url + "/api/event_manager/v1", headers=headers, checks=CHECKS)
    assert response.status_code == 200 and len(response.json()["events"]) == 50
    offset = schema["/subscriptions/offset"]["GET"].Case(query={"subscription_id": subscription_id})
    assert (
        offset.call_and_validate(
            base_url=emulator.url + "/api/event_manager/v1", headers=headers, checks=CHECKS
        ).status_code
        == 200
    )
