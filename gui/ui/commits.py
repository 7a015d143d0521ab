"""Commits: "Commit up to here" to the server or to this machine's store, the committed offset
shown, and the Commits tab (this machine's commit log, with "Revert to this")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QListWidget, QMessageBox, QPushButton, QVBoxLayout, QWidget

from gui.api import EventManagerClient, Subscription
from gui.storage import StateStore
from gui.ui import background, message
from gui.ui.actions import built, named
from gui.ui.model import EventTableModel

Context = Callable[[], tuple[EventManagerClient | None, Subscription | None]]
# where "Commit up to here" commits: (mode, the combo's text, what is said once it is done)
MODES = (("server", "Commit to server", "Committed"), ("stored", "Store offset locally", "Stored"))


class Commits(QObject):
    committed = Signal(int)  # a commit went through (the resolved "Committed" position moved)
    offset_shown = Signal(object, str)  # the offset committed where the mode commits (None: not known), its word

    def __init__(
        self,
        store: StateStore,
        model: EventTableModel,
        context: Context,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.store, self.model, self.context = store, model, context
        self._parent = parent
        self.mode_combo = named(QComboBox(), "commitModeCombo", "Commit mode")
        for mode, label, _done in MODES:
            self.mode_combo.addItem(label, mode)
        self.mode_combo.setToolTip(
            "Commit to server: Commit up to here sets the subscription's offset on the server.\n"
            "Store offset locally: this machine remembers each batch's offset (Start from: Stored)."
        )
        self.log_list = named(QListWidget(), "commitLogList", "Commit log")
        self.revert_button = built(QPushButton("Revert to this"), "revertButton")
        self.revert_button.setToolTip("Commit the offset this commit moved from")
        self.revert_button.setEnabled(False)
        self.tab = QWidget()
        layout = QVBoxLayout(self.tab)
        layout.addWidget(self.log_list)
        layout.addWidget(self.revert_button)
        self.mode_combo.currentIndexChanged.connect(self.refresh)
        self.log_list.currentRowChanged.connect(self._update_revert)
        self.revert_button.clicked.connect(self.revert)

    @property
    def target(self) -> str:
        return "stored" if self.mode_combo.currentData() == "stored" else "server"

    def commit(self, offset: int, *, confirm: bool = True) -> None:
        """Commit ``offset``; moving it backwards is asked first (No is the default)."""
        client, sub = self.context()
        if client is None or sub is None:
            return
        current = self.model.committed
        if confirm and current >= 0 and offset < current:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Move the committed offset back?",
                f"The {self.done_word.lower()} offset is {current:,}. {self.done_word.removesuffix('ed')}ing "
                f"{offset:,} moves it backwards: events after it will be read again. Continue?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self._parent,
            )
            box.setObjectName("commitBackwardsBox")
            box.setDefaultButton(QMessageBox.StandardButton.No)  # Enter keeps the offset where it is
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            def answered(answer: int) -> None:
                if answer == QMessageBox.StandardButton.Yes:
                    self.commit(offset, confirm=False)

            box.finished.connect(answered)
            box.open()  # window-modal, no nested event loop
            return
        if self.target == "stored":
            self.store.store_offset(client.dc_url, client.client_id, sub.subscription_id, offset, log=True)
            self._done(offset)
            return

        def work() -> int:
            client.commit_offset(sub.subscription_id, offset)
            self.store.log_commit(
                client.dc_url,
                client.client_id,
                sub.subscription_id,
                "server",
                current if current >= 0 else None,
                offset,
            )
            return offset

        background.run(
            self, work, self._done, lambda err: message.error(self, "Commit failed", f"{err}\n\n{offset:,} is not committed.")
        )

    def _done(self, offset: int) -> None:
        self.show(offset)
        self.reload()
        message.info(self, f"{self.done_word} up to {offset:,}")
        self.committed.emit(offset)

    @property
    def done_word(self) -> str:
        """ "Committed" (to the server) or "Stored" (on this machine), as the mode commits."""
        return next(done for mode, _label, done in MODES if mode == self.target)

    def show(self, offset: int) -> None:
        self.model.set_committed(offset)
        self.offset_shown.emit(offset, self.done_word)

    def refresh(self) -> None:
        """Show the offset committed where the current mode commits: the server or this machine."""
        client, sub = self.context()
        self.model.set_committed(-1)
        self.offset_shown.emit(None, self.done_word)
        if client is None or sub is None:
            return
        if self.target == "stored":
            stored = self.store.stored_offset(client.dc_url, client.client_id, sub.subscription_id)
            if stored is not None:
                self.show(stored)
            return

        def failed(err: Exception) -> None:
            message.info(self, f"Could not read the committed offset: {err}")

        background.run(self, lambda: client.committed_offset(sub.subscription_id), self.show, failed, key="committed")

    def reload(self) -> None:
        self.log_list.clear()
        client, sub = self.context()
        if client is None or sub is None:
            self._update_revert()
            return
        for commit in self.store.commits(client.dc_url, client.client_id, sub.subscription_id):
            when = datetime.fromtimestamp(commit.at).strftime("%Y-%m-%d %H:%M:%S")
            origin = "—" if commit.from_offset is None else f"{commit.from_offset:,}"
            self.log_list.addItem(f"{when}  {commit.target}: {origin} → {commit.offset:,}")
            self.log_list.item(self.log_list.count() - 1).setData(Qt.ItemDataRole.UserRole, commit.from_offset)
        self._update_revert()

    def _update_revert(self) -> None:
        item = self.log_list.currentItem()
        self.revert_button.setEnabled(item is not None and item.data(Qt.ItemDataRole.UserRole) is not None)

    def revert(self) -> None:
        item = self.log_list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
            self.commit(int(item.data(Qt.ItemDataRole.UserRole)))
