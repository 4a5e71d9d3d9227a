"""wsdeck's screens, one per module.

Import them from their modules: only the main screen is needed for the dashboard's first
frame, and the others (the settings editor pulls in tomlkit) load when first opened.
"""
