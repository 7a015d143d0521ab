"""What a tab shows, as one specification (Qt-free): the filters (text, types, tenant, time range,
CEL), the time zone and the columns. One serialised form (``to_json``/``from_json``) serves the
window's state between runs, saved views and the provenance of an export; ``describe`` says it in
words. ``gui.ui.view`` reads it from the filter bar and table and shows it there."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import orjson

LIST_FIELDS = ("types", "hidden", "order", "payload")
TIME_FIELDS = ("since", "until")


@dataclass(frozen=True, kw_only=True)
class ViewSpec:
    text: str = ""
    types: tuple[str, ...] = ()
    tenant: str = ""
    time_preset: str = "any"
    since: float | None = None  # a custom range (epoch seconds)
    until: float | None = None
    cel: str = ""
    zone: str = ""  # "utc" or "local"; "" leaves the zone as it is
    hidden: tuple[str, ...] = ()  # column keys hidden
    order: tuple[str, ...] = ()  # column keys in the order shown ("" leaves the order)
    payload: tuple[str, ...] = ()  # columns of one's own (paths)

    def as_dict(self) -> dict[str, Any]:
        """The view's fields (a subclass's own, such as a saved view's name, left out)."""
        every = asdict(self)
        return {f.name: every[f.name] for f in fields(ViewSpec)}

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict())

    @classmethod
    def from_dict(cls, data: Any) -> ViewSpec:
        """A stored view; what a newer or damaged entry holds that this version does not know is
        left out (never an error: a view is a convenience)."""
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if key in LIST_FIELDS:
                if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                    values[key] = tuple(value)
            elif key in TIME_FIELDS:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values[key] = float(value)
            elif isinstance(value, str):
                values[key] = value
        return cls(**values)

    @classmethod
    def from_json(cls, body: bytes | str) -> ViewSpec:
        try:
            data: Any = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = {}
        return cls.from_dict(data)

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.types or self.tenant or self.time_preset != "any" or self.cel)

    def describe(self) -> str:
        """In words, for a tooltip or a status message."""
        parts = []
        if self.text:
            parts.append(f"text “{self.text}”")
        if self.types:
            parts.append("types " + ", ".join(t.rsplit("~", 1)[-1].removeprefix("a.p.") for t in self.types))
        if self.tenant:
            parts.append(f"tenant “{self.tenant}”")
        if self.time_preset != "any":
            parts.append(f"time {self.time_preset}")
        if self.cel:
            parts.append(f"CEL {self.cel}")
        if self.payload:
            parts.append("columns " + ", ".join(self.payload))
        return "; ".join(parts) or "no filter"
