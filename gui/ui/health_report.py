"""What the Stream health panel says, as sections of (label, value, tone) rows and the last polls:
one description that the panel shows and "Copy as text" writes, so the two never differ. Read from
the tab's ``StreamState`` and what the panel asked the server; never a secret (no client secret,
no access token: the token's expiry only)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gui.api import EventManagerClient, Subscription
from gui.api.durations import parse_duration
from gui.api.models import Topic, explain_skips, short_type
from gui.consumer.health import PollRecord, lag_text, lost_sentence, retention_words
from gui.ui.stream_state import StreamState
from gui.words import counted

Row = tuple[str, str, str]  # label, value, tone ("", "ok", "warning", "error")
POLL_COLUMNS = ("Time (UTC)", "HTTP", "Events", "Duration", "Offset sent", "Offset returned", "Retry-After")


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, label: str, value: str, tone: str = "") -> None:
        self.rows.append((label, value, tone))


@dataclass
class Asked:
    """What the panel asked the server (when it opened, or Refresh)."""

    topic: Topic | None = None
    committed: int | None = None
    at: float | None = None
    failure: str = ""


def clock(when: float | None, *, seconds: bool = True) -> str:
    if when is None:
        return "—"
    return time.strftime("%H:%M:%S" if seconds else "%H:%M", time.gmtime(when)) + "Z"


def _in(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def verdict(state: StreamState, asked: Asked) -> tuple[str, str]:
    """The answer to "why no events?" in one sentence, and its tone."""
    status = state.status
    if not state.running:
        return (state.notice or "Stopped: press Start to read the subscription."), ""
    if state.paused:
        return "Paused: polling goes on and new events are held until you resume.", "warning"
    if status.state == "standby" or (status.state == "rate_limited" and state.role == "standby"):
        return (
            "Standby: the server says another instance (another consumer ID) leads this subscription. This one "
            "asks again and takes over when the leader's session ends.",
            "warning",
        )
    if status.state in ("rate_limited", "backing_off") or status.error:
        return f"Not reading now: {status.message}", "error"
    persistent = asked.topic.persistency if asked.topic is not None else True
    if state.caught_up:
        text = (
            "Caught up: the last poll brought fewer events than it asked for, so the server has no more for this "
            "subscription right now. No new rows means nothing new matches it (its types, tenant scope, CEL)."
        )
        if not persistent:
            text += " The topic is not persistent: events that came while no instance read are not kept."
        return text, "ok" if persistent else "warning"
    if state.caught_up is False:
        lag = "" if state.lag is None else f" ({lag_text(False, state.lag)})"
        return f"Behind: polls come back full; the stream is reading a backlog{lag}.", "warning"
    return "Connecting: no poll has answered yet.", ""


def _leadership(state: StreamState, sub: Subscription | None, now: float) -> Section:
    section = Section("Leadership")
    timeout = sub.session_timeout if sub else "PT30S"
    answered = next((p for p in reversed(state.polls) if p.status in (200, 202)), None)
    if state.role == "leader":
        section.add("Role", f"leader since {clock(state.role_since)}", "ok")
        if answered is not None:
            until = answered.at + parse_duration(timeout)
            section.add("Session", f"holds until {clock(until)} if no poll comes (session timeout {timeout})")
    elif state.role == "standby":
        section.add(
            "Role",
            f"standby since {clock(state.role_since)}: another instance leads (or the server limits the rate)",
            "warning",
        )
        refused = next((p for p in reversed(state.polls) if p.status == 429), None)
        if refused is not None and refused.retry_after is not None:
            section.add(
                "Session",
                f"next try at {clock(refused.at + refused.retry_after)} (Retry-After {refused.retry_after:g} s); "
                f"the leader's session holds {timeout} after its last poll",
            )
    else:
        section.add("Role", "not known yet (no poll has answered)" if state.running else "not reading")
    section.add("Consumer ID", state.consumer_id)
    return section


def _stream(state: StreamState) -> Section:
    section = Section("Stream")
    section.add("State", state.status.message)
    last = state.polls[-1] if state.polls else None
    if state.caught_up and last is not None:
        section.add("Reading", f"caught up (the last answer: {last.events} of {last.limit} events)", "ok")
    elif state.caught_up is False:
        behind = "" if state.lag is None else f", {lag_text(False, state.lag)} (topic sequences: an upper bound)"
        section.add("Reading", f"behind: polls come back full{behind}", "warning")
    else:
        section.add("Reading", "—")
    start = state.started_from or "—"
    if state.started_offset is not None and not start.startswith("offset"):
        start += f" (offset {state.started_offset:,})"
    section.add("Started from", start)
    section.add("Events", f"{state.total:,} received")
    if state.lost:
        first, last_lost = state.lost_span or (0, 0)
        section.add("Lost", lost_sentence(state.lost, first, last_lost, state.lost_retention), "error")
    else:
        section.add("Lost", "none")
    skipped = counted(state.gaps, "place")
    section.add("Skipped", f"{skipped} where sequences were skipped. {explain_skips(state.skip_reasons)}")
    return section


def _subscription(sub: Subscription | None, asked: Asked) -> Section:
    section = Section("Subscription")
    if sub is None:
        section.add("Subscription", "none chosen")
        return section
    topic = asked.topic
    section.add("ID", sub.subscription_id)
    section.add("Topic", sub.topic_id.rsplit("~", 1)[-1] if "~" in sub.topic_id else sub.topic_id)
    if topic is not None:
        retention = topic.retention or "—"
        if topic.retention and retention_words(topic.retention) != topic.retention:
            retention += f" ({retention_words(topic.retention)})"
        section.add("Retention", retention)
        section.add("Consolidation", topic.consolidation or "—")
        if topic.persistency:
            section.add("Persistency", "true: the topic keeps its events for its retention")
        else:
            section.add(
                "Persistency",
                "false: the topic keeps no events; what arrives while no instance reads is never delivered",
                "warning",
            )
    elif asked.failure:
        section.add("Topic details", f"not known: {asked.failure}", "warning")
    types = [short_type(t) if not t.endswith("*") else t.rsplit("~", 1)[-1] for t in sub.types]
    section.add("Types", ", ".join(types))
    tenant = sub.tenant_id or "the API client's tenant"
    section.add("Tenant scope", f"{sub.tenant_depth} of {tenant}")
    section.add("CEL", sub.cel or "none")
    section.add(
        "Auto-commit",
        "on: the server commits each offset it is polled from" if sub.auto_commit else "off",
    )
    section.add("Session timeout", sub.session_timeout)
    return section


def _offsets(
    state: StreamState, client: EventManagerClient | None, stored: int | None, asked: Asked, now: float
) -> Section:
    section = Section("Offsets and token")
    if asked.committed is not None:
        section.add("Committed on the server", f"{asked.committed:,} (asked at {clock(asked.at)})")
    else:
        section.add("Committed on the server", f"not known: {asked.failure}" if asked.failure else "—")
    section.add("Stored on this machine", "none" if stored is None else f"{stored:,}")
    returned = next((p.offset_returned for p in reversed(state.polls) if p.offset_returned is not None), None)
    section.add("Next poll from", "—" if returned is None else f"{returned:,}")
    expires = client.token_expires_at if client is not None else None
    if expires is None:
        section.add("Access token", "none fetched yet")
    elif expires <= now:
        section.add("Access token", f"expired at {clock(expires)}; a new one is fetched at the next call", "warning")
    else:
        section.add("Access token", f"expires at {clock(expires)} (in {_in(expires - now)}); renewed shortly before")
    return section


def sections(
    state: StreamState,
    client: EventManagerClient | None,
    sub: Subscription | None,
    stored: int | None,
    asked: Asked,
    now: float | None = None,
) -> list[Section]:
    now = time.time() if now is None else now
    return [
        _leadership(state, sub, now),
        _stream(state),
        _subscription(sub, asked),
        _offsets(state, client, stored, asked, now),
    ]


def poll_row(p: PollRecord) -> tuple[str, ...]:
    return (
        clock(p.at),
        str(p.status) if p.status else "—",
        f"{p.events}/{p.limit}" if p.status in (200, 202) else "—",
        f"{p.duration:.2f} s",
        f"{p.offset_sent:,}",
        "—" if p.offset_returned is None else f"{p.offset_returned:,}",
        "—" if p.retry_after is None else f"{p.retry_after:g} s",
    )


def as_text(state: StreamState, verdict_text: str, parts: list[Section], connection: str = "") -> str:
    """Everything the panel shows, as plain text for a support ticket (no secret in it)."""
    lines = [f"Event Monitor: stream health at {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}"]
    if connection:
        lines.append(f"Connection: {connection}")
    lines += ["", verdict_text]
    for part in parts:
        lines += ["", part.title]
        lines += [f"  {label}: {value}" for label, value, _tone in part.rows]
    lines += ["", f"Last {len(state.polls)} polls (newest last)"]
    rows = [POLL_COLUMNS, *(poll_row(p) for p in state.polls)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(POLL_COLUMNS))]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    notes = [f"  {clock(p.at)} {p.status or '—'}: {p.note}" for p in state.polls if p.note]
    if notes:
        lines += ["", "What the refused or failed polls said", *notes]
    return "\n".join(lines) + "\n"
