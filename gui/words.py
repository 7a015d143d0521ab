"""Counts in plain English: "1 event", "2 events", "1,000 sequences"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun in the number it needs (``plural`` defaults to singular + "s")."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"
