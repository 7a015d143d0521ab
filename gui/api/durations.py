"""ISO 8601 durations (``PT30S``) and RFC 3339 times, as the Event Manager API writes them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_FACTORS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: str) -> int:
    """Seconds in an ISO 8601 duration such as ``PT30S`` or ``PT5M``; ValueError otherwise."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r} (expected e.g. PT30S or PT5M)")
    return sum(int(g) * f for g, f in zip(match.groups(), _FACTORS, strict=True) if g)


def format_duration(seconds: int) -> str:
    """``PT<n>S`` for a number of seconds."""
    return f"PT{int(seconds)}S"


def parse_time(text: str) -> datetime:
    """An RFC 3339 time (``2024-10-01T11:01:16.03094914Z``) as an aware UTC datetime.

    Nanosecond fractions, which the service sends, are cut to microseconds.
    """
    if not isinstance(text, str):  # a malformed event's time: a number, null
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    try:  # the common case, in C: Python 3.11 reads "Z" and cuts nanoseconds itself
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.fromisoformat(_normalized(text))
    if value.tzinfo is None:
        raise ValueError(f"time without a time zone: {text!r}")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError(f"time out of range: {text!r}") from None


def _normalized(text: str) -> str:
    """``text`` as ``fromisoformat`` reads it where it cannot alone: spaces stripped, a final "z"
    as "+00:00", the fraction cut or padded to six digits."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    if "." in s:
        head, _, rest = s.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        s = head + "." + rest[:digits][:6].ljust(6, "0") + rest[digits:]
    return s


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def delay_seconds(sent: Any, ingested: Any) -> float | None:
    """Seconds from an event's ``time`` to its ``ingest_time``; None when either is no time."""
    try:
        return (parse_time(ingested) - parse_time(sent)).total_seconds()
    except ValueError:
        return None


def delay_text(sent: Any, ingested: Any) -> str:
    """The ingest delay as the table and the CSV show it: ``312 ms``, ``12.5 s``, or empty."""
    delta = delay_seconds(sent, ingested)
    if delta is None:
        return ""
    return f"{delta * 1000:.0f} ms" if abs(delta) < 10 else f"{delta:.1f} s"
