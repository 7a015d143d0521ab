"""One reader per consumer ID on this machine: a second window (or a tail) is refused, naming the holder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from gui.storage import reader_lock
from tests.gui.test_window import Lab, start


def test_a_second_window_is_refused_naming_the_first(qtbot: Any, open_window: Any, lab: Lab) -> None:
    em, client, sub_id = lab
    first = open_window()
    first.show()
    start(qtbot, first, "earliest", until_rows=10)
    second = open_window()  # another window of the same data folder, as a second instance would be
    second.show()
    assert second.subscription_combo.currentData() == sub_id
    second.start()
    assert second.consumer_thread is None
    said = second.stream_status_label.text()
    assert f"already being read on this machine by the window (process {os.getpid()}, since" in said, said
    assert "read as another instance with a new consumer ID" in said
    with_tail = None
    try:  # the command line is refused too, while the window reads
        with_tail = reader_lock.acquire(em.url, client.client_id, sub_id, kind="tail")
    except reader_lock.ReaderBusy as err:
        assert "the window" in str(err)
    assert with_tail is None
    first.stop()  # the lock goes with the stream: now the second may read
    start(qtbot, second, "earliest", until_rows=10)
    first.start()
    assert first.consumer_thread is None and "already being read" in first.stream_status_label.text()
    second.start()  # a restart of the holder keeps its lock
    qtbot.waitUntil(lambda: second.model.rowCount() >= 10, timeout=15000)
    assert second.consumer_thread is not None


def test_a_second_window_does_not_clobber_the_first_ones_window_ini(qtbot: Any, open_window: Any, home: Path) -> None:
    first = open_window()
    second = open_window()  # a second instance on the same data folder
    assert Path(first.settings.fileName()) == home / "window.ini"
    assert Path(second.settings.fileName()).parent != home  # it works on a copy
    first.resize(900, 640)
    second.resize(700, 500)
    first.close()
    kept = first.saveGeometry()
    second.close()  # closed last: it would have won
    saved = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)
    assert saved.value("geometry") == kept
    from gui.app import _ReleaseWhenClosed

    owner = first.findChild(_ReleaseWhenClosed)
    qtbot.waitUntil(lambda: not owner._lock.is_locked, timeout=5000)  # let go once its window closed
    assert Path(open_window().settings.fileName()) == home / "window.ini"  # the next window saves it again
