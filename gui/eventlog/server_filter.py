"""A tab's view as the server-side filter of a new subscription (Qt-free): the types chosen in the
type filter, the tenant and the CEL filter become the subscription's types, tenant scope and CEL,
checked here against the server's limits before anything is sent. The text filter and the time
range stay local (a subscription cannot filter by them)."""

from __future__ import annotations

import uuid

from gui.api.models import TENANT_DEPTHS, Subscription, all_types_pattern, is_cti, is_uuid
from gui.eventlog import cel
from gui.eventlog.view import ViewSpec

MAX_TYPES = 32  # the server's limits (the Event Manager's subscription contract)
MAX_CEL = 4096


def problems(view: ViewSpec) -> list[str]:
    """What keeps ``view`` from becoming a subscription's filter, each said exactly ([] when nothing)."""
    out = []
    if not (view.types or view.tenant or view.cel):
        out.append(
            "The view has no type, tenant or CEL filter for the server to apply: choose types in the type "
            "filter, type a tenant ID or a CEL filter (or use New subscription… for an unfiltered one)."
        )
    if len(view.types) > MAX_TYPES:
        out.append(
            f"{len(view.types)} event types are chosen in the type filter; a subscription takes at most "
            f"{MAX_TYPES}: choose {len(view.types) - MAX_TYPES} fewer, or none for every type of the topic."
        )
    odd = [t for t in view.types if not is_cti(t)]
    if odd:
        out.append(f"Not an event type the server knows: {', '.join(odd[:3])}.")
    if view.tenant and not is_uuid(view.tenant):
        out.append(
            f"The tenant filter “{view.tenant}” is not a tenant ID: the server filters by a tenant's ID "
            "(a UUID, as the Tenant column's tooltip shows it). Type the whole ID, or clear the field."
        )
    if len(view.cel) > MAX_CEL:
        out.append(
            f"The CEL filter is {len(view.cel):,} characters long; the server takes at most {MAX_CEL:,}: "
            f"shorten it by {len(view.cel) - MAX_CEL:,}."
        )
    elif view.cel:
        problem = cel.check(view.cel)
        if problem is not None:
            out.append(f"The CEL filter is not valid: {problem}")
    return out


def local_only(view: ViewSpec) -> list[str]:
    """The view's filters that stay in the window (the server cannot apply them)."""
    out = []
    if view.text:
        out.append(f"the text filter “{view.text}”")
    if view.time_preset not in ("", "any"):
        out.append("the time range")
    return out


def subscription_from_view(
    view: ViewSpec,
    topic_id: str,
    *,
    tenant_depth: str = "CURRENT",
    auto_commit: bool = False,
    session_timeout: str = "PT30S",
) -> Subscription:
    """The new subscription (a fresh ID) that filters on the server as ``view`` filters here.
    ValueError with every problem when it cannot. A tenant in the view is read with
    ``tenant_depth`` (CURRENT: that tenant's events only, as the view shows them)."""
    found = problems(view)
    if tenant_depth not in TENANT_DEPTHS:
        found.append(f"The tenant depth must be one of {', '.join(TENANT_DEPTHS)}.")
    if found:
        raise ValueError("\n".join(found))
    return Subscription(
        subscription_id=str(uuid.uuid4()),
        topic_id=topic_id,
        types=view.types or (all_types_pattern(topic_id),),
        tenant_depth=tenant_depth if view.tenant else "ALL",
        tenant_id=view.tenant or None,
        auto_commit=auto_commit,
        session_timeout=session_timeout,
        cel=view.cel or None,
    )
