"""The Account Management API calls the monitor uses, as the emulator serves them (same data
center, same bearer token): tenants by ID, one tenant, one API client. A client sees only its own
tenant's subtree; unknown or foreign IDs are simply absent from a batch."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from gui.emulator.subscriptions import HttpError
from gui.emulator.world import EventFactory, Tenant, TenantTree

TENANTS_PER_CALL = 100
READ_TENANTS_SCOPE = "urn:acronis.com::tenants::read"  # the emulator's name for "may read tenants"


class Caller(Protocol):
    """The API client making a call (the server's ClientInfo)."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def scopes(self) -> tuple[str, ...]: ...


class Directory(Protocol):
    """What these calls read of the emulator's state (the server's EmulatorState): described here
    so that this module needs nothing of the server, which imports it."""

    tenant_calls: int

    @property
    def factory(self) -> EventFactory: ...

    @property
    def cond(self) -> threading.Condition: ...

    @property
    def clients(self) -> Mapping[str, Caller]: ...


def tenant_json(tree: TenantTree, tenant: Tenant) -> dict[str, Any]:
    path: list[str] = []
    current: str | None = tenant.id
    while current is not None and len(path) < 64:
        node = tree.tenants.get(current)
        if node is None:
            break
        path.append(node.name)
        current = node.parent_id
    return {
        "id": tenant.id,
        "name": tenant.name,
        "kind": tenant.kind,
        "parent_id": tenant.parent_id,
        "enabled": tenant.enabled,
        "version": tenant.version,
        "path": " / ".join(reversed(path)),
        **({"deleted_at": "2026-01-01T00:00:00Z"} if tenant.deleted else {}),
    }


def route(state: Directory, client: Caller, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    """(status, body) of an Account Management GET; raises the emulator's HttpError."""
    tree = state.factory.tree
    if READ_TENANTS_SCOPE not in client.scopes:
        raise HttpError(403, "forbidden", "The API client may not read tenants")

    def visible(tenant: Tenant | None) -> bool:
        return tenant is not None and tree.in_scope(tenant.id, client.tenant_id, "ALL")

    if path == "/api/2/tenants":
        ids = [i for i in ",".join(query.get("uuids") or []).split(",") if i]
        if not ids:
            raise HttpError(400, "badRequest", "uuids is required")
        if len(ids) > TENANTS_PER_CALL:
            raise HttpError(400, "badRequest", f"at most {TENANTS_PER_CALL} uuids a call")
        allow_deleted = (query.get("allow_deleted") or ["false"])[0] == "true"
        with state.cond:
            items = [
                tenant_json(tree, t)
                for t in (tree.tenants.get(i) for i in ids)
                if t is not None and visible(t) and (allow_deleted or not t.deleted)
            ]
        state.tenant_calls += 1
        return 200, {"items": items}
    if path.startswith("/api/2/tenants/"):
        with state.cond:
            tenant = tree.tenants.get(path.rsplit("/", 1)[1])
            if not visible(tenant):
                raise HttpError(404, "notFound", "No such tenant")
            assert tenant is not None
            return 200, tenant_json(tree, tenant)
    if path.startswith("/api/2/clients/"):
        client_id = path.rsplit("/", 1)[1]
        with state.cond:
            info = state.clients.get(client_id)
        if info is None or info is not client:
            raise HttpError(404, "notFound", "No such client")
        return 200, {"id": client_id, "tenant_id": info.tenant_id, "type": "api_client", "status": "enabled"}
    raise HttpError(404, "notFound", f"No such path: {path}")
