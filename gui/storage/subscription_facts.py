"""What this machine knows of one remembered subscription, as labelled facts (Qt-free): the
command line's ``subscription show`` prints them, the window's Manage subscriptions dialog shows
them."""

from __future__ import annotations

from gui.api.models import Subscription
from gui.storage.store import StateStore

SCOPES = {
    "CURRENT": "the tenant only",
    "DIRECT": "the tenant and its direct children",
    "ALL": "the tenant and all below it",
}


def tenant_scope(spec: Subscription) -> str:
    tenant = spec.tenant_id or "the API client's own tenant"
    return f"{spec.tenant_depth}: {SCOPES.get(spec.tenant_depth, spec.tenant_depth)} ({tenant})"


def is_filtered(spec: Subscription) -> bool:
    """The server filters it by more than its types: a CEL filter or a tenant scope narrower than
    a whole tree (the server fills in the API client's own tenant when none is given, so a tenant
    ID alone says nothing)."""
    return bool(spec.cel) or spec.tenant_depth != "ALL"


def subscription_facts(
    store: StateStore, url: str, client_id: str, subscription_id: str
) -> list[tuple[str, str]] | None:
    """(label, value) for the subscription, the consumer ID and the stored offset; None when the
    subscription is not remembered for this connection."""
    spec = store.subscription(url, client_id, subscription_id)
    if spec is None:
        return None
    consumer = store.known_consumer_id(url, client_id, subscription_id)
    offset = store.stored_offset(url, client_id, subscription_id)
    return [
        ("subscription", spec.subscription_id),
        ("topic", spec.topic_id),
        ("types", ", ".join(spec.types)),
        ("tenant scope", tenant_scope(spec)),
        ("CEL filter", spec.cel or "(none)"),
        ("auto-commit", "yes" if spec.auto_commit else "no"),
        ("session timeout", spec.session_timeout),
        ("consumer ID", consumer or "(none yet: made when this machine first reads it)"),
        ("stored offset", "(none)" if offset is None else str(offset)),
    ]
