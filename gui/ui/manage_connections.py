"""File ▸ Manage connections…: the saved connections, each editable (name, data center URL,
client ID, a new secret after a rotation), testable and removable (with its secret). The keyring
work is ``gui.storage.connections`` (shared with ``profile update``/``profile remove``). A
connection a tab streams on is not changed under it: the dialog says which tab, and to stop it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.api import EventManagerClient
from gui.api.client import normalize_dc_url
from gui.api.errors import ApiError
from gui.api.models import Topic
from gui.storage import Profile, StateStore, secrets
from gui.storage.connections import ConnectionChangeRefused, remove_connection, update_connection
from gui.ui import background, managing
from gui.ui.actions import built, named
from gui.ui.tones import set_tone

SECRET_SAID = {
    "new": "the new secret is in the OS keyring (the old one is gone)",
    "moved": "its secret moved along in the OS keyring",
    "missing": "no secret was stored for it: type one under New secret and save again",
}


class ManageConnectionsDialog(QDialog):
    def __init__(
        self, store: StateStore, parent: QWidget, *, reserved: tuple[str, ...] = (), insecure_http: bool = False
    ) -> None:
        super().__init__(parent)
        self.insecure_http = insecure_http  # --insecure-http: plain http:// to a non-loopback host allowed
        self.setObjectName("manageConnectionsDialog")
        self.setWindowTitle("Manage connections")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.store, self._reserved, self._owner = store, reserved, parent
        self.connections_list = named(QListWidget(), "connectionsList", "Saved connections")
        self.connections_list.setMinimumWidth(220)
        self.name_edit = named(QLineEdit(), "manageConnectionNameEdit", "Name")
        self.url_edit = named(QLineEdit(), "manageConnectionUrlEdit", "Data center URL")
        self.client_id_edit = named(QLineEdit(), "manageConnectionClientIdEdit", "Client ID")
        self.secret_edit = named(QLineEdit(), "manageConnectionSecretEdit", "New secret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("empty: keep the stored secret")
        self.test_button = built(QPushButton(), "manageTestConnectionButton", text="&Test connection")
        self.save_button = built(QPushButton(), "saveConnectionButton", text="&Save changes")
        self.remove_button = built(QPushButton(), "removeConnectionButton", text="&Remove…")
        self.result_label = built(QLabel(), "manageConnectionResultLabel", wordWrap=True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)  # text from the network is never rich text
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("Data center &URL", self.url_edit)
        form.addRow("&Client ID", self.client_id_edit)
        form.addRow("New s&ecret", self.secret_edit)
        row = QHBoxLayout()
        for button in (self.test_button, self.save_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(row)
        right.addWidget(QLabel("Secrets are kept in the OS keyring, never in a file."))
        right.addWidget(self.result_label, 1)
        body = QHBoxLayout()
        body.addWidget(self.connections_list)
        body.addLayout(right, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        self.connections_list.currentTextChanged.connect(lambda _text: self._show(self.chosen()))
        for button in (self.test_button, self.remove_button):
            button.setAutoDefault(False)
        self.save_button.setDefault(True)  # Enter in a field saves
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        self.remove_button.clicked.connect(self.ask_remove)
        self.resize(760, 300)
        self.reload()

    # -- the list ----------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        chosen = select or self.chosen()
        self.connections_list.clear()
        for profile in self.store.profiles():
            self.connections_list.addItem(profile.name)
            item = self.connections_list.item(self.connections_list.count() - 1)
            item.setToolTip(f"{profile.client_id} at {profile.url}")
        names = [p.name for p in self.store.profiles()]
        if names:
            self.connections_list.setCurrentRow(names.index(chosen) if chosen in names else 0)
        self._show(self.chosen())

    def chosen(self) -> str | None:
        item = self.connections_list.currentItem()
        return item.text() if item is not None else None

    def _show(self, name: str | None) -> None:
        profile = self.store.profile(name) if name else None
        editable = profile is not None and profile.name not in self._reserved
        for edit, value in (
            (self.name_edit, profile.name if profile else ""),
            (self.url_edit, profile.url if profile else ""),
            (self.client_id_edit, profile.client_id if profile else ""),
            (self.secret_edit, ""),
        ):
            edit.setText(value)
            edit.setEnabled(editable)
        for button in (self.test_button, self.save_button, self.remove_button):
            button.setEnabled(editable)
        if profile is None:
            self.say("No saved connections: add one with File ▸ Add connection….")
        else:
            self.say(
                f"“{profile.name}” is the demo's own connection: it goes when the demo ends." if not editable else ""
            )

    def say(self, text: str, tone: str = "") -> None:
        self.result_label.setText(text)
        set_tone(self.result_label, tone)

    # -- checks --------------------------------------------------------------------------------

    def _refused(self, name: str) -> str:
        if name in self._reserved:
            return f"“{name}” is the demo's own connection: it goes when the demo ends."
        return managing.streaming_connection(self._owner, name)

    def _entered(self) -> tuple[str, str, str] | str:
        """(name, normalised URL, client ID), or what is wrong with them."""
        name, url, client_id = (e.text().strip() for e in (self.name_edit, self.url_edit, self.client_id_edit))
        if not (name and url and client_id):
            return "Name, data center URL and client ID are all needed."
        if name in self._reserved:
            return f"“{name}” is the demo's own connection: choose another name."
        try:
            return name, normalize_dc_url(url, allow_insecure_http=self.insecure_http), client_id
        except ApiError as err:
            return str(err)

    # -- test, save, remove ----------------------------------------------------------------------

    def test(self) -> None:
        entered, old = self._entered(), self.store.profile(self.chosen() or "")
        if isinstance(entered, str) or old is None:
            self.say(entered if isinstance(entered, str) else "", "error")
            return
        _, url, client_id = entered
        typed = self.secret_edit.text()
        self.say("Testing…")
        self.test_button.setEnabled(False)

        def work() -> list[Topic]:
            secret = typed or secrets.get_secret(old.url, old.client_id, env=False)
            if not secret:
                raise ValueError("No secret is stored for this connection: type it under New secret.")
            client = EventManagerClient(url, client_id, secret, allow_insecure_http=self.insecure_http)
            try:
                return client.topics()
            finally:
                client.close()

        def done(topics: list[Topic]) -> None:
            self.test_button.setEnabled(True)
            self.say(f"✔ Connected: token issued, {len(topics)} topics readable.", "ok")

        def failed(err: Exception) -> None:
            self.test_button.setEnabled(True)
            self.say(f"✘ {err}", "error")

        background.run(self, work, done, failed)

    def save(self) -> None:
        name, entered = self.chosen(), self._entered()
        if name is None:
            return
        if isinstance(entered, str):
            self.say(entered, "error")
            return
        refused = self._refused(name)
        if refused:
            self.say(refused, "error")
            return
        new_name, url, client_id = entered
        try:
            done = update_connection(
                self.store,
                name,
                new_name=new_name,
                url=url,
                client_id=client_id,
                secret=self.secret_edit.text() or None,
            )
        except (ConnectionChangeRefused, secrets.KeyringUnavailable) as err:
            self.say(f"Not saved: {err}.".replace("..", "."), "error")
            return
        if new_name != name:  # the tabs showing it choose it again under its new name, reconnected
            managing.reload_connections(self._owner, renamed=(name, new_name))
        else:
            managing.reload_connections(self._owner)
            managing.reconnect(self._owner, name)
        self.reload(select=new_name)
        said = SECRET_SAID.get(done.secret, "")
        self.say(f"Saved “{new_name}” ({client_id} at {url}){'; ' + said if said else ''}.", "ok")

    def ask_remove(self) -> None:
        name = self.chosen()
        profile = self.store.profile(name) if name else None
        if profile is None:
            return
        refused = self._refused(profile.name)
        if refused:
            managing.tell(self, "connectionInUseBox", "Connection in use", refused)
            return
        managing.ask(
            self,
            "removeConnectionBox",
            "Remove connection",
            f"Remove the connection “{profile.name}” ({profile.client_id} at {profile.url}) and its secret "
            "from the OS keyring? The subscriptions remembered for it stay, and come back if it is added again.",
            "Remove",
            lambda: self.remove(profile),
        )

    def remove(self, profile: Profile) -> None:
        refused = self._refused(profile.name)  # a stream may have started while the question was open
        if refused:
            self.say(refused, "error")
            return
        try:
            remove_connection(self.store, profile.name)
        except (ConnectionChangeRefused, secrets.KeyringUnavailable) as err:
            self.say(f"Not removed: {err}", "error")
            return
        managing.reload_connections(self._owner)
        self.reload()
        self.say(f"Removed “{profile.name}” and its secret.", "ok")


def open_for(
    tab: QWidget, store: StateStore, reserved: tuple[str, ...], insecure_http: bool = False
) -> ManageConnectionsDialog:
    dialog = ManageConnectionsDialog(store, tab.window(), reserved=reserved, insecure_http=insecure_http)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
