"""The connection bar: which data center connection and which subscription. It owns the API
client of the chosen connection (secrets from the keyring, or the demo's in memory) and says when
either changes; adding a connection or a subscription happens here too."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QWidget

from gui.api import EventManagerClient, Subscription
from gui.api.client import normalize_dc_url
from gui.api.errors import ApiError
from gui.api.models import short_type
from gui.storage import Profile, StateStore, secrets
from gui.storage.subscription_facts import is_filtered, tenant_scope
from gui.ui import message
from gui.ui.actions import Actions, action_button, named
from gui.ui.dialogs import AddSubscriptionDialog, ConnectionDialog, SubscriptionDialog


def picker_text(sub: Subscription) -> str:
    """A subscription as the picker lists it; one the server filters by CEL or tenant is marked."""
    types = ", ".join(short_type(t) if not t.endswith("*") else t.rsplit("~", 1)[-1] for t in sub.types)
    marks = [word for word, on in (("CEL", bool(sub.cel)), ("tenant", sub.tenant_depth != "ALL")) if on]
    mark = f"▽ {' + '.join(marks)}  " if marks else ""  # first: a narrow picker still shows it
    return f"{mark}{sub.subscription_id[:8]}…  {short_type(sub.topic_id)}  [{types}]"


def picker_tip(sub: Subscription) -> str:
    lines = [sub.subscription_id, sub.topic_id, ", ".join(sub.types)]
    lines.append(f"{'Filtered on the server: t' if is_filtered(sub) else 'T'}enant scope {tenant_scope(sub)}")
    if sub.cel:
        lines.append(f"CEL: {sub.cel}")
    return "\n".join(lines)


def buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)  # Alt+the underlined letter goes to the field
    return label


_TIP = Qt.ItemDataRole.ToolTipRole


def _tip_current(combo: QComboBox, _index: int = -1) -> None:
    combo.setToolTip(str(combo.currentData(_TIP) or combo.currentText()))


class ConnectionBar(QWidget):
    about_to_change = Signal()  # the client or the subscription is about to go: stop using it
    client_changed = Signal()
    subscription_changed = Signal()
    connection_saved = Signal()  # a connection was added: the other tabs list it too

    def __init__(
        self,
        store: StateStore,
        actions: Actions,
        demo_secrets: dict[str, str],
        insecure_http: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("connectionBar")
        self.store, self.demo_secrets = store, demo_secrets
        self.insecure_http = insecure_http  # --insecure-http: plain http:// to a non-loopback host allowed
        self.client: EventManagerClient | None = None
        self.subscription: Subscription | None = None
        self.problem = ""  # why the chosen connection cannot stream (no secret...): the tab's notice
        self.streaming: Callable[[], bool] = lambda: False  # set by the tab: is its stream running?
        self.open_elsewhere: Callable[[str], None] | None = None  # set by the window: a new tab on a connection
        self.connection_combo = named(QComboBox(), "connectionCombo", "Connection")
        self.subscription_combo = named(QComboBox(), "subscriptionCombo", "Subscription")
        for combo in (self.connection_combo, self.subscription_combo):
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            # what a narrow combo cuts off, on hover: the chosen item's whole description
            combo.currentIndexChanged.connect(partial(_tip_current, combo))
        self.add_connection_button = action_button(actions.add_connection, "Add connection…")
        self.new_subscription_button = action_button(actions.new_subscription, "New subscription…")
        self.add_subscription_button = action_button(actions.add_subscription, "Add existing…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            buddy("&Connection", self.connection_combo),
            self.connection_combo,
            self.add_connection_button,
            buddy("Su&bscription", self.subscription_combo),
            self.subscription_combo,
            self.new_subscription_button,
            self.add_subscription_button,
        ):
            layout.addWidget(widget)
        layout.setStretchFactor(self.connection_combo, 1)
        layout.setStretchFactor(self.subscription_combo, 2)
        self.connection_combo.currentIndexChanged.connect(self.on_connection_changed)
        self.subscription_combo.currentIndexChanged.connect(self.on_subscription_changed)
        actions.add_connection.triggered.connect(self.on_add_connection)
        actions.new_subscription.triggered.connect(self.on_new_subscription)
        actions.add_subscription.triggered.connect(self.on_add_existing_subscription)

    def tab_chain(self) -> list[QWidget]:
        return [
            self.connection_combo,
            self.add_connection_button,
            self.subscription_combo,
            self.new_subscription_button,
            self.add_subscription_button,
        ]

    # -- connections -------------------------------------------------------------------------

    def reload_connections(self, select: str | None = None) -> None:
        """The connections saved, again; the one chosen stays chosen (and its stream untouched)
        unless ``select`` names another."""
        combo = self.connection_combo
        before = combo.currentData() if combo.count() else None
        combo.blockSignals(True)
        combo.clear()
        for profile in self.store.profiles():
            host = urlsplit(profile.url).netloc or profile.url  # the host says which; the tooltip has it all
            combo.addItem(f"{profile.name}  ({host})", profile.name)
            combo.setItemData(combo.count() - 1, f"{profile.name}\n{profile.url}\n{profile.client_id}", _TIP)
        wanted = select if select is not None else before
        index = combo.findData(wanted) if wanted is not None else -1
        if index >= 0:
            combo.setCurrentIndex(index)
        combo.blockSignals(False)
        if select is not None or combo.currentData() != before or self.client is None:
            self.on_connection_changed()

    def current_profile(self) -> Profile | None:
        name = self.connection_combo.currentData()
        return self.store.profile(name) if name else None

    def connection_dialog(self) -> ConnectionDialog:
        dialog = ConnectionDialog(None, self.window(), reserved=tuple(self.demo_secrets), insecure_http=self.insecure_http)
        if self.demo_secrets:  # the demo runs on the user's own store: say that this one is kept
            dialog.set_note(
                "The demo is running, but this connection is saved with your own connections: "
                "it is still there when the demo ends."
            )
        return dialog

    def on_add_connection(self) -> None:
        """Add connection…: a window-modal dialog, opened (no nested event loop); saved when accepted."""
        dialog = self.connection_dialog()
        dialog.accepted.connect(lambda: self.save_connection(*dialog.values()))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        self.dialog: QDialog | None = dialog  # the one open (tests answer it)
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        dialog.open()

    def save_connection(self, name: str, url: str, client_id: str, secret: str) -> None:
        try:
            url = normalize_dc_url(url, allow_insecure_http=self.insecure_http)
            secrets.set_secret(url, client_id, secret)
        except (ApiError, secrets.KeyringUnavailable) as err:
            message.error(self, "Connection not saved", str(err))
            return
        self.store.save_profile(Profile(name, url, client_id))
        self.connection_saved.emit()
        if self.streaming() and self.open_elsewhere is not None:
            # the stream watched here goes on: the new connection opens in a tab of its own
            self.reload_connections()
            self.open_elsewhere(name)
            return
        self.reload_connections(select=name)

    def on_connection_changed(self) -> None:
        _tip_current(self.connection_combo)
        self.about_to_change.emit()
        profile = self.current_profile()
        if self.client is not None:
            self.client.close()
        self.client = None
        self.problem = ""
        if profile is not None:
            try:
                secret = self.demo_secrets.get(profile.name) or secrets.get_secret(profile.url, profile.client_id)
            except secrets.KeyringUnavailable as err:  # not "no secret": there is no keyring to ask
                secret = None
                self.problem = f"No usable OS keyring: the secret of {profile.name} cannot be read"
                message.info(self, str(err))
            else:
                if not secret:
                    self.problem = f"No secret for {profile.name} in the keyring: add the connection again"
                    message.info(self, self.problem)
            if secret:
                try:
                    self.client = EventManagerClient(
                        profile.url, profile.client_id, secret, allow_insecure_http=self.insecure_http
                    )
                except ApiError as err:  # plain http:// without --insecure-http: said, not a traceback
                    self.problem = f"{profile.name}: {err}"
                    message.info(self, str(err))
        self.client_changed.emit()
        self.reload_subscriptions()

    def close_client(self) -> None:
        if self.client is not None:
            self.client.close()

    # -- subscriptions -----------------------------------------------------------------------

    def reload_subscriptions(self, select: str | None = None, *, keep: bool = False) -> None:
        """The subscriptions remembered for the connection, again (``select``: choose that one).
        ``keep``: the one chosen stays chosen and, if it is still there, nothing is signalled (a
        running stream goes on)."""
        combo = self.subscription_combo
        before = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        if self.client is not None:
            for sub in self.store.subscriptions(self.client.dc_url, self.client.client_id):
                combo.addItem(picker_text(sub), sub.subscription_id)
                combo.setItemData(combo.count() - 1, picker_tip(sub), Qt.ItemDataRole.ToolTipRole)
        if select is not None:
            combo.setCurrentIndex(combo.findData(select))
        elif keep and combo.count():
            combo.setCurrentIndex(max(combo.findData(before), 0))
        combo.blockSignals(False)
        if keep and select is None and before is not None and combo.currentData() == before:
            return
        self.on_subscription_changed()

    def on_subscription_changed(self) -> None:
        _tip_current(self.subscription_combo)
        self.about_to_change.emit()
        sub_id = self.subscription_combo.currentData()
        self.subscription = None
        if self.client is not None and sub_id:
            self.subscription = self.store.subscription(self.client.dc_url, self.client.client_id, sub_id)
        self.subscription_changed.emit()

    def consumer_id(self) -> str:
        if self.client is None or self.subscription is None:
            return "—"
        return self.store.consumer_id(self.client.dc_url, self.client.client_id, self.subscription.subscription_id)

    def new_consumer_id(self) -> str | None:
        if self.client is None or self.subscription is None:
            return None
        return self.store.new_consumer_id(self.client.dc_url, self.client.client_id, self.subscription.subscription_id)

    def on_new_subscription(self) -> None:
        if self.client is None:
            return
        client = self.client
        dialog = SubscriptionDialog(
            client,
            None,
            self.window(),
            remember=lambda spec: self.store.save_subscription(client.dc_url, client.client_id, spec),
            forget=lambda spec: self.store.forget_subscription(client.dc_url, client.client_id, spec.subscription_id),
        )

        def accepted() -> None:
            if dialog.created is not None:
                self.store.save_subscription(client.dc_url, client.client_id, dialog.created)
                self.reload_subscriptions(select=dialog.created.subscription_id)

        dialog.accepted.connect(accepted)
        self._open(dialog)

    def on_add_existing_subscription(self) -> None:
        if self.client is None:
            return
        client = self.client
        dialog = AddSubscriptionDialog(self.window())

        def accepted() -> None:
            if dialog.chosen is not None:
                self.store.save_subscription(client.dc_url, client.client_id, dialog.chosen)
                self.reload_subscriptions(select=dialog.chosen.subscription_id)

        dialog.accepted.connect(accepted)
        self._open(dialog)
