"""What the emulator serves: a tenant tree, topics with event types, and realistic events.

Pure data and a deterministic generator (``random.Random(seed)``); no HTTP here. The benchmark uses
:class:`EventFactory` too, so its data are the same events the emulator sends.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from gui.api.durations import format_time

TENANT_TOPIC = "cti.a.p.em.topic.v1.0~a.p.tenant.v1.0"
USER_TOPIC = "cti.a.p.em.topic.v1.0~a.p.user.v1.0"
EVENT_PREFIX = "cti.a.p.em.event.v1.0~a.p."
# the documented tenant event types, and `deleted` (in no public source: an assumption, see
# docs/api/EVENT-MANAGER.md) and `undeleted` (in the schema examples)
TENANT_ACTIONS = (
    "created",
    "updated",
    "deleted",
    "disabled",
    "enabled",
    "undeleted",
    "barrier_updated",
    "auth_consent.updated",
    "unlocked",
)
TASK_TOPIC = "cti.a.p.em.topic.v1.0~a.p.task.v1.0"
USER_ACTIONS = ("created", "updated", "deleted")
TENANT_SUBJECT_TYPE = "cti.a.p.am.tenant.v1.0"
USER_SUBJECT_TYPE = "cti.a.p.am.user.v1.0"
MAX_EVENT_BYTES = 64 * 1024

TOPICS: dict[str, dict[str, Any]] = {
    TENANT_TOPIC: {
        "id": TENANT_TOPIC,
        "description": "Tenant lifecycle: created, updated, disabled, enabled, deleted, undeleted, barrier updates.",
        "persistency": True,
        # the vendor's topic properties: under TTS an event with the same type, tenant and subject
        # replaces the earlier one (retention is then ignored)
        "ordering": "PRODUCER",
        "producer_consolidation": "TTS",
        "archive_consolidation": "TTS",
        "retention": "P180D",
    },
    USER_TOPIC: {
        "id": USER_TOPIC,
        "description": "User accounts: created, updated, deleted.",
        "persistency": True,
        "ordering": "EVENTMANAGER",
        "producer_consolidation": "NONE",
        "archive_consolidation": "NONE",
        "retention": "P7D",
    },
    TASK_TOPIC: {
        "id": TASK_TOPIC,
        "description": "Tasks.",
        "persistency": True,
        "ordering": "EVENTMANAGER",
        "producer_consolidation": "NONE",
        "archive_consolidation": "NONE",
        "retention": "P7D",
    },
}

_TENANT_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "kind": {"enum": ["partner", "folder", "customer", "unit"]},
        "parent_id": {"type": "string", "format": "uuid"},
        "enabled": {"type": "boolean"},
        "version": {"type": "integer"},
        "contact": {"type": "object"},
    },
    "required": ["id", "kind", "version"],
}
_USER_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"id": {"type": "string"}, "login": {"type": "string"}, "tenant_id": {"type": "string"}},
    "required": ["id", "login"],
}


def event_type(kind: str, action: str) -> str:
    return f"{EVENT_PREFIX}{kind}.{action}.v1.0"


def event_types() -> list[dict[str, Any]]:
    out = []
    for action in TENANT_ACTIONS:
        out.append(
            {
                "id": event_type("tenant", action),
                "topic_id": TENANT_TOPIC,
                "description": f"A tenant was {action.replace('_', ' ')}.",
                "allowed_subject_types": [TENANT_SUBJECT_TYPE],
                "subject_ref_template": "/api/2/tenants/{{subjectId}}",
                "data_schema": orjson.dumps(_TENANT_SCHEMA).decode(),
            }
        )
    for action in USER_ACTIONS:
        out.append(
            {
                "id": event_type("user", action),
                "topic_id": USER_TOPIC,
                "description": f"A user was {action}.",
                "allowed_subject_types": [USER_SUBJECT_TYPE],
                "subject_ref_template": "/api/2/users/{{subjectId}}",
                "data_schema": orjson.dumps(_USER_SCHEMA).decode(),
            }
        )
    return out


_COMPANIES = (
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Adventure Works",
    "Litware",
    "Proseware",
    "Wingtip",
    "Woodgrove",
    "Alpine Ski",
    "Coho Vineyard",
    "Blue Yonder",
    "Fourth Coffee",
    "Lucerne Publishing",
    "Margie's Travel",
    "Humongous Insurance",
    "Trey Research",
    "Graphic Design",
)
_SUFFIX = ("Ltd", "GmbH", "Inc.", "S.A.", "LLC", "AG", "BV", "Oy")
_UNITS = ("Finance", "Sales", "R&D", "Support", "HR", "Legal", "Logistics", "Marketing", "IT")
_CITIES = ("Berlin", "Paris", "Sofia", "Singapore", "Boston", "Zürich", "Tokyo", "Lisbon", "Prague")
_LANGS = ("en", "de", "fr", "ja", "es", "bg", "pt")


@dataclass
class Tenant:
    id: str
    name: str
    kind: str
    parent_id: str | None
    enabled: bool = True
    deleted: bool = False
    version: int = 1
    contact: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    pricing_mode: str = "trial"
    mfa_status: str = "disabled"

    def as_data(self, rng: random.Random) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "kind": self.kind,
            "parent_id": self.parent_id,
            "enabled": self.enabled,
            "customer_type": "default" if self.kind == "customer" else "",
            "language": self.language,
            "has_children": self.kind in ("partner", "folder"),
            "pricing_mode": self.pricing_mode,
            "mfa_status": self.mfa_status,
            "ancestral_access": True,
            "contact": self.contact,
            "update_lock": {"enabled": False, "owner_id": None},
        }
        if self.deleted:
            data["deleted_at"] = format_time(datetime.now(UTC))
        return data


_OTHER_PARTNERS = ("Globex Hosting", "Initech MSP", "Umbrella Backup", "Stark Cloud", "Wayne Data", "Cyberdyne IT")


class TenantTree:
    """A partner (the credentials' tenant, ``root``) with folders, customers and units below it.

    With ``partners`` > 1 it is a data center: a root tenant above that partner and
    ``partners - 1`` others of the same shape, whose events share the topic (the client sees only
    its own partner's subtree, a minority of the topic)."""

    def __init__(self, rng: random.Random, root_id: str, partners: int = 1) -> None:
        self.rng = rng
        self.tenants: dict[str, Tenant] = {}
        self.order: list[Tenant] = []  # for O(1) random picks however large the tree grows
        self.top: Tenant | None = None  # the data center's root tenant (several partners only)
        parent_id = None
        if partners > 1:
            self.top = self._add("Data center", "root", None)
            parent_id = self.top.id
        self.root = self._partner("Acme Cloud Partner", parent_id, tenant_id=root_id)
        for i in range(partners - 1):
            self._partner(_OTHER_PARTNERS[i % len(_OTHER_PARTNERS)] + ("" if i < 6 else f" {i // 6 + 1}"), parent_id)

    def _partner(self, name: str, parent_id: str | None, *, tenant_id: str | None = None) -> Tenant:
        rng = self.rng
        partner = self._add(name, "partner", parent_id, tenant_id=tenant_id)
        folders = [self._add(f"{region} region", "folder", partner.id) for region in ("EMEA", "Americas", "APAC")]
        for i in range(12):
            parent = partner if i % 4 == 0 else folders[i % 3]
            customer = self._add(self._company(), "customer", parent.id)
            for _ in range(rng.randint(0, 2)):
                self._add(rng.choice(_UNITS), "unit", customer.id)
        return partner

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _company(self) -> str:
        return f"{self.rng.choice(_COMPANIES)} {self.rng.choice(_SUFFIX)}"

    def _contact(self, name: str) -> dict[str, Any]:
        first = self.rng.choice(("Anna", "Boris", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hiro"))
        last = self.rng.choice(("Ivanova", "Smith", "Müller", "Dubois", "Tanaka", "Silva", "Novak"))
        domain = name.split()[0].lower().replace("'", "") + ".example"
        return {
            "firstname": first,
            "lastname": last,
            "email": f"{first.lower()}.{last.lower()}@{domain}",
            "phone": f"+{self.rng.randint(1, 99)} {self.rng.randint(100, 999)} {self.rng.randint(1000000, 9999999)}",
            "address1": f"{self.rng.randint(1, 200)} Main Street",
            "city": self.rng.choice(_CITIES),
            "zipcode": str(self.rng.randint(10000, 99999)),
            "country": self.rng.choice(("DE", "FR", "BG", "SG", "US", "CH", "JP", "PT", "CZ")),
        }

    def _add(self, name: str, kind: str, parent_id: str | None, *, tenant_id: str | None = None) -> Tenant:
        tenant = Tenant(
            id=tenant_id or self._uuid(),
            name=name,
            kind=kind,
            parent_id=parent_id,
            contact=self._contact(name),
            language=self.rng.choice(_LANGS),
        )
        self.tenants[tenant.id] = tenant
        self.order.append(tenant)
        return tenant

    def pick(self, wanted: Any, tries: int = 24) -> Tenant | None:
        """A random tenant for which ``wanted(tenant)`` holds (rejection sampling), or None."""
        for _ in range(tries):
            tenant = self.rng.choice(self.order)
            if wanted(tenant):
                return tenant
        return None

    def parent(self, tenant_id: str) -> str | None:
        tenant = self.tenants.get(tenant_id)
        return tenant.parent_id if tenant else None

    def in_scope(self, tenant_id: str, root_id: str, depth: str) -> bool:
        """Whether events of ``tenant_id`` reach a subscription rooted at ``root_id``."""
        if tenant_id == root_id:
            return True
        if depth == "CURRENT":
            return False
        if depth == "DIRECT":
            return self.parent(tenant_id) == root_id
        seen = 0
        current = self.parent(tenant_id)
        while current is not None and seen < 64:
            if current == root_id:
                return True
            current = self.parent(current)
            seen += 1
        return False

    def new_child(self) -> Tenant:
        parent = self.pick(lambda t: t.kind in ("partner", "folder", "customer") and not t.deleted) or self.root
        kind = "unit" if parent.kind == "customer" else self.rng.choice(("customer", "customer", "customer", "folder"))
        name = (
            self.rng.choice(_UNITS)
            if kind == "unit"
            else (self._company() if kind == "customer" else "Reseller folder")
        )
        return self._add(name, kind, parent.id)


class EventFactory:
    """Produces tenant and user events in the shape the API sends (without sequence numbers)."""

    def __init__(
        self, seed: int = 1, root_id: str | None = None, client_id: str | None = None, partners: int = 1
    ) -> None:
        self.rng = random.Random(seed)
        self.tree = TenantTree(self.rng, root_id or str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), partners)
        self.client_id = client_id or self._uuid()
        self._users: list[tuple[str, str, str]] = []
        self.big_every = 400
        self.names_in_payloads = True  # tenant payloads carry the tenant's name

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _envelope(
        self, type_id: str, tenant_id: str, subject: str, subject_type: str, when: datetime, data: Any
    ) -> dict[str, Any]:
        return {
            "id": self._uuid(),
            "type": type_id,
            "time": format_time(when),
            "source": "account-server",
            "subject": subject,
            "subject_type": subject_type,
            "tenant_id": tenant_id,
            "client_id": self.client_id,
            "data": data,
        }

    def tenant_event(self, when: datetime) -> dict[str, Any]:
        rng = self.rng
        tree = self.tree
        picked = tree.pick(lambda t: not t.deleted and t is not tree.top)
        roll = rng.random()
        if roll < 0.12 or picked is None:
            tenant, action = tree.new_child(), "created"
        else:
            tenant = picked
            action = rng.choices(
                ("updated", "disabled", "enabled", "deleted", "barrier_updated", "auth_consent.updated", "unlocked"),
                weights=(60, 8, 8, 6, 6, 3, 2),
            )[0]
            if tenant.kind == "partner" and action in ("deleted", "disabled"):
                action = "updated"
            if action == "deleted" and tenant.kind != "partner":
                deleted = tree.pick(lambda t: t.deleted, tries=8) if rng.random() < 0.3 else None
                if deleted is not None:
                    tenant, action = deleted, "undeleted"
        tenant.version += 1
        if action == "updated":
            change = rng.random()
            if change < 0.4:
                tenant.contact = dict(tenant.contact, phone=f"+{rng.randint(1, 99)} {rng.randint(1000000, 99999999)}")
            elif change < 0.6:
                tenant.language = rng.choice(_LANGS)
            elif change < 0.8:
                tenant.pricing_mode = "production" if tenant.pricing_mode == "trial" else "trial"
            else:
                tenant.mfa_status = "enabled" if tenant.mfa_status == "disabled" else "disabled"
        elif action == "disabled":
            tenant.enabled = False
        elif action == "enabled":
            tenant.enabled = True
        elif action == "deleted":
            tenant.deleted = True
        elif action == "undeleted":
            tenant.deleted = False
        data = tenant.as_data(rng)
        if action == "barrier_updated":
            data = {
                "id": tenant.id,
                "version": tenant.version,
                "barrier": rng.choice(("none", "partial", "full")),
                "reason": rng.choice(("billing", "security review", "manual")),
            }
        if not self.names_in_payloads:
            data.pop("name", None)
        if self.big_every and rng.randrange(self.big_every) == 0:
            data = self._pad(data)
        return self._envelope(event_type("tenant", action), tenant.id, tenant.id, TENANT_SUBJECT_TYPE, when, data)

    def _pad(self, data: dict[str, Any]) -> dict[str, Any]:
        """A payload near the 64 KB limit, as some real tenants with many custom attributes have."""
        target = MAX_EVENT_BYTES - 2048 - self.rng.randint(0, 2048)
        notes = []
        size = len(orjson.dumps(data))
        i = 0
        while size < target:
            line = f"note {i}: " + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(90))
            notes.append(line)
            size += len(line) + 3
            i += 1
        return dict(data, custom_attributes={"notes": notes})

    def user_event(self, when: datetime) -> dict[str, Any]:
        rng = self.rng
        if not self._users or rng.random() < 0.4:
            tenant = rng.choice(
                [t for t in self.tree.tenants.values() if t.kind in ("customer", "unit")] or [self.tree.root]
            )
            user = (self._uuid(), tenant.id, f"{rng.choice(('admin', 'ops', 'backup', 'jdoe'))}{rng.randint(1, 999)}")
            self._users.append(user)
            action = "created"
        else:
            user = rng.choice(self._users)
            action = rng.choice(("updated", "updated", "deleted"))
        user_id, tenant_id, login = user
        data = {
            "id": user_id,
            "login": login,
            "tenant_id": tenant_id,
            "enabled": action != "deleted",
            "email": f"{login}@example.com",
            "language": rng.choice(_LANGS),
        }
        return self._envelope(event_type("user", action), tenant_id, user_id, USER_SUBJECT_TYPE, when, data)


def history_times(count: int, now: datetime, spacing: float = 2.0) -> list[datetime]:
    """``count`` times ending shortly before ``now``, ``spacing`` seconds apart."""
    return [now - timedelta(seconds=(count - i) * spacing) for i in range(count)]
