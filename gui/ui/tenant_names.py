"""Tenant names from the Account Management API, for every tenant no payload named: asked in
batches on a worker thread as new tenants appear, cached in the state store (and reused for a
day, across runs); a client that may not read tenants gets one notice and the IDs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from gui.api import EventManagerClient
from gui.api.errors import PermissionDenied
from gui.eventlog.store import EventStore
from gui.storage import StateStore, TenantName, tenant_names
from gui.ui import background, message
from gui.ui.model import EventTableModel

RETRY_S = 60.0  # after a failure, the next try


class TenantNames(QObject):
    def __init__(
        self,
        events: EventStore,
        model: EventTableModel,
        store: StateStore,
        client: Callable[[], EventManagerClient | None],
    ) -> None:
        super().__init__(model)
        self.events, self.model, self.store = events, model, store
        self.client = client
        self.asked: set[str] = set()
        self.denied = False
        self.running = False
        self._retry_at = 0.0

    def reset(self) -> None:
        """Another connection: its own permissions, its own tenants."""
        self.asked.clear()
        self.denied = False
        self._retry_at = 0.0

    def resolve(self) -> None:
        """Ask for the names of tenants seen without one (called as rows arrive)."""
        client = self.client()
        if client is None or self.running or self.denied or time.monotonic() < self._retry_at:
            return
        ids = [t for t in self.events.unnamed_tenants() if t not in self.asked]
        if not ids:
            return
        self.asked.update(ids)
        self.running = True
        store, url = self.store, client.dc_url

        def work() -> dict[str, TenantName]:
            return tenant_names.resolve(store, url, ids, client.tenants)

        def done(names: dict[str, TenantName]) -> None:
            self.running = False
            self.events.tenant_info.update((n.tenant_id, (n.kind, n.path)) for n in names.values())
            if self.events.learn_names({n.tenant_id: n.name for n in names.values()}):
                self.model.refresh_tenants()
            self.resolve()  # tenants that appeared meanwhile

        def failed(err: Exception) -> None:
            self.running = False
            self.asked.difference_update(ids)
            if isinstance(err, PermissionDenied):
                self.denied = True
                message.info(self, "This API client may not read tenants: the table shows tenant IDs instead of names")
            else:
                self._retry_at = time.monotonic() + RETRY_S
                message.info(self, f"Tenant names could not be read (tried again in a minute): {err}")

        background.run(self, work, done, failed)


def _name(item: dict[str, Any]) -> TenantName:
    return TenantName(
        str(item["id"]), str(item.get("name") or ""), str(item.get("kind") or ""), str(item.get("path") or "")
    )
