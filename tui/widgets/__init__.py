"""wsdeck's widgets, one per module: import each from its module.

The package imports none of them, so that the dashboard's first frame, which shows only
:class:`~tui.widgets.connection_preview.ConnectionPreview`, does not wait for the others.
"""
