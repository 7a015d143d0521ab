"""Events per time bucket, stacked by type, for the timeline above the table (Qt-free).

The counts are kept, not recounted: a batch of new rows adds to its buckets (``add``, a few numpy
calls however many rows are held); only a filter change counts again (``count``, over the rows
shown, on a worker thread: ~20 ms for a million). Bucket sizes come from one ladder in which each
size is a multiple of the smaller ones, so when live events outgrow the timeline its buckets
merge in place (``coarsen``) instead of being counted again.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# seconds: 1 s to 50 days, each a multiple of every smaller one
LADDER = (1, 2, 10, 20, 60, 120, 600, 1200, 3600, 7200, 21600, 43200, 86400, 172800, 864000, 4320000)
MAX_BUCKETS = 120

Counts = npt.NDArray[np.int64]


def bucket_for(span: float, max_buckets: int = MAX_BUCKETS) -> int:
    """The smallest ladder size that shows ``span`` seconds in at most ``max_buckets`` buckets."""
    for size in LADDER:
        if span / size < max_buckets:
            return size
    return LADDER[-1]


def bucket_label(size: int) -> str:
    for unit, seconds in (("d", 86400), ("h", 3600), ("min", 60)):
        if size >= seconds and size % seconds == 0:
            return f"{size // seconds} {unit}"
    return f"{size} s"


@dataclass
class Histogram:
    """``counts[i, t]``: events of type id ``t`` in bucket ``i``, which starts at
    ``(first + i) * size`` epoch seconds."""

    size: int
    first: int
    counts: Counts

    @classmethod
    def empty(cls) -> Histogram:
        return cls(LADDER[0], 0, np.zeros((0, 0), np.int64))

    @property
    def buckets(self) -> int:
        return int(self.counts.shape[0])

    @property
    def start(self) -> float:
        return float(self.first * self.size)

    @property
    def end(self) -> float:
        return float((self.first + self.buckets) * self.size)

    def totals(self) -> Counts:
        return self.counts.sum(axis=1) if self.buckets else np.zeros(0, np.int64)

    def bucket_of(self, when: float) -> int:
        return math.floor(when / self.size) - self.first

    def coarsen(self, size: int) -> None:
        """Merge the buckets into buckets of ``size`` seconds (a multiple of the current size)."""
        if size <= self.size:
            return
        if not self.buckets:
            self.size = size
            return
        factor = size // self.size
        first = math.floor(self.first / factor)
        offset = self.first - first * factor  # old buckets before ours in the first merged bucket
        n = self.buckets
        padded = np.zeros((offset + n + (-(offset + n)) % factor, self.counts.shape[1]), np.int64)
        padded[offset : offset + n] = self.counts
        self.counts = padded.reshape(-1, factor, padded.shape[1]).sum(axis=1)
        self.first, self.size = first, size

    def add(self, when: npt.NDArray[np.float64], types: npt.NDArray[Any], max_buckets: int = MAX_BUCKETS) -> None:
        """Count new events (epoch seconds and type ids; NaN times are left out)."""
        ok = ~np.isnan(when)
        if not ok.all():
            when, types = when[ok], types[ok]
        if not len(when):
            return
        low, high = float(when.min()), float(when.max())
        if self.buckets:
            low, high = min(low, self.start), max(high, self.start + (self.buckets - 0.5) * self.size)
            size = max(self.size, bucket_for(high - low, max_buckets))
        else:
            size = bucket_for(high - low, max_buckets)
        self.coarsen(size)
        self.size = size
        first, last = math.floor(low / size), math.floor(high / size)
        if self.buckets:
            first, last = min(first, self.first), max(last, self.first + self.buckets - 1)
        width = max(int(types.max()) + 1, self.counts.shape[1] if self.buckets else 0)
        grown = np.zeros((last - first + 1, width), np.int64)
        if self.buckets:
            at = self.first - first
            grown[at : at + self.buckets, : self.counts.shape[1]] = self.counts
        index = (when // size).astype(np.int64)
        index -= first
        index *= width
        index += types  # (uint32 into int64)
        grown += np.bincount(index, minlength=grown.size).reshape(grown.shape)
        self.counts, self.first = grown, first


def count(when: npt.NDArray[np.float64], types: npt.NDArray[Any], max_buckets: int = MAX_BUCKETS) -> Histogram:
    """The histogram of these events, its bucket size chosen from the range they cover."""
    histogram = Histogram.empty()
    span = float(np.nanmax(when) - np.nanmin(when)) if len(when) and not np.isnan(when).all() else 0.0
    histogram.size = bucket_for(span, max_buckets)
    histogram.add(when, types, max_buckets)
    return histogram


def columns(store: Any, rows: Sequence[int] | None) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint32]]:
    """Copies of the event times and type ids of ``rows`` (store rows, in any order; None: all
    held), in that order, taken on the thread that appends to the store (slicing a Python array
    is one atomic copy of just the span asked for): a worker can then count them while new rows
    arrive."""
    when, base = store.times(), store.base
    held = min(len(when), len(store.type_ix))
    if rows is None:
        rows = range(base, base + held)
    if not len(rows):
        return np.zeros(0), np.zeros(0, np.uint32)
    if isinstance(rows, range) and rows.step == 1:
        lo, hi = max(rows.start - base, 0), min(rows.stop - base, held)
        if lo >= hi:
            return np.zeros(0), np.zeros(0, np.uint32)
        return np.frombuffer(when[lo:hi], np.float64), np.frombuffer(store.type_ix[lo:hi], np.uint32)
    index = np.frombuffer(array("q", rows), np.int64) - base
    index = index[(index >= 0) & (index < held)]
    if not len(index):
        return np.zeros(0), np.zeros(0, np.uint32)
    lo, hi = int(index.min()), int(index.max()) + 1
    times = np.frombuffer(when[lo:hi], np.float64)
    types = np.frombuffer(store.type_ix[lo:hi], np.uint32)
    return times[index - lo], types[index - lo]
