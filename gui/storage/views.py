"""Saved views: a named set of filters, columns and time zone, recalled from the View menu and
the combo above the table (Qt-free). Kept in the state store, for every subscription (``scope``
"") or for one; a few useful ones ship with the app."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from gui.eventlog.view import ViewSpec

TENANT_TYPE = "cti.a.p.em.event.v1.0~a.p.tenant.{}.v1.0"
MAX_NAME = 80


@dataclass(frozen=True)
class SavedView(ViewSpec):
    """A named view: a ``gui.eventlog.view.ViewSpec`` (filters, columns and zone, its fields) with
    a name and a scope; stored as the spec's JSON."""

    name: str
    scope: str = ""  # "": every subscription; else a subscription ID
    shipped: bool = field(default=False, compare=False)

    @property
    def spec(self) -> ViewSpec:
        return ViewSpec(**{f.name: getattr(self, f.name) for f in fields(ViewSpec)})

    @classmethod
    def of(cls, name: str, scope: str, spec: ViewSpec, *, shipped: bool = False) -> SavedView:
        return cls(name=name, scope=scope, shipped=shipped, **spec.as_dict())

    @classmethod
    def stored(cls, name: str, scope: str, body: bytes | str) -> SavedView:
        """A stored view (its spec's JSON, ``to_json``); what a newer or damaged entry holds that
        this version does not know is left out."""
        return cls.of(name, scope, ViewSpec.from_json(body))


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
