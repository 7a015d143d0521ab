"""How a stream's health is said (gui/consumer/health.py): pure logic."""

from __future__ import annotations

from gui.consumer.health import PollRecord, SkipSummary, lag_text, lost_sentence, lost_text, retention_words
from gui.consumer.loop import Gap


def poll(status: int, events: int, limit: int = 100) -> PollRecord:
    return PollRecord(at=0.0, status=status, events=events, limit=limit, duration=0.1, offset_sent=0)


def test_a_poll_says_caught_up_behind_or_nothing() -> None:
    assert poll(200, 3).caught_up is True and poll(200, 0).caught_up is True and poll(202, 0).caught_up is True
    assert poll(200, 100).caught_up is False and poll(200, 100).full
    assert poll(429, 0).caught_up is None and poll(503, 0).caught_up is None and poll(0, 0).caught_up is None


def test_lag_words() -> None:
    assert lag_text(True, 0) == "caught up" and lag_text(True, None) == "caught up"
    assert lag_text(False, 12400) == "≤ 12,400 behind"
    assert lag_text(None, None) == "lag —" and lag_text(False, None) == "lag —"


def test_lost_words_name_the_retention() -> None:
    assert lost_text(7534, 5001, 12534) == "up to 7,534 events lost (sequences 5,001–12,534)"
    assert lost_text(1, 7, 7) == "up to 1 event lost (sequences 7–7)"
    assert lost_sentence(2, 7, 8, "P7D").endswith(
        "removed by the topic's retention (P7D: 7 days) before they were read"
    )
    assert "retention before" in lost_sentence(2, 7, 8)
    assert retention_words("PT1H") == "1 hour" and retention_words("odd") == "odd"


def test_a_lost_gap_counts_only_what_was_below_the_earliest() -> None:
    gap = Gap(21, 400, lost=True, lost_last=250)
    assert gap.lost_range == (230, 21, 250) and gap.count == 380
    assert Gap(21, 200, lost=True).lost_range == (180, 21, 200) and Gap(5, 9).lost_range[0] == 0


def test_skipped_ranges_are_summed_up_once_per_interval() -> None:
    summary = SkipSummary(60.0, since=0.0)
    summary.add(5, 9)
    summary.add(12, 12)
    assert summary.due(now=30.0) is None
    assert summary.due(now=61.0) == "[gap] 6 sequences skipped in 2 ranges (not for this subscription), between 5..12"
    assert summary.due(now=200.0) is None  # nothing skipped since: nothing said
    summary.add(20, 20)
    assert summary.flush() == "[gap] 1 sequence skipped in 1 range (not for this subscription), between 20..20"
