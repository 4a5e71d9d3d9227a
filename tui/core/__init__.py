"""The UI-free core of wsdeck: events, payload codec, clients and the hub.

Nothing under this package may import textual or rich (a test enforces it), so the
headless ``wsdeck tail`` and the tests run exactly the code the dashboard runs.
"""
