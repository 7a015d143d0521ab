"""Tenant names for tenants no payload named (Qt-free): from the state store's cache when fresh,
else from the Account Management API (``fetch``, e.g. ``EventManagerClient.tenants``), and the
fetched ones cached. The window and ``tail --format csv`` both ask through here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gui.storage.store import StateStore, TenantName

REFRESH_S = 24 * 3600  # a cached name is asked again after a day


def resolve(
    store: StateStore, url: str, tenant_ids: Sequence[str], fetch: Callable[[list[str]], list[dict[str, Any]]]
) -> dict[str, TenantName]:
    """The names of ``tenant_ids`` on the data center ``url`` that are known (a tenant the client
    may not see, or one without a name, is absent). Raises what ``fetch`` raises."""
    names = store.tenant_names(url, tenant_ids, REFRESH_S)
    missing = [t for t in tenant_ids if t not in names]
    if missing:
        fetched = [_name(t) for t in fetch(missing) if t.get("name")]
        store.save_tenant_names(url, fetched)
        names.update((n.tenant_id, n) for n in fetched)
    return names


def _name(item: dict[str, Any]) -> TenantName:
    return TenantName(
        str(item["id"]), str(item.get("name") or ""), str(item.get("kind") or ""), str(item.get("path") or "")
    )
