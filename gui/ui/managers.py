"""The managers' commands wired to a tab (one call from ``gui.ui.stream_tab``): File ▸ Manage
connections…, Manage subscriptions…, Create subscription from the view…."""

from __future__ import annotations

from typing import Any

from gui.ui import manage_connections, manage_subscriptions, message, subscription_from_view


def wire(tab: Any) -> None:
    a = tab.commands
    a.manage_connections.triggered.connect(
        lambda: manage_connections.open_for(tab, tab.state_store, tuple(tab.demo_secrets), tab.insecure_http)
    )
    a.manage_subscriptions.triggered.connect(lambda: manage_subscriptions_for(tab))
    a.create_subscription_from_view.triggered.connect(lambda: subscription_from_view.open_for(tab))


def manage_subscriptions_for(tab: Any) -> None:
    profile = tab.connection_bar.current_profile()
    if profile is None:
        message.info(tab, "Choose a connection first: its remembered subscriptions are shown")
        return
    manage_subscriptions.open_for(tab, tab.state_store, profile)
