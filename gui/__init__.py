"""Event Monitor: watch the Acronis Cyber Platform Event Manager stream live."""

__version__ = "0.1.0"
