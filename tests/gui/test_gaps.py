"""Honest gaps: skipped sequences on a filtered subscription are expected and shown neutrally;
events removed by retention before they were read are the alarm, with how many and from where."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from gui.storage import StateStore
from gui.ui.model import _GAP, _LOST
from tests.gui.conftest import saved_connection
from tests.gui.test_window import choose, start

CREATED = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"


@pytest.fixture
def world(home: Path) -> Iterator[Emulator]:
    with Emulator(history=400, seed=17, max_events=150) as em:  # retention keeps the newest 150
        yield em


def gap_rows(window: Any) -> list[int]:
    return [r for r in range(window.model.rowCount()) if window.model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole)]


@pytest.mark.qt_log_ignore("This plugin does not support")  # the health panel's window, offscreen
def test_a_filtered_subscription_shows_its_gaps_as_expected_not_as_alarms(
    qtbot: Any, open_window: Any, world: Emulator
) -> None:
    with saved_connection(world, CREATED):  # created events only: most sequences are not for it
        window = open_window()
        check_neutral(qtbot, window)


def check_neutral(qtbot: Any, window: Any) -> None:
    start(qtbot, window, "earliest", until_rows=5)
    qtbot.waitUntil(lambda: len(gap_rows(window)) >= 3, timeout=10000)
    for r in gap_rows(window):
        index = window.model.index(r, 0)
        assert index.data(Qt.ItemDataRole.BackgroundRole) == _GAP  # neutral, not the alarm
        tip = index.data(Qt.ItemDataRole.ToolTipRole)
        assert "not a loss" in tip
        # what explains them for this subscription: its type filter names what it keeps
        assert "its type filter (tenant.created)" in tip and "data center shares" in tip
        assert "consolidation" in tip and "CEL filter" not in tip
    # the status bar carries what needs attention only: skipped sequences are no alarm there...
    assert window.gap_label.text() == "" and not window.gap_label.isVisibleTo(window.widget)
    # ...and are explained in the Stream health panel
    window.commands.stream_health.trigger()
    skipped = next(line for line in window.health.text.splitlines() if "Skipped:" in line)
    assert "not a loss" in skipped and "its type filter" in skipped
    window.health.dialog.close()


def test_events_removed_by_retention_before_they_were_read_are_the_alarm(
    qtbot: Any, open_window: Any, world: Emulator
) -> None:
    with saved_connection(world) as (client, sub_id):
        store = StateStore()
        store.store_offset(world.url, world.client_id, sub_id, 20)  # read up to 20 long ago
        store.close()
        earliest = client.topic_offset(TENANT_TOPIC, "EARLIEST")
        assert earliest > 20
        window = open_window()
        check_lost(qtbot, window, earliest - 20)


def check_lost(qtbot: Any, window: Any, lost: int) -> None:
    choose(window.commit_mode_combo, "stored")
    start(qtbot, window, "stored", until_rows=100)
    first = window.model.index(0, 0)
    assert first.data(Qt.ItemDataRole.BackgroundRole) == _LOST
    assert "retention removed them" in first.data(Qt.ItemDataRole.ToolTipRole)
    # how many at most (topic sequences: not all of them were for this subscription) and from where:
    # the sequences after the stored offset up to the topic's earliest, with the retention named
    said = f"up to {lost:,} events lost (sequences 21–{20 + lost:,})"
    qtbot.waitUntil(lambda: window.gap_label.text() == said, timeout=5000)
    assert window.gap_label.isVisibleTo(window.widget)
    assert f"{said}: removed by the topic's retention (P180D: 180 days)" in window.gap_label.toolTip()
    assert f"(sequences 21–{20 + lost:,})" in first.data(Qt.ItemDataRole.ToolTipRole)


def test_on_the_demos_data_center_world_a_filtered_subscription_paints_no_alarm(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    with (
        Emulator(history=2000, seed=42, world="datacenter", partners=4) as em,
        saved_connection(em, CREATED, "cti.a.p.em.event.v1.0~a.p.tenant.disabled.v1.0"),
    ):
        window = open_window()
        start(qtbot, window, "earliest", until_rows=40)
        qtbot.waitUntil(lambda: len(gap_rows(window)) >= 30, timeout=10000)
        rows = window.model.rowCount()
        backgrounds = [window.model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) for r in range(rows)]
        assert _LOST not in backgrounds  # nothing here is a loss
        assert backgrounds.count(_GAP) > rows / 2  # most rows follow skipped sequences: shown neutrally
        tip = window.model.index(gap_rows(window)[0], 0).data(Qt.ItemDataRole.ToolTipRole)
        assert "tenant.created, tenant.disabled" in tip and "not a loss" in tip
        assert window.session.lost == 0 and "lost" not in window.gap_label.text()
