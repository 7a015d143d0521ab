"""Screenshots of the main window during --demo streaming (run under Xvfb: `make screenshot`).

`python scripts/screenshot.py PATH [WIDTHxHEIGHT] [light|dark] [tabs]`

``tabs``: a second tab streaming disables and deletions, a payload column and the timeline dragged
to a range, to show the at-a-glance features. ``down``: the demo's emulator stopped, so that the
banner over the table says the stream is down.
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


def second_tab(window: object) -> None:
    """A second demo subscription (disables and deletions) streamed in a tab of its own."""
    import uuid

    from gui.api import EventManagerClient, Subscription
    from gui.api.models import TENANT_TOPIC

    em = window.emulator  # type: ignore[attr-defined]
    client = EventManagerClient(em.url, em.client_id, em.client_secret)
    types = tuple(f"cti.a.p.em.event.v1.0~a.p.tenant.{a}.v1.0" for a in ("disabled", "deleted"))
    sub = client.create_subscription(Subscription(str(uuid.uuid4()), TENANT_TOPIC, types))
    client.close()
    store = window.state_store  # type: ignore[attr-defined]
    store.save_subscription(em.url, em.client_id, sub)
    first = window.current  # type: ignore[attr-defined]
    first.table_part.add_payload_column("data.kind")
    window.current.commands.new_tab.trigger()  # type: ignore[attr-defined]
    tab = window.current  # type: ignore[attr-defined]
    tab.connection_bar.reload_subscriptions(select=sub.subscription_id)
    tab.position_bar.offset_mode_combo.setCurrentIndex(tab.position_bar.offset_mode_combo.findData("earliest"))
    tab.controls.start()
    window.tabs.setCurrentIndex(0)  # type: ignore[attr-defined]


def main(path: str, size: str = "1400x900", scheme: str = "light", extra: str = "") -> None:
    width, height = (int(n) for n in size.split("x"))
    window = create_window(["--demo"])
    window.set_appearance(scheme)
    window.resize(width, height)
    window.move(0, 0)
    if extra == "tabs":
        second_tab(window)
    wait(3500)
    window.current.table.selectRow(window.current.model.rowCount() - 12)
    window.current.detail.setCurrentIndex(2)  # subject history
    wait(1200)
    if extra == "down":
        window.current.session.consumer_options = {"backoff_base": 60.0}  # taken at the next start
        window.current.controls.start()
        wait(1500)
        window.emulator.stop()  # type: ignore[attr-defined]
        wait(4000)
    window.grab().save(path)
    print(f"saved {path}: {window.width()}x{window.height()}, {window.current.status.event_count_label.text()}")
    window.close()


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["resources/screenshots/main-window.png"]))
