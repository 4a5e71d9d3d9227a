"""wsdeck: a keyboard-driven terminal dashboard for WebSocket client connections."""

__version__ = "0.1.0"
