"""Client of the Event Manager API v1 (Qt-free)."""

from gui.api.client import EventManagerClient, normalize_dc_url
from gui.api.models import EventType, PollResult, Subscription, Topic

__all__ = ["EventManagerClient", "EventType", "PollResult", "Subscription", "Topic", "normalize_dc_url"]
