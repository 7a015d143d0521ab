"""Stream health an administrator can trust (issue 20): lag says "caught up" when the last poll
brought less than it asked, "≤ N behind" (topic sequences, an upper bound) while polls come back
full; and the Stream health panel answers "why no events?" from a real stream, copyable with no
secret in it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from tests.gui.conftest import saved_connection
from tests.gui.test_window import start

CREATED = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"
DISABLED = "cti.a.p.em.event.v1.0~a.p.tenant.disabled.v1.0"
OFFSCREEN = "This plugin does not support"  # the panel's own window on the offscreen platform


def test_a_caught_up_filtered_subscription_says_caught_up_while_the_topic_grows(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    with (
        Emulator(history=2000, seed=42, world="datacenter", partners=4) as em,
        saved_connection(em, DISABLED) as (client, _sub_id),  # disabled customers: a few of the topic's events
    ):
        window = open_window()
        start(qtbot, window, "earliest")
        qtbot.waitUntil(lambda: window.lag_label.text() == "caught up", timeout=10000)
        assert window.state.lag == 0 and window.status.lag_sparkline.values[-1] == 0
        for _ in range(3):  # the topic grows with other partners' and other types' events
            em.state.produce(400)
            before = len(window.state.polls)
            qtbot.waitUntil(lambda before=before: len(window.state.polls) > before, timeout=10000)
        window.controls.refresh_lag()  # a reading now: still caught up
        assert window.lag_label.text() == "caught up" and window.state.lag == 0
        # what the old rule showed: the topic's current offset far past the last sequence received
        assert client.topic_offset(TENANT_TOPIC, "CURRENT") - window.state.last_offset > 100
        assert "caught up" in window.lag_label.toolTip() or "no more" in window.lag_label.toolTip()


def test_a_subscription_thousands_behind_says_at_most_n_behind_and_catches_up(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    with Emulator(history=6005, seed=3) as em, saved_connection(em):  # the last poll brings 5 of 10
        window = open_window()
        window.consumer_options = {"limit": 10}  # a backlog of 600 full polls
        window.controls._lag_timer.setInterval(100)  # readings often, for the test
        start(qtbot, window, "earliest")
        qtbot.waitUntil(lambda: window.lag_label.text().startswith("≤ "), timeout=10000)
        first = int(window.lag_label.text().removeprefix("≤ ").removesuffix(" behind").replace(",", ""))
        assert 1000 < first <= 6000
        assert "upper bound" in window.lag_label.toolTip() or "at most" in window.lag_label.toolTip()
        qtbot.waitUntil(lambda: window.lag_label.text() == "caught up", timeout=30000)
        values = window.status.lag_sparkline.values
        assert values[-1] == 0 and max(values) >= first  # the sparkline plots the same figure
        behind = [v for v in values if v]
        assert behind[-1] < behind[0]  # it shrank on the way


@pytest.mark.qt_log_ignore(OFFSCREEN)
def test_the_health_panel_from_a_real_stream(qtbot: Any, open_window: Any, home: Path) -> None:
    with (
        Emulator(history=50, seed=8, empty_status=202) as em,
        saved_connection(em, session_timeout="PT2S") as (_client, sub_id),
    ):
        window = open_window()
        start(qtbot, window, "earliest", until_rows=50)
        qtbot.waitUntil(lambda: any(p.status == 202 for p in window.state.polls), timeout=10000)
        window.commands.stream_health.trigger()  # View ▸ Stream health
        panel = window.widget.window().findChild(object, "streamHealthPanel")
        assert panel is not None and panel.isVisible() and not panel.isModal()
        health = window.health
        assert "Caught up" in panel.verdict.text()
        qtbot.waitUntil(lambda: "Retention: P180D (180 days)" in health.text, timeout=10000)
        text = health.text
        assert "Role: leader since" in text and "Session: holds until" in text
        assert "Started from: earliest (offset 0)" in text and "Consolidation: TTS" in text
        assert "Persistency: true" in text and "Auto-commit: off" in text and "Tenant scope: ALL" in text
        assert "Committed on the server: 0" in text and "Stored on this machine: none" in text
        assert "Access token: expires at" in text

        em.state.inject("429")  # the server limits the rate once
        qtbot.waitUntil(lambda: any(p.status == 429 for p in window.state.polls), timeout=10000)
        em.state.hand_over(sub_id, str(uuid.uuid4()))  # another instance takes over
        qtbot.waitUntil(lambda: "Role: standby since" in health.text, timeout=15000)
        assert "Standby" in panel.verdict.text()
        table = panel.polls
        statuses = {table.item(r, 1).text() for r in range(table.rowCount())}
        assert {"200", "202", "429"} <= statuses and table.rowCount() <= 20
        assert table.horizontalHeaderItem(6).text() == "Retry-After"
        qtbot.waitUntil(lambda: "Role: leader since" in health.text, timeout=15000)  # its session ended

        qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
        copied = QGuiApplication.clipboard().text()
        assert copied == health.text and "Last " in copied and "429" in copied and "202" in copied
        token = window.client._token  # the token in use: never in the text
        assert token and token not in copied and em.client_secret not in copied
        assert em.client_id in copied  # the client ID is no secret: support needs it

        panel.close()
        qtbot.mouseClick(window.stream_status_label, Qt.MouseButton.LeftButton)  # a click on the status opens it
        assert panel.isVisible()
        panel.close()


@pytest.mark.qt_log_ignore(OFFSCREEN)
def test_the_health_panel_warns_of_a_topic_that_is_not_persistent(qtbot: Any, open_window: Any, home: Path) -> None:
    with Emulator(history=30, seed=8, non_persistent=(TENANT_TOPIC,)) as em, saved_connection(em):
        window = open_window()
        start(qtbot, window, "earliest", until_rows=30)
        window.commands.stream_health.trigger()
        qtbot.waitUntil(lambda: "Persistency: false" in window.health.text, timeout=10000)
        assert "what arrives while no instance reads is never delivered" in window.health.text
        qtbot.waitUntil(lambda: "not persistent" in window.health.dialog.verdict.text(), timeout=10000)
        window.health.dialog.close()


def test_a_backlog_that_ends_on_a_full_poll_is_caught_up_once_the_server_holds_the_next(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    with Emulator(history=1000, seed=3) as em, saved_connection(em):  # ten full polls, then nothing
        window = open_window()
        window.controls._lag_timer.setInterval(200)
        start(qtbot, window, "earliest", until_rows=1000)
        assert window.state.polls[-1].full
        # the next poll waits (up to its 30 s timeout): the server has nothing more, said within seconds
        qtbot.waitUntil(lambda: window.lag_label.text() == "caught up", timeout=10000)
        assert window.state.polls[-1].full and window.state.lag == 0
