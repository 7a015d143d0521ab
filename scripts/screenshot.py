"""Screenshots of the main window during --demo streaming (run under Xvfb: `make screenshot`).

`python scripts/screenshot.py PATH [WIDTHxHEIGHT] [light|dark]`
"""

from __future__ import annotations

import os
import sys
import tempfile

from PySide6.QtCore import QEventLoop, QTimer

os.environ.setdefault("EVENT_MONITOR_HOME", tempfile.mkdtemp(prefix="event-monitor-shot-"))

from gui.app import create_window


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(path: str, size: str = "1400x900", scheme: str = "light") -> None:
    width, height = (int(n) for n in size.split("x"))
    window = create_window(["--demo"])
    window.set_appearance(scheme)
    window.resize(width, height)
    window.move(0, 0)
    wait(3500)
    window.table.selectRow(window.model.rowCount() - 12)
    window.detail.setCurrentIndex(2)  # subject history
    wait(1200)
    window.grab().save(path)
    print(f"saved {path}: {window.width()}x{window.height()}, {window.event_count_label.text()}")
    window.close()


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["resources/screenshots/main-window.png"]))
