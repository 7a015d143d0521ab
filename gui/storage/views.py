"""Saved views: a named set of filters, columns and time zone, recalled from the View menu and
the combo above the table (Qt-free). Kept in the state store, for every subscription (``scope``
"") or for one; a few useful ones ship with the app."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import orjson

TENANT_TYPE = "cti.a.p.em.event.v1.0~a.p.tenant.{}.v1.0"
MAX_NAME = 80


@dataclass(frozen=True)
class SavedView:
    name: str
    scope: str = ""  # "": every subscription; else a subscription ID
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
    shipped: bool = field(default=False, compare=False)

    def to_json(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k not in ("name", "scope", "shipped")}
        return orjson.dumps(body)

    @classmethod
    def from_json(cls, name: str, scope: str, body: bytes | str) -> SavedView:
        """A stored view; what a newer or damaged entry holds that this version does not know is left out."""
        try:
            data: Any = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known or key in ("name", "scope", "shipped"):
                continue
            if key in ("types", "hidden", "order", "payload"):
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    values[key] = tuple(value)
            elif key in ("since", "until"):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values[key] = float(value)
            elif isinstance(value, str):
                values[key] = value
        return cls(name=name, scope=scope, **values)


SHIPPED = (
    SavedView(
        "Disables and deletions",
        types=tuple(TENANT_TYPE.format(a) for a in ("disabled", "deleted")),
        shipped=True,
    ),
    SavedView("Last hour", time_preset="1h", shipped=True),
    SavedView("New tenants today", types=(TENANT_TYPE.format("created"),), time_preset="today", shipped=True),
    SavedView("Customers only", cel='data.kind == "customer"', shipped=True),
)


def check_name(name: str) -> str:
    """The name as stored; ValueError with what is wrong."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a view needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"a view's name has at most {MAX_NAME} characters")
    if any(name == v.name for v in SHIPPED):
        raise ValueError(f"{name!r} is one of the views that come with the app: choose another name")
    return name
