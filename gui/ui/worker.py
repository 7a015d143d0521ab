"""The long-poll in its own QThread: the Qt-free Consumer inside a QObject worker.

Results leave the thread only as signals carrying frozen dataclasses (Batch, ConsumerState).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gui.consumer import Batch, Consumer, ConsumerState
from gui.eventlog.store import prepare

log = logging.getLogger(__name__)


class ConsumerWorker(QObject):
    batch_received = Signal(object)  # Batch
    state_changed = Signal(object)  # ConsumerState
    finished = Signal()

    def __init__(self, consumer_factory: object) -> None:
        super().__init__()
        self._factory = consumer_factory
        self.consumer: Consumer | None = None
        self._stop_asked = False
        self.search_needle = b""  # the window's text filter, searched in each batch as it arrives

    # the ConsumerSink protocol, called on the worker thread
    def on_batch(self, batch: Batch) -> None:
        # search text, compression, the text filter's search: here, not on the UI thread
        batch.events.prepared = prepare(batch.events, self.search_needle)
        self.batch_received.emit(batch)

    def on_state(self, state: ConsumerState) -> None:
        self.state_changed.emit(state)

    @Slot()
    def run(self) -> None:
        try:
            self.consumer = self._factory(self)  # type: ignore[operator]
            if self._stop_asked:
                self.consumer.stop()
            self.consumer.run()
        except Exception as err:  # never die silently: report and finish
            log.exception("consumer worker failed")
            self.state_changed.emit(ConsumerState("stopped", f"stopped: internal error: {err}", fatal=True))
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

    def __init__(self, consumer_factory: object) -> None:
        self.thread = QThread()
        self.thread.setObjectName("consumer-thread")
        self.worker = ConsumerWorker(consumer_factory)
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
