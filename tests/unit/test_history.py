"""Subject history: what changed between consecutive states of one tenant."""

from __future__ import annotations

from gui.ui.detail import diff, subject_history

T = "cti.a.p.em.event.v1.0~a.p.tenant."


def test_diff_lists_added_removed_and_changed_paths() -> None:
    before = {"name": "A", "contact": {"phone": "1"}, "enabled": True}
    after = {"name": "A", "contact": {"phone": "2"}, "deleted_at": "x"}
    assert diff(before, after) == ['  ~ contact.phone: "1" → "2"', '  + deleted_at: "x"', "  - enabled: true"]


def test_history_keeps_the_full_state_across_a_differently_shaped_payload() -> None:
    events = [
        {"sequence": 1, "subject": "s", "type": T + "created.v1.0", "data": {"id": "s", "name": "A", "version": 1}},
        {"sequence": 2, "subject": "s", "type": T + "barrier_updated.v1.0", "data": {"barrier": "full"}},
        {"sequence": 3, "subject": "s", "type": T + "updated.v1.0", "data": {"id": "s", "name": "B", "version": 2}},
    ]
    text = subject_history(events)
    assert '= barrier: "full"' in text
    assert '~ name: "A" → "B"' in text and "- barrier" not in text


def test_history_shows_times_as_given() -> None:
    events = [{"sequence": 7, "subject": "s", "time": "2026-11-27T10:00:00.123456Z", "type": T + "created.v1.0"}]
    assert "#7  2026-11-27T10:00:00.123456Z  tenant.created" in subject_history(events)
    assert "#7  10:00  tenant.created" in subject_history(events, lambda text: text[11:16])
