"""A view as a new subscription's server-side filter (gui/eventlog/server_filter.py): what it
becomes, and what the server would refuse, said before anything is sent."""

from __future__ import annotations

import pytest

from gui.api.models import TENANT_EVENT_PREFIX, TENANT_TOPIC, all_types_pattern
from gui.eventlog.server_filter import local_only, problems, subscription_from_view
from gui.eventlog.view import ViewSpec

TENANT = "0b6a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b"
CREATED = TENANT_EVENT_PREFIX + "created.v1.0"


def test_types_tenant_and_cel_become_the_subscription_s_filter() -> None:
    view = ViewSpec(types=(CREATED,), tenant=TENANT, cel='data.kind == "customer"', text="acme")
    sub = subscription_from_view(view, TENANT_TOPIC, auto_commit=True)
    assert sub.types == (CREATED,) and sub.cel == 'data.kind == "customer"'
    assert (sub.tenant_id, sub.tenant_depth) == (TENANT, "CURRENT") and sub.auto_commit
    assert local_only(view) == ["the text filter “acme”"]
    every = subscription_from_view(ViewSpec(cel="true"), TENANT_TOPIC)
    assert every.types == (all_types_pattern(TENANT_TOPIC),) and every.tenant_depth == "ALL" and every.tenant_id is None


@pytest.mark.parametrize(
    ("view", "said"),
    [
        (ViewSpec(text="acme"), "The view has no type, tenant or CEL filter"),
        (ViewSpec(tenant="Marketing"), "The tenant filter “Marketing” is not a tenant ID"),
        (ViewSpec(cel="data.kind =="), "The CEL filter is not valid: invalid CEL"),
        (
            ViewSpec(cel="x" * 4097),
            "The CEL filter is 4,097 characters long; the server takes at most 4,096: shorten it by 1.",
        ),
        (
            ViewSpec(types=tuple(f"{TENANT_EVENT_PREFIX}k{n}.v1.0" for n in range(33))),
            "33 event types are chosen in the type filter; a subscription takes at most 32: choose 1 fewer",
        ),
    ],
)
def test_what_the_server_would_refuse_is_said_exactly(view: ViewSpec, said: str) -> None:
    assert any(said in p for p in problems(view)), problems(view)
    with pytest.raises(ValueError, match=said.split(":")[0].replace("(", r"\(")):
        subscription_from_view(view, TENANT_TOPIC)


def test_thirty_two_types_and_4096_characters_are_fine() -> None:
    view = ViewSpec(types=tuple(f"{TENANT_EVENT_PREFIX}k{n}.v1.0" for n in range(32)), cel='"' + "x" * 4094 + '"')
    assert problems(view) == []
