"""The notification rule's forms (pure logic): type names of any number of parts, a last part,
wildcards, CTI patterns and CEL; text that can match nothing is refused with the reason."""

from __future__ import annotations

import pytest

from gui.eventlog.cel import CelError, CelFilter
from gui.ui.notify import NotifyRule

DELETED = "cti.a.p.em.event.v1.0~a.p.tenant.deleted.v1.0"
CONSENT = "cti.a.p.em.event.v1.0~a.p.tenant.auth_consent.updated.v1.0"
UPDATED = "cti.a.p.em.event.v1.0~a.p.tenant.updated.v1.0"


@pytest.mark.parametrize(
    ("rule", "kind", "matching"),
    [
        ("deleted", "type", {DELETED}),
        ("tenant.deleted", "type", {DELETED}),
        ("tenant.auth_consent.updated", "type", {CONSENT}),
        ("updated", "type", {CONSENT, UPDATED}),
        ("tenant.*", "type", {DELETED, CONSENT, UPDATED}),
        ("*.updated", "type", {CONSENT, UPDATED}),
        ("cti.a.p.em.event.v1.0~a.p.tenant.*", "cti", {DELETED, CONSENT, UPDATED}),
        (DELETED, "cti", {DELETED}),
    ],
)
def test_type_forms(rule: str, kind: str, matching: set[str]) -> None:
    parsed = NotifyRule(rule)
    assert parsed.kind == kind
    assert {t for t in (DELETED, CONSENT, UPDATED) if parsed.type_matches(t)} == matching


@pytest.mark.parametrize("rule", ['data.kind == "customer"', "data.active", "sequence > 10", 'type.endsWith(".x")'])
def test_cel_forms(rule: str) -> None:
    assert NotifyRule(rule).kind == "cel"


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("delted == 1", "“delted” is no event field"),
        ("subject", "not true or false"),
        ("data.kind ==", "invalid CEL"),
    ],
)
def test_what_cannot_match_is_refused(rule: str, reason: str) -> None:
    with pytest.raises(CelError, match=reason):
        NotifyRule(rule)


def test_macro_variables_are_not_unknown_names() -> None:
    assert CelFilter("data.items.exists(i, i.kind == 'x') && [1].all(n, n > 0)").problem() == ""
