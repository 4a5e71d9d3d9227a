"""wsdeck's widgets, one per module."""

from tui.widgets.composer import Composer
from tui.widgets.connection_table import ConnectionTable
from tui.widgets.detail import DetailPane
from tui.widgets.feed import EventFeed
from tui.widgets.feed_search import SearchBar

__all__ = ["Composer", "ConnectionTable", "DetailPane", "EventFeed", "SearchBar"]
