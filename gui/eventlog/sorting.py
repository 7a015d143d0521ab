"""Sorting the shown rows by any column (Qt-free), for a worker thread: the keys of a column for
a million rows come from the store's columns (sequence, time, and the interned type, tenant and
source, whose few distinct values are ranked once), or from each event for the others (subject,
event ID, ingest delay, columns of one's own); numpy sorts them (stable)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from gui.api.durations import delay_seconds
from gui.api.models import short_type
from gui.eventlog import paths
from gui.eventlog.store import COLUMNS, EventStore

INTERNED = {"type", "tenant", "source"}


def _ranks(labels: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each interned id's place in the alphabetical order of its label (case-insensitive)."""
    order = sorted(range(len(labels)), key=lambda i: (labels[i].casefold(), labels[i]))
    ranks = np.zeros(max(len(labels), 1), np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def sort_keys(store: EventStore, shown: npt.NDArray[np.int64], key: str) -> npt.NDArray[Any]:
    """The sort key of each of the store rows ``shown`` for column ``key`` (a store column or a
    payload path such as ``data.kind``)."""
    index = shown - store.base
    if key == "sequence":
        return np.frombuffer(store.seq[: len(store.seq)], np.int64)[index]
    if key == "time":  # times of rows not read yet (NaN) first
        when = store.times()
        return np.nan_to_num(np.frombuffer(when[: len(when)], np.float64)[index], nan=-np.inf)
    if key in INTERNED:
        if key == "type":
            interned, labels = store.type_ix, [short_type(t) for t in store.types.values]
        elif key == "tenant":
            interned, labels = store.tenant_ix, [store.tenant_label(t) for t in store.tenants.values]
        else:
            interned, labels = store.source_ix, list(store.sources.values)
        ids = np.frombuffer(interned[: len(interned)], np.uint32).astype(np.int64)[index]
        return _ranks(labels)[np.minimum(ids, max(len(labels) - 1, 0))]
    rows = shown.tolist()
    if key in COLUMNS:
        column = COLUMNS.index(key)
        if key == "delay":  # from the event's two times, not read back from the text shown
            delays = (delay_seconds(e.get("time"), e.get("ingest_time")) for e in map(store.event, rows))
            return np.array([-np.inf if d is None else d for d in delays], np.float64)
        return np.array([store.cell(r, column).casefold() for r in rows], dtype=object)
    parts = paths.parse_path(key)
    return np.array([paths.text(paths.lookup(store.event(r), parts)).casefold() for r in rows], dtype=object)


def sort_rows(store: EventStore, rows: Sequence[int], key: str, descending: bool = False) -> array[int]:
    """``rows`` (store rows) in the order of column ``key``; equal keys keep their order (newest
    first when descending)."""
    shown = np.frombuffer(array("q", rows), np.int64) if len(rows) else np.zeros(0, np.int64)
    order = np.argsort(sort_keys(store, shown, key), kind="stable")
    if descending:
        order = order[::-1]
    return array("q", shown[order].tobytes())
