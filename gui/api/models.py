"""Frozen value types of the Event Manager API (what the client returns and the UI shows)."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from gui.api.durations import parse_duration
from gui.api.events import Events

TENANT_TOPIC = "cti.a.p.em.topic.v1.0~a.p.tenant.v1.0"
TENANT_EVENT_PREFIX = "cti.a.p.em.event.v1.0~a.p.tenant."
TENANT_DEPTHS = ("CURRENT", "DIRECT", "ALL")
# topics whose producer consolidation is TTS (the vendor's topic properties): a later event with
# the same type, tenant and subject replaces the earlier one
CONSOLIDATED_TOPICS = frozenset({TENANT_TOPIC})
POSITIONS = ("EARLIEST", "CURRENT", "TIMESTAMP")

_CTI = re.compile(
    r"^cti\.([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z_][a-z0-9_.]*\.v[\d]+\.[\d]+)"
    r"(~([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z_][a-z0-9_.]*\.v[\d]+\.[\d]+))*$"
)


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return len(str(text)) == 36


def is_cti(text: str) -> bool:
    return bool(_CTI.match(text or ""))


def type_matches(pattern: str, type_id: str) -> bool:
    """A subscription type pattern: exact, or a trailing ``*`` that wildcards the rest."""
    if pattern.endswith("*"):
        return type_id.startswith(pattern[:-1])
    return pattern == type_id


def all_types_pattern(topic_id: str) -> str:
    """The pattern of every event type of a topic: ``...em.topic.v1.0~a.p.tenant.v1.0`` -> ``...em.event.v1.0~a.p.tenant.*``."""
    head, _, tail = topic_id.partition("~")
    return head.replace(".em.topic.", ".em.event.") + "~" + tail.rsplit(".v", 1)[0] + ".*"


@lru_cache(maxsize=4096)  # a few distinct types, asked for on every row shown
def short_type(type_id: str) -> str:
    """``cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0`` -> ``tenant.created``."""
    tail = type_id.rsplit("~", 1)[-1]
    parts = tail.split(".")
    # vendor.package.<name parts>.vX.Y
    name = [p for p in parts[2:] if not (p.startswith("v") and p[1:].isdigit()) and not p.isdigit()]
    return ".".join(name) or tail


@dataclass(frozen=True)
class Topic:
    id: str
    description: str = ""
    persistency: bool = True
    ordering: str = "EVENTMANAGER"
    retention: str = ""
    consolidation: str = ""  # the producer's consolidation: NONE, or TTS (a later event replaces the earlier)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Topic:
        return cls(
            id=str(obj["id"]),
            description=str(obj.get("description", "")),
            persistency=bool(obj.get("persistency", True)),
            ordering=str(obj.get("ordering", "")),
            retention=str(obj.get("retention", "")),
            consolidation=str(obj.get("producer_consolidation", "")),
        )


@dataclass(frozen=True)
class EventType:
    id: str
    topic_id: str
    description: str = ""
    data_schema: str | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> EventType:
        schema = obj.get("data_schema")
        return cls(
            id=str(obj["id"]),
            topic_id=str(obj["topic_id"]),
            description=str(obj.get("description", "")),
            data_schema=str(schema) if schema is not None else None,
        )


@dataclass(frozen=True)
class Subscription:
    """A subscription as created on the server (and remembered locally: no API lists them)."""

    subscription_id: str
    topic_id: str
    types: tuple[str, ...]
    tenant_depth: str = "ALL"
    tenant_id: str | None = None
    auto_commit: bool = False
    session_timeout: str = "PT30S"
    cel: str | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        out = []
        if not is_uuid(self.subscription_id):
            out.append(f"subscription ID {self.subscription_id!r} is not a UUID")
        if not is_cti(self.topic_id):
            out.append(f"topic {self.topic_id!r} is not a CTI identifier")
        if not 1 <= len(self.types) <= 32:
            out.append("a subscription needs between 1 and 32 event types")
        if self.tenant_depth not in TENANT_DEPTHS:
            out.append(f"tenant depth must be one of {', '.join(TENANT_DEPTHS)}")
        if self.tenant_id is not None and not is_uuid(self.tenant_id):
            out.append(f"tenant ID {self.tenant_id!r} is not a UUID")
        try:
            parse_duration(self.session_timeout)
        except ValueError as err:
            out.append(f"session timeout: {err}")
        if self.cel is not None and len(self.cel) > 4096:
            out.append("the CEL filter is longer than 4096 characters")
        return out

    def skip_reasons(self) -> list[str]:
        """What explains skipped sequences for this subscription (none of them a loss): its own
        filters, the other tenants of the topic the data center shares, consolidation."""
        reasons = []
        if self.types != (all_types_pattern(self.topic_id),):
            shown = ", ".join(short_type(t) if not t.endswith("*") else t.rsplit("~", 1)[-1] for t in self.types[:3])
            more = f" and {len(self.types) - 3} more" if len(self.types) > 3 else ""
            reasons.append(f"its type filter ({shown}{more}): events of other types")
        if self.cel:
            reasons.append("its CEL filter: events it does not match")
        if self.tenant_depth != "ALL":
            reasons.append(f"its tenant scope ({self.tenant_depth}): events of tenants below it")
        reasons.append("other partners' and tenants' events in the topic the data center shares")
        if self.topic_id in CONSOLIDATED_TOPICS:
            reasons.append("events replaced by consolidation (a later event of the same type, tenant and subject)")
        return reasons

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {k: v for k, v in asdict(self).items() if v is not None}
        body["types"] = list(self.types)
        return body

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Subscription:
        return cls(
            subscription_id=str(obj["subscription_id"]),
            topic_id=str(obj["topic_id"]),
            types=tuple(obj["types"]),
            tenant_depth=str(obj.get("tenant_depth", "ALL")),
            tenant_id=obj.get("tenant_id"),
            auto_commit=bool(obj.get("auto_commit", False)),
            session_timeout=str(obj.get("session_timeout", "PT30S")),
            cel=obj.get("cel"),
        )


GENERIC_SKIP_REASONS = (
    "the subscription's filters (types, tenant scope, CEL)",
    "other partners' and tenants' events in the topic the data center shares",
    "events replaced by consolidation",
)


def explain_skips(reasons: tuple[str, ...] | list[str] = ()) -> str:
    """One sentence of what explains skipped sequences, ending in "Expected, not a loss."."""
    return "What explains them here: " + "; ".join(reasons or GENERIC_SKIP_REASONS) + ". Expected, not a loss."


@dataclass(frozen=True)
class PollResult:
    """One answer of ``GET /events``: events (possibly none) and the offset for the next poll.

    ``retry_after`` is set when the server said 202 (nothing yet) with a Retry-After header.
    """

    events: Events
    offset: int
    status: int = 200
    retry_after: float | None = None
