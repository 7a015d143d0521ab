"""The stream's commands as the user gives them: Start (Restart while streaming), Pause/Resume,
Stop, Retry now; the buttons follow the tab's ``StreamState``; the counters and the lag go into it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from gui.consumer import Consumer
from gui.consumer.health import PollRecord
from gui.storage import reader_lock
from gui.ui import background, message
from gui.ui.actions import Actions
from gui.ui.commits import Commits
from gui.ui.connection_bar import ConnectionBar
from gui.ui.event_table import EventTable
from gui.ui.filter_bar import FilterBar
from gui.ui.notify import Notifier
from gui.ui.position_bar import PositionBar
from gui.ui.session import StreamSession
from gui.ui.stream_state import StreamStatus

LAG_MS = 5000
HELD_S = 3.0  # a poll out longer than this is one the server holds: it has nothing more for us now
READING_S = 1.0  # a change seen in a poll gives a reading at once, but at most one a second (at 10k
# events/s polls alternate full and short many times a second: a reading each, with a server call
# when behind, cost a third more CPU than the stream itself)


class StreamControls(QObject):
    def __init__(
        self,
        session: StreamSession,
        actions: Actions,
        connection: ConnectionBar,
        position: PositionBar,
        table: EventTable,
        commits: Commits,
        notifier: Notifier,
        started: Callable[[], None],
        notify_field: FilterBar,
    ) -> None:
        super().__init__(session)
        self.session, self.actions, self.connection = session, actions, connection
        self.position, self.table, self.commits, self.notifier = position, table, commits, notifier
        self._started, self.notify_field = started, notify_field
        # set by the window: why this subscription cannot start here ("" when it can)
        self.taken_elsewhere: Callable[[str], str] = lambda _subscription_id: ""
        a = actions
        a.start.triggered.connect(self.on_start_requested)
        a.pause.toggled.connect(self.set_paused)
        a.stop.triggered.connect(self.stop)
        a.retry.triggered.connect(self.retry_now)
        table.view.pause_requested.connect(self.toggle_pause)
        self.state = session.state
        self.state.status_changed.connect(self.on_status)
        self._caught_up: bool | None = None  # as the last lag reading knew it
        self._read_at = 0.0  # when the last reading was made (monotonic)
        self.state.reset.connect(self._forget_lag)
        self.state.reset.connect(self._restart_rule_count)
        self.state.polled.connect(self.on_poll)
        session.rule_matched.connect(self.on_rule_matched)
        session.running_changed.connect(lambda _running: self.update_buttons())
        connection.about_to_change.connect(self.stop)
        connection.client_changed.connect(self.update_buttons)
        self._lag_timer = QTimer(self, interval=LAG_MS)
        self._lag_timer.timeout.connect(self.refresh_lag)
        self._lag_timer.start()

    def on_start_requested(self) -> None:
        """Start (F5): a running stream restarts from the chosen position, and the status says so."""
        restarting = self.session.running
        if self.start() and restarting:
            message.info(self, "Restarted from the chosen position: the table shows the new stream only")

    def start(self) -> bool:
        """Start (or restart) from the chosen position; False (and why, said) when it cannot."""
        client, sub = self.connection.client, self.connection.subscription
        if client is None or sub is None:
            message.info(self, "Pick a connection and a subscription first")
            return False
        taken = self.taken_elsewhere(sub.subscription_id)
        if taken:  # the same consumer ID twice would make two readers of one subscription fight
            message.info(self, taken)
            if not self.session.running:
                self.state.set_notice(taken)
            return False
        try:
            start = self.position.start_position()
        except ValueError as err:  # said at the field and in passing: the stream running goes on
            self.position.show_error(str(err))
            message.info(self, str(err))
            if not self.session.running:
                self.state.set_notice(str(err))
            return False
        key = (client.dc_url, client.client_id, sub.subscription_id)
        lock = self.session.reader_lock  # a restart keeps it
        if lock is None or lock.key != key:
            try:
                lock = reader_lock.acquire(*key, kind="window")
            except reader_lock.ReaderBusy as err:  # another window or a tail reads it on this machine
                message.info(self, str(err))
                if not self.session.running:
                    self.state.set_notice(str(err))
                return False
        reasons = tuple(sub.skip_reasons())  # what explains skipped sequences, for this subscription
        self.table.model.set_skip_reasons(reasons)
        self.state.skip_reasons = reasons
        consumer_id = self.state.consumer_id
        commit = "stored" if self.commits.target == "stored" else "none"
        store, options = self.connection.store, dict(self.session.consumer_options)

        def factory(sink: Any) -> Consumer:
            return Consumer(client, sub, consumer_id, start, sink, commit=commit, store=store, **options)

        self.actions.pause.setChecked(False)
        self.session.start(factory, lock)
        self.state.started_from = start.describe()
        self._started()
        self.update_buttons()
        return True

    def stop(self) -> None:
        self.session.stop()
        self.actions.pause.setChecked(False)
        self.update_buttons()

    def set_paused(self, paused: bool) -> None:
        self.session.set_paused(paused)
        self.actions.pause.setText("&Resume" if self.session.paused else "&Pause")
        if paused and not self.session.paused:
            self.actions.pause.setChecked(False)

    def toggle_pause(self) -> None:
        if self.session.running:
            self.actions.pause.toggle()

    def retry_now(self) -> None:
        """Cut the wait before the next attempt short (the user knows the network is back)."""
        self.session.retry_now()

    def on_status(self, status: StreamStatus) -> None:
        if status.state == "stopped":
            self.actions.pause.setChecked(False)
        self.update_buttons()

    def on_rule_matched(self, matched: int) -> None:
        notice = self.notifier.add(matched)
        rule = self.notifier.rule
        if rule is not None:
            self.notify_field.set_notify_count(self.notifier.matched, rule.describe())
        if notice:
            message.info(self, notice)

    def _restart_rule_count(self) -> None:
        """A new stream: the rule's count is of this stream's events (none yet)."""
        rule = self.notifier.rule
        self.notifier.restart_count()
        if rule is not None:
            self.notify_field.set_notify_count(0, rule.describe())

    def update_buttons(self) -> None:
        running = self.session.running
        client = self.connection.client
        ready = client is not None and self.connection.subscription is not None
        a = self.actions
        a.start.setEnabled(ready)
        a.start.setText("Re&start" if running else "&Start")
        for action in (a.pause, a.stop, a.retry):
            action.setEnabled(running)
        a.new_subscription.setEnabled(client is not None)
        a.add_subscription.setEnabled(client is not None)
        self.position.new_consumer_button.setEnabled(ready)

    def set_notify_rule(self, text: str) -> None:
        """The notification rule, checked here, evaluated in the consumer thread from now on."""
        try:
            rule = self.notifier.set_rule(text)
        except ValueError as err:  # said at the field; no rule runs meanwhile (none the field shows)
            self.notifier.set_rule("")
            self.session.set_rule(None)
            self.notify_field.set_notify_error(str(err))
            return
        self.notify_field.set_notify_error("")
        if rule is not None:
            self.notify_field.set_notify_count(0, rule.describe())
        self.session.set_rule(rule)

    def new_consumer_id(self) -> None:
        """A new consumer ID for this machine, asked first: it changes which instance leads."""
        if self.connection.client is None or self.connection.subscription is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "New consumer ID",
            "A new consumer ID changes which instance the server treats as the leader of this subscription: "
            "until the old one's session times out, this window will be on standby. Continue?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.position.window(),
        )
        box.setObjectName("newConsumerBox")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(answer: int) -> None:
            if answer == QMessageBox.StandardButton.Yes:
                self.stop()
                self.state.consumer_id = self.connection.new_consumer_id() or "—"
                self.position.show_consumer_id(self.state.consumer_id)

        box.finished.connect(answered)
        box.open()  # window-modal, no nested event loop

    def update_counts(self) -> None:
        self.session.publish_counts()

    def _forget_lag(self) -> None:
        background.cancel(self, "lag")
        self._caught_up = None

    def on_poll(self, record: PollRecord) -> None:
        """A poll that changes what is known (caught up, or behind) gives a reading at once."""
        changed = record.caught_up is not None and record.caught_up != self._caught_up
        if changed and time.monotonic() - self._read_at >= READING_S:  # else the next timer's reading says it
            self.refresh_lag()

    def refresh_lag(self) -> None:
        """A lag reading (every few seconds). The last poll came back with fewer events than asked
        (or none): the stream has read all the server has for it, lag 0, caught up. It came back
        full: the topic's sequences still ahead, an upper bound (on a shared or filtered topic most
        of them are not this subscription's)."""
        state = self.state
        last = state.polls[-1] if state.polls else None
        # the backlog ended on a full poll: the next one is out and the server holds it (it answers
        # at once while it has events), so it has nothing more for this subscription
        held = last is not None and time.time() - last.at > HELD_S
        if state.caught_up is False and held and state.status.state in ("streaming", "paused"):
            state.caught_up = True
        self._caught_up = state.caught_up
        self._read_at = time.monotonic()
        if not self.session.running or state.caught_up is None:
            return
        if state.caught_up:
            background.cancel(self, "lag")
            state.set_lag(0)
            return
        client, sub = self.connection.client, self.connection.subscription
        returned = next((p.offset_returned for p in reversed(state.polls) if p.offset_returned is not None), None)
        if client is None or sub is None or returned is None:
            return

        def reading(latest: int) -> None:
            if state.caught_up is False:  # not caught up since it was asked
                if latest <= returned:  # nothing at all ahead in the topic: nothing for it either
                    state.caught_up = True
                state.set_lag(max(0, latest - returned))

        background.run(
            self,
            lambda: client.topic_offset(sub.topic_id, "CURRENT"),
            reading,
            lambda err: state.set_lag(None),
            key="lag",  # cancelled when the stream starts over: no figure of a stream that is gone
        )
