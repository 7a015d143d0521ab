"""The reader lock's API (gui/storage/reader_lock.py): real OS file locks in the test's data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.storage import reader_lock


def test_a_second_reader_is_refused_with_the_holder_named(home: Path) -> None:
    first = reader_lock.acquire("https://dc", "client", "sub-1", kind="window")
    with pytest.raises(reader_lock.ReaderBusy) as refused:
        reader_lock.acquire("https://dc", "client", "sub-1", kind="tail")
    assert refused.value.holder is not None
    assert (refused.value.holder.pid, refused.value.holder.kind) == (os.getpid(), "window")
    text = str(refused.value)
    assert f"the window (process {os.getpid()}, since " in text
    assert "Stop that reader first, or read as another instance with a new consumer ID" in text
    with reader_lock.acquire("https://dc", "client", "sub-2", kind="tail"):  # another subscription: free
        pass
    first.release()
    first.release()  # again: nothing
    again = reader_lock.acquire("https://dc", "client", "sub-1", kind="tail")
    assert again.held and list((home / "readers").glob("*.holder"))
    again.release()
    assert not again.held


def test_a_crashed_holder_leaves_no_lock_behind(home: Path) -> None:
    holder = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from gui.storage import reader_lock; "
            "reader_lock.acquire('https://dc', 'client', 'sub-1', kind='tail'); os._exit(9)",  # no release
        ],
        env=dict(os.environ),
        timeout=60,
    )
    assert holder.returncode == 9
    lock = reader_lock.acquire("https://dc", "client", "sub-1")  # taken over, though its files stay
    lock.release()


def test_an_unknown_kind_is_refused(home: Path) -> None:
    with pytest.raises(ValueError):
        reader_lock.acquire("https://dc", "client", "sub-1", kind="daemon")
