"""Sorting the shown rows by any column (Qt-free), for a worker thread: each column says its sort
key (gui.eventlog.columns): for a million rows from the store's columns (sequence, time, and the
interned type, tenant and source, whose few distinct values are ranked once), or from each event
(ingest delay; subject, event ID and columns of one's own by their text); numpy sorts them (stable)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from gui.eventlog.columns import Row, column
from gui.eventlog.store import EventStore


def sort_keys(store: EventStore, shown: npt.NDArray[np.int64], key: str) -> npt.NDArray[Any]:
    """The sort key of each of the store rows ``shown`` for column ``key`` (a table column's key
    or a payload path such as ``data.kind``): the column's own (gui.eventlog.columns), else the
    text of its cells, ignoring case."""
    spec = column(key)
    if spec.sort is not None:
        return spec.sort(store, shown)
    text = spec.text
    return np.array([text(Row(store, r)).casefold() for r in shown.tolist()], dtype=object)


def sort_rows(store: EventStore, rows: Sequence[int], key: str, descending: bool = False) -> array[int]:
    """``rows`` (store rows) in the order of column ``key``; equal keys keep their order (newest
    first when descending)."""
    shown = np.frombuffer(array("q", rows), np.int64) if len(rows) else np.zeros(0, np.int64)
    order = np.argsort(sort_keys(store, shown, key), kind="stable")
    if descending:
        order = order[::-1]
    return array("q", shown[order].tobytes())
