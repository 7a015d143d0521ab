"""Subscriptions as the emulator keeps them (Qt-free): the checks a ``POST /subscriptions`` body
must pass, with the contract's 400 answers, and what is kept per subscription (its filters, the
committed offset, the leader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gui.api.durations import parse_duration
from gui.api.models import is_cti, is_uuid
from gui.eventlog.cel import CelError, CelFilter


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def duration(value: str, name: str) -> float:
    try:
        return float(parse_duration(value))
    except ValueError as err:
        raise HttpError(400, "badRequest", f"Parameter {name}: {err}") from err


@dataclass
class SubscriptionState:
    spec: dict[str, Any]
    root_tenant: str
    session_timeout: float
    cel: CelFilter | None
    committed: int = 0
    leader: str | None = None
    leader_seen: float = 0.0
    leader_polls: int = 0
    types: tuple[str, ...] = field(default=())


def check_subscription(
    spec: dict[str, Any], topics: set[str], client_tenant: str, max_session_timeout: float
) -> tuple[dict[str, Any], str, float, CelFilter | None, list[str]]:
    """A subscription body checked as the service does: (the body, its tenant, session timeout in
    seconds, its compiled CEL filter or None, its type patterns); HttpError 400 with what is wrong."""
    allowed = {
        "subscription_id",
        "topic_id",
        "types",
        "tenant_depth",
        "tenant_id",
        "auto_commit",
        "auto_commit_interval",
        "session_timeout",
        "subject_types",
        "cel",
    }
    unknown = set(spec) - allowed
    if unknown:
        raise HttpError(400, "badRequest", f"Unknown fields: {', '.join(sorted(unknown))}")
    for key in ("subscription_id", "topic_id", "types", "tenant_depth"):
        if key not in spec:
            raise HttpError(400, "badRequest", f"Missing required field {key}")
    sub_id = spec["subscription_id"]
    if not isinstance(sub_id, str) or not is_uuid(sub_id):
        raise HttpError(400, "badRequest", "subscription_id is not a UUID")
    topic = spec["topic_id"]
    if not isinstance(topic, str) or not is_cti(topic) or len(topic) > 1024:
        raise HttpError(400, "badRequest", "topic_id is not a CTI identifier")
    if topic not in topics:
        raise HttpError(400, "unknownTopic", f"Unknown topic {topic}")
    types = spec["types"]
    if (
        not isinstance(types, list)
        or not 1 <= len(types) <= 32
        or not all(isinstance(t, str) and t.startswith("cti.") and len(t) <= 1024 for t in types)
    ):
        raise HttpError(400, "badRequest", "types must be a list of 1 to 32 CTI patterns")
    if spec["tenant_depth"] not in ("CURRENT", "DIRECT", "ALL"):
        raise HttpError(400, "badRequest", "tenant_depth must be CURRENT, DIRECT or ALL")
    tenant = spec.get("tenant_id", client_tenant)
    if not isinstance(tenant, str) or not is_uuid(tenant):
        raise HttpError(400, "badRequest", "tenant_id is not a UUID")
    if "auto_commit" in spec and not isinstance(spec["auto_commit"], bool):
        raise HttpError(400, "badRequest", "auto_commit must be a boolean")
    for key in ("session_timeout", "auto_commit_interval"):
        if key in spec and not isinstance(spec[key], str):
            raise HttpError(400, "badRequest", f"{key} must be an ISO 8601 duration")
    session = duration(spec.get("session_timeout", "PT30S"), "session_timeout")
    if "auto_commit_interval" in spec:
        duration(spec["auto_commit_interval"], "auto_commit_interval")
    if session <= 0 or session > max_session_timeout:
        raise HttpError(400, "badRequest", f"session_timeout must be between 1 s and {int(max_session_timeout)} s")
    if "subject_types" in spec and (
        not isinstance(spec["subject_types"], list)
        or len(spec["subject_types"]) > 32
        or not all(isinstance(t, str) for t in spec["subject_types"])
    ):
        raise HttpError(400, "badRequest", "subject_types must be a list of at most 32 CTI patterns")
    cel = None
    if spec.get("cel") is not None:
        if not isinstance(spec["cel"], str) or len(spec["cel"]) > 4096:
            raise HttpError(400, "badRequest", "cel must be a string of at most 4096 characters")
        try:
            cel = CelFilter(spec["cel"])
        except CelError as err:
            raise HttpError(400, "invalidCel", str(err)) from err
    return spec, tenant, session, cel, types
