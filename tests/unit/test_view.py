"""The view specification: one serialised form, tolerant of what it does not know."""

from __future__ import annotations

from gui.eventlog.view import ViewSpec
from gui.storage.views import SHIPPED, SavedView


def test_a_view_round_trips_and_saved_views_store_the_same_form() -> None:
    spec = ViewSpec(text="x", types=("a", "b"), tenant="t", time_preset="custom", since=1.0, until=2.5, zone="local")
    assert ViewSpec.from_json(spec.to_json()) == spec
    saved = SavedView.of("n", "sub", spec)
    assert saved.spec == spec and saved.to_json() == spec.to_json()
    assert SavedView.stored("n", "sub", saved.to_json()) == saved


def test_a_damaged_or_newer_view_keeps_what_it_can() -> None:
    assert ViewSpec.from_json(b"not json") == ViewSpec()
    assert ViewSpec.from_json(b"[1, 2]") == ViewSpec()
    odd = ViewSpec.from_json(b'{"text": "x", "types": ["a", 3], "since": true, "until": 5, "future": 1, "cel": 7}')
    assert odd == ViewSpec(text="x", until=5.0)


def test_describe_says_the_filters_in_words() -> None:
    assert ViewSpec().describe() == "no filter"
    assert "types tenant.disabled" in SHIPPED[0].describe()
    assert ViewSpec(text="acme", time_preset="1h").describe() == "text “acme”; time 1h"
