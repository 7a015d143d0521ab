"""Columns of one's own: a value of each event's payload by its path (``data.name``,
``data.contact.email``, ``data.tags.0``), as the table and the export show it (Qt-free)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from gui.api.events import dumps_text

_PART = re.compile(r"^[A-Za-z0-9_$@-][A-Za-z0-9_$@.-]*$")
MAX_PATH = 200
MAX_CELL = 1000  # characters a table cell shows of a value (the export writes it whole)


def parse_path(text: str) -> tuple[str, ...]:
    """``data.contact.email`` -> ("data", "contact", "email"); ValueError with what is wrong."""
    path = text.strip()
    if not path:
        raise ValueError("a column needs a path such as data.name")
    if len(path) > MAX_PATH:
        raise ValueError(f"a path has at most {MAX_PATH} characters")
    parts = tuple(path.split("."))
    if any(not p or not _PART.match(p) for p in parts):
        raise ValueError(f"{path!r} is not a path: names joined by dots, e.g. data.contact.email")
    if parts[0] != "data" or len(parts) < 2:
        raise ValueError(f"{path!r} is not in the payload: a path starts with data., e.g. data.kind")
    return parts


def lookup(event: Any, parts: Sequence[str]) -> Any:
    """The value at ``parts`` (list items by index), or None where the path leads nowhere."""
    value = event
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def text(value: Any, limit: int | None = MAX_CELL) -> str:
    """A value as a cell shows it: strings as they are, true/false/null as in JSON, objects and
    lists as compact JSON; cut at ``limit`` characters with "…"."""
    if value is None:
        return ""
    if isinstance(value, str):
        out = value
    elif isinstance(value, bool):
        out = "true" if value else "false"
    elif isinstance(value, (int, float)):
        out = str(value)
    else:
        out = dumps_text(value)
    if limit is not None and len(out) > limit:
        return out[: limit - 1] + "…"
    return out
