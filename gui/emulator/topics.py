"""The emulator's topics (Qt-free): each an ordered log of events as served, with retention
(``max_events``) and the vendor's TTS consolidation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from gui.api.durations import format_time, parse_time


@dataclass(slots=True)
class StoredEvent:
    """An event as served: its JSON, and what subscriptions filter on. The dict is parsed only when
    asked for (CEL), so a long-running emulator holds ~1.5 KB per event rather than ~3.3."""

    sequence: int
    type: str
    tenant_id: str
    time: datetime
    raw: bytes
    replaced: bool = False  # consolidated away by a later event with the same type, tenant and subject

    @property
    def body(self) -> dict[str, Any]:
        return dict(orjson.loads(self.raw))


ENVELOPE_ORDER = (
    "id",
    "type",
    "time",
    "ingest_time",
    "sequence",
    "previous",
    "source",
    "subject",
    "subject_type",
    "tenant_id",
    "client_id",
    "data",
)


class TopicLog:
    """The ordered events of one topic; ``sequence`` increases by one, ``previous`` links back.
    With ``max_events``, the oldest events go once there are more (as a real topic's retention
    drops them): the earliest offset moves on, and a consumer behind it gets the oldest kept events,
    whose ``previous`` shows what it missed.

    With ``consolidate`` (the vendor's TTS consolidation) an event replaces the earlier one with the
    same type, tenant and subject: the earlier one is marked ``replaced`` (its bytes freed) and no
    poll returns it, so reading from EARLIEST no two events share those three."""

    def __init__(self, topic_id: str, max_events: int | None = None, *, consolidate: bool = False) -> None:
        self.topic_id = topic_id
        self.events: list[StoredEvent] = []  # replaced ones stay in place: index = sequence - first
        self.first_sequence = 1
        self.max_events = max_events
        self.consolidate = consolidate
        self._latest: dict[tuple[str, str, str], int] = {}  # (type, tenant, subject) -> its sequence

    def live(self) -> list[StoredEvent]:
        """The events a poll from EARLIEST can return, in order."""
        return [e for e in self.events if not e.replaced]

    @property
    def last_sequence(self) -> int:
        return self.events[-1].sequence if self.events else self.first_sequence - 1

    def append(self, body: dict[str, Any], ingest: datetime, when: datetime | None = None) -> StoredEvent:
        """Store ``body`` as the next event; ``when`` is its time if the caller has it parsed already."""
        sequence = self.last_sequence + 1
        full = dict(body)
        full["ingest_time"] = format_time(ingest)
        full["sequence"] = sequence
        if sequence > 1:
            full["previous"] = sequence - 1
        # the envelope order of the real service: identity first, data last
        ordered: dict[str, Any] = {k: full[k] for k in ENVELOPE_ORDER if k in full}
        event = StoredEvent(
            sequence,
            body["type"],
            body["tenant_id"],
            when or parse_time(body["time"]),
            memoryview(orjson.dumps(ordered)).tobytes(),  # exact size: orjson over-allocates
        )
        self.events.append(event)
        if self.consolidate:
            key = (body["type"], body["tenant_id"], str(body.get("subject")))
            earlier = self._latest.get(key)
            self._latest[key] = sequence
            if earlier is not None and earlier >= self.first_sequence:
                old = self.events[earlier - self.first_sequence]
                old.replaced, old.raw = True, b""
        cap = self.max_events
        if cap is not None and len(self.events) > cap + max(1, cap // 16):  # dropped in bulk, not one by one
            excess = len(self.events) - cap
            del self.events[:excess]
            self.first_sequence += excess
            if self.consolidate:
                self._latest = {k: v for k, v in self._latest.items() if v >= self.first_sequence}
        return event

    def index_after(self, offset: int) -> int:
        """Index of the first event with ``sequence > offset``."""
        return max(0, min(len(self.events), offset - self.first_sequence + 1))
