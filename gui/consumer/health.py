"""What a stream's health is made of, Qt-free: one record per poll, whether the stream has read all
the server has for it, and how lag, losses and skipped sequences are said. The window, ``tail`` and
the tests read the same rules here.

The client cannot know how many of a topic's sequences are for its subscription (on a shared or
filtered topic most are not), so the one thing it knows for sure is what the last poll said: fewer
events than asked (or none, or 202) means the server had no more for it (*caught up*); a full
poll means there may be more, at most as many as the topic's sequences still ahead."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gui.api.durations import parse_duration
from gui.words import counted

POLLS_KEPT = 20  # the last polls the health panel lists


@dataclass(frozen=True)
class PollRecord:
    """One poll and its outcome. ``status``: 200, 202, 429, another HTTP status, or 0 when no
    answer came (network); ``events`` as the server sent them (repeats included)."""

    at: float  # epoch seconds the answer came
    status: int
    events: int
    limit: int
    duration: float  # seconds the poll took (a long-poll waits up to its timeout)
    offset_sent: int
    offset_returned: int | None = None
    retry_after: float | None = None
    note: str = ""  # what a 429 or a failure said

    @property
    def full(self) -> bool:
        return self.status == 200 and self.events >= self.limit

    @property
    def caught_up(self) -> bool | None:
        """True: the server had no more for this subscription; False: it may have (the poll came
        back full); None: the poll says nothing about it (429, a failure)."""
        if self.status == 202 or (self.status == 200 and self.events < self.limit):
            return True
        return False if self.full else None


def lag_text(caught_up: bool | None, lag: int | None) -> str:
    """What the status bar's lag says: "caught up", "≤ N behind" (an upper bound: topic
    sequences, not all of them this subscription's), or "lag —" when not known."""
    if caught_up:
        return "caught up"
    if lag is None:
        return "lag —"
    return f"≤ {lag:,} behind" if caught_up is False else f"lag {lag:,}"


def retention_words(retention: str) -> str:
    """``P7D`` -> "7 days" (as the topic says it when it is not an ISO duration)."""
    try:
        seconds = parse_duration(retention)
    except ValueError:
        return retention
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return counted(n, unit)
    return f"{seconds} s"


def retention_phrase(retention: str = "") -> str:
    """ "the topic's retention (P7D: 7 days)", or "the topic's retention" when it is not known."""
    if not retention:
        return "the topic's retention"
    words = retention_words(retention)
    return (
        f"the topic's retention ({retention}: {words})"
        if words != retention
        else f"the topic's retention ({retention})"
    )


def lost_text(count: int, first: int, last: int) -> str:
    """Lost, in what is known: topic sequences removed by retention before they were read; how many
    of them were for this subscription nobody can tell any more, hence "up to"."""
    return f"up to {counted(count, 'event')} lost (sequences {first:,}–{last:,})"


def lost_sentence(count: int, first: int, last: int, retention: str = "") -> str:
    return f"{lost_text(count, first, last)}: removed by {retention_phrase(retention)} before they were read"


@dataclass
class SkipSummary:
    """Skipped sequences said once per interval (``tail``), not once per range: ``add`` a range,
    and ``due`` gives the line to say when the interval is over (``flush`` at the end)."""

    interval: float = 60.0
    ranges: int = 0
    sequences: int = 0
    first: int | None = None
    last: int | None = None
    since: float = field(default_factory=time.monotonic)

    def add(self, first: int, last: int) -> None:
        self.ranges += 1
        self.sequences += max(0, last - first + 1)
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)

    def due(self, now: float | None = None) -> str | None:
        now = time.monotonic() if now is None else now
        if now - self.since < self.interval:
            return None
        return self.flush(now)

    def flush(self, now: float | None = None) -> str | None:
        line = None
        if self.ranges:
            ranges, seqs = counted(self.ranges, "range"), counted(self.sequences, "sequence")
            line = f"[gap] {seqs} skipped in {ranges} (not for this subscription), between {self.first}..{self.last}"
        self.ranges = self.sequences = 0
        self.first = self.last = None
        self.since = time.monotonic() if now is None else now
        return line
