"""Soak: the pinned PySide6 survives the millions of void Qt calls a monitor makes.

PySide6 6.12.0 on Python 3.11 aborts after a few thousand calls of methods returning nothing
(`Fatal Python error: none_dealloc`); a regression would crash this test's subprocess.
"""

from __future__ import annotations

import subprocess
import sys

SOAK = """
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from gui.eventlog.store import EventStore
from gui.ui.model import EventTableModel
from gui.emulator.world import EventFactory, history_times
from datetime import UTC, datetime

app = QApplication([])
obj = QObject()
for i in range(300_000):
    obj.setObjectName("x")            # a void call: the 6.12.0 crash trigger
store = EventStore()
model = EventTableModel(store)
factory = EventFactory(seed=5)
calls = 0
for when in history_times(20_000, datetime.now(UTC), 0.01):
    event = factory.tenant_event(when)
    event["sequence"] = calls + 1
    rows = store.append([event])
    model.add_rows(rows)              # beginInsertRows/endInsertRows: void calls
    model.set_committed(calls)        # dataChanged.emit
    calls += 1
print("ok", calls + 300_000)
"""


def test_pinned_pyside6_survives_a_soak() -> None:
    result = subprocess.run([sys.executable, "-c", SOAK], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[0] == "ok" and int(result.stdout.split()[1]) == 320_000
