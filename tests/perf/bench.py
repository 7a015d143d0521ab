"""Side-by-side benchmark: Event Monitor's pipeline against the implementation a user writes first.

Baseline (same run, same data): QStandardItemModel with one QStandardItem per cell, appended in
batches of 100, and QSortFilterProxyModel substring filtering on all columns; a bare `requests`
loop for the HTTP pipeline. Ends with one line `BENCH {json}`. `--smoke` uses small sizes and only
proves every figure is produced.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import orjson

from gui.api.events import Events
from gui.emulator.world import EventFactory, history_times
from gui.eventlog.store import EventStore
from gui.eventlog.timeline import columns, count

KEYS = (
    "ingest_eps",
    "ingest_naive_eps",
    "ingest_ratio",
    "filter_ms_200k",
    "filter_naive_ms_200k",
    "filter_ratio",
    "filter_ms_1m",
    "filter_1m_ui_gap_ms",
    "rss_mb_per_1m",
    "pipeline_eps",
    "bare_loop_eps",
    "pipeline_ratio",
    "ui_max_stall_ms",
    "live_cpu_pct_1k",
    "export_csv_s_1m",
    "export_1m_ui_gap_ms",
    "startup_s",
    "soak_qt_calls",
    "timeline_ms_1m",
    "timeline_live_ms_per_batch",
    "sort_ms_1m",
    "ui_max_stall_ms_3tabs",
)
COLUMNS = ("sequence", "time", "type", "tenant_id", "subject", "source", "id", "ingest_time")


def make_batches(count: int, seed: int = 9) -> list[bytes]:
    """Poll answers (100 events each) as the server sends them."""
    factory = EventFactory(seed=seed)
    factory.big_every = 2000
    events = []
    for i, when in enumerate(history_times(count, datetime.now(UTC), 0.001), start=1):
        event = factory.tenant_event(when)
        event.update(ingest_time=event["time"], sequence=i, previous=i - 1)
        events.append(event)
    return [
        orjson.dumps({"events": events[i : i + 100], "offset": events[min(i + 99, count - 1)]["sequence"]})
        for i in range(0, count, 100)
    ]


def renumbered(batches: list[bytes], total: int) -> Any:
    """`total` events made from distinct ones with new sequence numbers (generation is slow)."""
    sequence = 0
    while sequence < total:
        for body in batches:
            events = orjson.loads(body)["events"]
            for event in events:
                sequence += 1
                event["sequence"], event["previous"] = sequence, sequence - 1
            yield orjson.dumps({"events": events, "offset": sequence})
            if sequence >= total:
                return


def rss_in_fresh_process(count: int) -> float:
    """RSS growth of a fresh process holding `count` events in the store (scaled to 1M)."""
    code = f"""
import sys, gc, orjson
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench import make_batches, renumbered, rss_mb
from gui.api.events import Events
from gui.eventlog.store import EventStore
from gui.eventlog.timeline import columns, count
seed = make_batches(min({count}, 20000), seed=10)
gc.collect()
before = rss_mb()
store = EventStore(cap=10_000_000)
for body in renumbered(seed, {count}):
    store.append(Events.decode(body)[0])
gc.collect()
print(rss_mb() - before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800, check=True)
    return round(float(out.stdout.strip().splitlines()[-1]) * 1_000_000 / count, 1)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def ingest_ours(batches: list[bytes]) -> tuple[float, Any, Any]:
    from gui.ui.model import EventTableModel

    store = EventStore(cap=10_000_000)
    model = EventTableModel(store)
    start = time.perf_counter()
    for body in batches:
        events, _ = Events.decode(body)
        model.add_rows(store.append(events))
    return time.perf_counter() - start, store, model


def ingest_naive(batches: list[bytes]) -> tuple[float, Any]:
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    model = QStandardItemModel(0, len(COLUMNS))
    start = time.perf_counter()
    for body in batches:
        for event in json.loads(body)["events"]:
            model.appendRow([QStandardItem(str(event.get(c, ""))) for c in COLUMNS])
    return time.perf_counter() - start, model


def pick_needle(store: Any) -> str:
    """A word matching about 20% of events."""
    best, best_gap = "", 1.0
    sample = range(store.base, store.base + min(len(store), 20000))
    for word in ("finance", "sales", "legal", "support", "marketing", "enabled", "created", "disabled", "partial"):
        ratio = len(filter_rows(store, word, sample)) / len(sample)
        if abs(ratio - 0.2) < best_gap:
            best, best_gap = word, abs(ratio - 0.2)
    return best


def filter_rows(store: Any, needle: str, rows: range) -> Any:
    from gui.eventlog.filter import FilterSpec, RowFilter

    return RowFilter(FilterSpec(text=needle)).apply(store, rows)


def filter_ours(store: Any, needle: str) -> tuple[float, int]:
    start = time.perf_counter()
    rows = filter_rows(store, needle, store.rows())
    return time.perf_counter() - start, len(rows)


def filter_naive(model: Any, needle: str) -> tuple[float, int]:
    from PySide6.QtCore import QSortFilterProxyModel, Qt

    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    start = time.perf_counter()
    proxy.setFilterFixedString(needle)
    count = proxy.rowCount()
    return time.perf_counter() - start, count


def filter_ui_gap(store: Any, needle: str) -> float:
    """The longest gap of a 10 ms main-thread heartbeat while another thread filters the store, as
    the window does (the goal: the UI never blocked more than 50 ms meanwhile)."""
    from PySide6.QtCore import QEventLoop, QTimer

    beats = [time.perf_counter()]
    heartbeat = QTimer(interval=10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    worker = threading.Thread(target=filter_rows, args=(store, needle, store.rows()))
    loop = QEventLoop()
    done = QTimer(interval=5)
    done.timeout.connect(lambda: worker.is_alive() or loop.quit())
    heartbeat.start()
    worker.start()
    done.start()
    loop.exec()
    done.stop()
    heartbeat.stop()
    worker.join()
    beats.append(time.perf_counter())
    return round(max(b - a for a, b in itertools.pairwise(beats)) * 1000, 1)


def export_ours(store: Any, path: Path) -> tuple[float, float]:
    """CSV export as the window runs it: the rows shown are taken on the UI thread, the file is
    written by another; its duration, and the longest gap of a 10 ms UI-thread heartbeat meanwhile."""
    from PySide6.QtCore import QEventLoop, QTimer

    from gui.eventlog.export import export_events
    from gui.ui.model import EventTableModel

    model = EventTableModel(store)
    heartbeat = QTimer(interval=10)
    beats: list[float] = []
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    loop = QEventLoop()
    done = QTimer(interval=5)
    heartbeat.start()
    start = time.perf_counter()
    beats.append(start)
    rows = model.shown_rows()  # what MainWindow.export_to does on the UI thread
    read = store.json_arrays(rows)
    worker = threading.Thread(target=lambda: export_events(path, read(), total=len(rows)))
    worker.start()
    done.timeout.connect(lambda: worker.is_alive() or loop.quit())
    done.start()
    loop.exec()
    worker.join()
    elapsed = time.perf_counter() - start
    done.stop()
    heartbeat.stop()
    beats.append(time.perf_counter())
    path.unlink()
    return elapsed, round(max(b - a for a, b in itertools.pairwise(beats)) * 1000, 1)


def pipeline(count: int) -> tuple[float, float]:
    """Events/s through emulator → client → consumer → store, and through a bare requests loop."""
    import requests

    from gui.api import EventManagerClient, Subscription
    from gui.api.models import TENANT_TOPIC, all_types_pattern
    from gui.consumer import Consumer, StartPosition

    proc, fields = start_emulator("--history", str(count), "--rate", "0")
    try:
        client = EventManagerClient(fields["url"], fields["client_id"], fields["client_secret"])

        def new_sub() -> Subscription:
            return client.create_subscription(
                Subscription(str(uuid.uuid4()), TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),))
            )

        store = EventStore(cap=10_000_000)

        class Sink:
            """As in the window: the consumer thread hands each batch over; another thread stores it."""

            def __init__(self) -> None:
                self.batches: queue.SimpleQueue[Any] = queue.SimpleQueue()
                self.thread = threading.Thread(target=self.run)
                self.thread.start()

            def run(self) -> None:
                while (batch := self.batches.get()) is not None:
                    store.append(batch.events)

            def on_batch(self, batch: Any) -> None:
                self.batches.put(batch)

            def on_state(self, state: Any) -> None:
                pass

        sub = new_sub()
        start = time.perf_counter()
        sink = Sink()
        Consumer(client, sub, str(uuid.uuid4()), StartPosition("earliest"), sink, max_events=count).run()
        sink.batches.put(None)
        sink.thread.join()
        ours = count / (time.perf_counter() - start)
        assert len(store) == count

        sub = new_sub()
        session = requests.Session()
        headers = {"Authorization": "Bearer " + client.token()}
        consumer, offset, seen = str(uuid.uuid4()), 0, 0
        start = time.perf_counter()
        while seen < count:
            body = session.get(
                client.base_url + "/events",
                headers=headers,
                timeout=60,
                params={
                    "subscription_id": sub.subscription_id,
                    "consumer_id": consumer,
                    "offset": offset,
                    "limit": 100,
                },
            ).json()
            seen += len(body["events"])
            offset = body["offset"]
        bare = count / (time.perf_counter() - start)
        return ours, bare
    finally:
        stop(proc)


def start_emulator(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`event-monitor emulator ARGS` in its own process, and the fields of its banner line (url, credentials)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gui", "emulator", "--world", "simple", *args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, dict(p.split("=", 1) for p in proc.stdout.readline().split() if "=" in p)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()


NOTIFY_RULE = 'data.kind == "customer"'  # a notification rule over the payload, as administrators write them


def ui_stall(seconds: float, rate: int, tabs: int = 1) -> tuple[float, float, float]:
    """The longest gap of a 10 ms main-thread heartbeat (the issue's `ui_max_stall_ms`: the time
    between two beats, its own 10 ms included) while the real window ingests `rate` events/s with a
    text filter and a payload notification rule on, the timeline shown; the rate the window
    actually took in; and the CPU time of this process meanwhile (user + system, all threads) as a
    % of one core (the emulator offering the events is another process). With ``tabs``, that many
    tabs each stream a subscription of their own, each offered `rate` events/s."""
    import resource

    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QEventLoop, QTimer

    from gui.api import EventManagerClient, Subscription
    from gui.api.models import TENANT_TOPIC, all_types_pattern
    from gui.app import create_window
    from gui.storage import Profile, StateStore

    proc, fields = start_emulator("--history", "0", "--rate", str(rate), "--replay", "5000")
    try:
        client = EventManagerClient(fields["url"], fields["client_id"], fields["client_secret"])
        store = StateStore()
        store.save_profile(Profile("bench", client.dc_url, client.client_id))
        subs = []
        for _ in range(tabs):
            sub = client.create_subscription(
                Subscription(str(uuid.uuid4()), TENANT_TOPIC, (all_types_pattern(TENANT_TOPIC),))
            )
            store.save_subscription(client.dc_url, client.client_id, sub)
            subs.append(sub.subscription_id)
        os.environ["EVENT_MONITOR_CLIENT_SECRET"] = fields["client_secret"]
        window = create_window([])
        window.show()  # the timeline paints only when shown
        for i, sub_id in enumerate(subs):
            if i:
                window.current.commands.new_tab.trigger()
            tab = window.current
            tab.connection_bar.reload_subscriptions(select=sub_id)
            tab.filter_bar.filter_edit.setText("enabled")
            tab.filter_bar.notify_edit.setText(NOTIFY_RULE)
            tab.filter_bar.notify_edit.editingFinished.emit()
            tab.position_bar.offset_mode_combo.setCurrentIndex(tab.position_bar.offset_mode_combo.findData("latest"))
            tab.controls.start()
        wait = QEventLoop()  # measure while ingesting: from the first rows shown on
        first_rows = QTimer(interval=20)
        first_rows.timeout.connect(lambda: window.current.model.rowCount() and wait.quit())
        first_rows.start()
        wait.exec()
        first_rows.stop()
        all_tabs = window.stream_tabs()
        held = sum(len(t.events) for t in all_tabs)
        worst = 0.0
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def beat() -> None:
            nonlocal worst
            now = clock.elapsed()
            worst = max(worst, now - last[0])
            last[0] = now

        timer = QTimer(interval=10)
        timer.timeout.connect(beat)
        timer.start()
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        after = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter() - wall
        timer.stop()
        cpu_pct = 100 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / wall
        rate_seen = (sum(len(t.events) for t in all_tabs) - held) / seconds
        print(
            f"  {tabs} tab(s): ingested {rate_seen:,.0f} events/s; held {len(window.current.events):,}, showing"
            f" {window.current.model.rowCount():,};"
            f" longest heartbeat gap {worst:.0f} ms; CPU {cpu_pct:.1f}% of a core;"
            f" rule notices {len(window.current.notifier.sent)}",
            flush=True,
        )
        window.close()
        for t in all_tabs:
            t.settings.forget()  # the next run's window starts with one tab
        window.settings.remove("tabs")
        window.settings.sync()
        window.deleteLater()  # a closed window's timers would go on costing the runs after it
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return worst, rate_seen, cpu_pct
    finally:
        stop(proc)


def sort_timed(store: Any) -> float:
    """Sorting every held row by time, as a header click does on a worker thread."""
    from gui.eventlog.sorting import sort_rows

    start = time.perf_counter()
    order = sort_rows(store, store.rows(), "time")
    elapsed = time.perf_counter() - start
    assert len(order) == len(store)
    return elapsed * 1000


def startup() -> float:
    code = (
        "import time, os; os.environ['QT_QPA_PLATFORM']='offscreen'; "
        "from gui.app import create_window; w = create_window([]); print(time.time())"
    )
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, EVENT_MONITOR_HOME=os.environ["EVENT_MONITOR_HOME"]),
    )
    return float(out.stdout.strip().splitlines()[-1]) - start


def soak(calls: int) -> int:
    from PySide6.QtCore import QObject

    from gui.ui.model import EventTableModel

    store = EventStore()
    model = EventTableModel(store)
    obj = QObject()
    done = 0
    event = {"sequence": 0, "type": "t", "tenant_id": "x", "time": "", "source": "s", "subject": "", "id": ""}
    while done < calls:
        event["sequence"] += 1
        model.add_rows(store.append([event]))
        obj.setObjectName("s")
        done += 2
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="small sizes: proves the harness, not the speed")
    parser.add_argument("--check", action="store_true", help="fail unless every figure was produced")
    args = parser.parse_args()
    import tempfile

    os.environ.setdefault("EVENT_MONITOR_HOME", tempfile.mkdtemp(prefix="event-monitor-bench-"))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841
    n200, n1m, reps = (2_000, 5_000, 1) if args.smoke else (200_000, 1_000_000, 3)
    figures: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "smoke": args.smoke,
    }

    batches = make_batches(n200)
    ours_t, naive_t = [], []
    for _ in range(reps):
        elapsed, store, model = ingest_ours(batches)
        ours_t.append(elapsed)
        elapsed, naive_model = ingest_naive(batches)
        naive_t.append(elapsed)
        if _ < reps - 1:
            del naive_model, store, model
            gc.collect()
    figures["ingest_eps"] = round(n200 / statistics.median(ours_t))
    figures["ingest_naive_eps"] = round(n200 / statistics.median(naive_t))
    figures["ingest_ratio"] = round(figures["ingest_eps"] / figures["ingest_naive_eps"], 2)
    print(f"ingest: ours {figures['ingest_eps']:,}/s, naive {figures['ingest_naive_eps']:,}/s", flush=True)

    needle = pick_needle(store)
    f_ours = [filter_ours(store, needle) for _ in range(reps)]
    f_naive = [filter_naive(naive_model, needle) for _ in range(reps)]
    figures["filter_needle"] = needle
    figures["filter_match_ratio"] = round(f_ours[0][1] / n200, 3)
    figures["filter_ms_200k"] = round(statistics.median(t for t, _ in f_ours) * 1000, 1)
    figures["filter_naive_ms_200k"] = round(statistics.median(t for t, _ in f_naive) * 1000, 1)
    figures["filter_ratio"] = round(figures["filter_naive_ms_200k"] / figures["filter_ms_200k"], 2)
    print(
        f"filter {needle!r}: ours {figures['filter_ms_200k']} ms, naive {figures['filter_naive_ms_200k']} ms",
        flush=True,
    )
    del naive_model, store, model, batches
    gc.collect()

    figures["rss_mb_per_1m"] = rss_in_fresh_process(n1m)
    store = EventStore(cap=10_000_000)
    for body in renumbered(batches_for_1m := make_batches(min(n1m, 100_000), seed=10), n1m):
        store.append(Events.decode(body)[0])
    del batches_for_1m
    figures["filter_ms_1m"] = round(statistics.median(filter_ours(store, needle)[0] for _ in range(reps)) * 1000, 1)
    # the heartbeat while filtering off the UI thread: the bench's word, and a payload word with many hits
    gaps = {word: filter_ui_gap(store, word) for word in (needle, "enabled")}
    figures["filter_1m_ui_gap_ms"] = max(gaps.values())
    figures["filter_1m_ui_gaps_ms"] = gaps
    export_s, figures["export_1m_ui_gap_ms"] = export_ours(store, Path(os.environ["EVENT_MONITOR_HOME"]) / "x.csv")
    figures["export_csv_s_1m"] = round(export_s * (1_000_000 / n1m), 2)
    print(
        f"1m: rss {figures['rss_mb_per_1m']} MB, filter {figures['filter_ms_1m']} ms (UI heartbeat gap meanwhile"
        f" {figures['filter_1m_ui_gap_ms']} ms), export {figures['export_csv_s_1m']} s (UI heartbeat gap meanwhile"
        f" {figures['export_1m_ui_gap_ms']} ms)",
        flush=True,
    )
    timeline_runs, live_runs, ui_parts = [], [], []
    store.times()  # kept current as rows arrive while the timeline shows (here: computed once)
    for _ in range(reps):
        t0 = time.perf_counter()
        when, types = columns(store, None)  # on the UI thread: copies of two columns
        t1 = time.perf_counter()
        histogram = count(when, types)  # on a worker thread
        t2 = time.perf_counter()
        ui_parts.append((t1 - t0) * 1000)
        timeline_runs.append((t2 - t0) * 1000)
        rows = range(store.base + len(store) - 100, store.base + len(store))  # a live batch of 100 shown rows
        t3 = time.perf_counter()
        for _batch in range(100):
            new_when, new_types = columns(store, rows)
            histogram.add(new_when, new_types)
        live_runs.append((time.perf_counter() - t3) * 1000 / 100)
    figures["timeline_ms_1m"] = round(statistics.median(timeline_runs) * (1_000_000 / n1m), 1)
    figures["timeline_1m_ui_ms"] = round(statistics.median(ui_parts) * (1_000_000 / n1m), 1)
    figures["timeline_live_ms_per_batch"] = round(statistics.median(live_runs), 3)
    sort_runs = [sort_timed(store) for _ in range(reps)]
    figures["sort_ms_1m"] = round(statistics.median(sort_runs) * (1_000_000 / n1m), 1)
    print(
        f"timeline 1m: {figures['timeline_ms_1m']} ms ({figures['timeline_1m_ui_ms']} ms of it on the UI thread),"
        f" live batch {figures['timeline_live_ms_per_batch']} ms; sort 1m by time {figures['sort_ms_1m']} ms",
        flush=True,
    )
    del store
    gc.collect()

    runs = [pipeline(3_000 if args.smoke else 30_000) for _ in range(reps)]
    figures["pipeline_eps"] = round(statistics.median(r[0] for r in runs))
    figures["bare_loop_eps"] = round(statistics.median(r[1] for r in runs))
    figures["pipeline_ratio"] = round(figures["pipeline_eps"] / figures["bare_loop_eps"], 2)
    print(f"pipeline: ours {figures['pipeline_eps']:,}/s, bare {figures['bare_loop_eps']:,}/s", flush=True)

    stalls = [ui_stall(2 if args.smoke else 30, 10_000) for _ in range(reps)]
    figures["ui_max_stall_ms"] = round(statistics.median(s for s, _, _ in stalls), 1)
    figures["ui_stall_runs_ms"] = [round(s, 1) for s, _, _ in stalls]
    figures["ui_ingest_eps"] = round(statistics.median(r for _, r, _ in stalls))
    live = [ui_stall(2 if args.smoke else 30, 1_000) for _ in range(reps)]
    figures["live_cpu_pct_1k"] = round(statistics.median(c for _, _, c in live), 1)
    figures["live_cpu_runs_pct"] = [round(c, 1) for _, _, c in live]
    figures["live_1k_max_stall_ms"] = round(statistics.median(s for s, _, _ in live), 1)
    tabbed = [ui_stall(2 if args.smoke else 30, 1_000, tabs=3) for _ in range(reps)]
    figures["ui_max_stall_ms_3tabs"] = round(statistics.median(s for s, _, _ in tabbed), 1)
    figures["ui_3tabs_runs_ms"] = [round(s, 1) for s, _, _ in tabbed]
    figures["ui_3tabs_ingest_eps"] = round(statistics.median(r for _, r, _ in tabbed))
    figures["startup_s"] = round(statistics.median(startup() for _ in range(reps)), 3)
    figures["soak_qt_calls"] = soak(20_000 if args.smoke else 2_000_000)
    print("BENCH " + json.dumps(figures), flush=True)
    if args.check:
        missing = [key for key in KEYS if not isinstance(figures.get(key), (int, float)) or figures[key] < 0]
        if missing:
            sys.exit(f"bench: figures not produced: {', '.join(missing)}")
        print(f"bench-smoke: all {len(KEYS)} figures produced (sizes too small to judge speed)")


if __name__ == "__main__":
    main()
