"""The long-poll in its own QThread: the Qt-free Consumer inside a QObject worker.

Results leave the thread only as signals carrying frozen dataclasses (Batch, ConsumerState).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gui.consumer import Batch, Consumer, ConsumerState
from gui.consumer.health import PollRecord
from gui.eventlog.store import prepare

log = logging.getLogger(__name__)


class ConsumerWorker(QObject):
    batch_received = Signal(int, object)  # generation, Batch
    state_changed = Signal(int, object)  # generation, ConsumerState
    polled = Signal(int, object)  # generation, PollRecord
    finished = Signal()

    def __init__(self, consumer_factory: object, generation: int = 0) -> None:
        super().__init__()
        self._factory = consumer_factory
        self.generation = generation  # which start of the session this stream is
        self.consumer: Consumer | None = None
        self._stop_asked = False
        self.search_needle = b""  # the window's text filter, searched in each batch as it arrives
        self.rule: Any = None  # the notification rule (``count(events)``), evaluated here
        self.want_times = False  # each event's time as epoch seconds, for the timeline

    # the ConsumerSink protocol, called on the worker thread
    def on_batch(self, batch: Batch) -> None:
        # search text, compression, the text filter's search, the notification rule: here, not
        # on the UI thread (a CEL rule over the payload costs ~0.4 ms an event)
        rule = self.rule
        if rule is not None:
            try:
                batch.events.rule_matches = rule.count(batch.events)
            except Exception:  # a rule must never stop the stream
                log.exception("notification rule failed")
        batch.events.prepared = prepare(batch.events, self.search_needle, times=self.want_times)
        self.batch_received.emit(self.generation, batch)

    def on_state(self, state: ConsumerState) -> None:
        self.state_changed.emit(self.generation, state)

    def on_poll(self, record: PollRecord) -> None:
        self.polled.emit(self.generation, record)

    @Slot()
    def run(self) -> None:
        try:
            self.consumer = self._factory(self)  # type: ignore[operator]
            if self._stop_asked:
                self.consumer.stop()
            self.consumer.run()
        except Exception as err:  # never die silently: report and finish
            log.exception("consumer worker failed")
            self.state_changed.emit(
                self.generation, ConsumerState("stopped", f"stopped: internal error: {err}", fatal=True)
            )
        finally:
            self.finished.emit()

    def stop(self) -> None:
        self._stop_asked = True
        if self.consumer is not None:
            self.consumer.stop()

    def retry_now(self) -> None:
        if self.consumer is not None:
            self.consumer.retry_now()


class ConsumerThread:
    """Owns one QThread + worker; ``stop()`` returns within about a second."""

    def __init__(self, consumer_factory: object, generation: int = 0) -> None:
        self.thread = QThread()
        self.thread.setObjectName("consumer-thread")
        self.worker = ConsumerWorker(consumer_factory, generation)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit)

    def start(self) -> None:
        self.thread.start()

    def stop(self, wait_ms: int = 3000) -> bool:
        self.worker.stop()
        self.thread.quit()
        return bool(self.thread.wait(wait_ms))

    def running(self) -> bool:
        return bool(self.thread.isRunning())
