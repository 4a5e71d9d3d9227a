"""Names of command-line URLs: the path's last segment or the host, unique with ``-2``, ``-3``."""

from __future__ import annotations

import pytest

from tui.adhoc import NAME_LIMIT, UrlFlags, UsageError, connections_for, short_name, unique


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("ws://127.0.0.1:8765/echo", "echo"),
        ("ws://127.0.0.1:8765/ticker?rate=5", "ticker"),
        ("wss://user:pw@example.com/feed/?token=abc#x", "feed"),
        ("ws://[::1]:9000/", "[::1]"),  # no path: the host, without the port
        ("wss://api.example.com/ws", "api.example.com"),  # a generic segment: the host
        ("ws://h:1/very/long/path/with/many/parts/ticker", "ticker"),
        ("ws://h:1/orders%20eu", "orders eu"),
        ("ws://h:1/a%0a", "h"),  # never a control character in a name
        ("ws://a-really-long-host-name.example.com:8765/", "a-really-long-host-name…"),
    ],
)
def test_short_name(url: str, name: str) -> None:
    assert short_name(url) == name
    assert len(short_name(url)) <= NAME_LIMIT


def test_unique_and_given_names() -> None:
    assert unique("a", ["a", "a-2"]) == "a-3"
    first, second, third, fourth = connections_for(
        ["http://h:1/a", "ws://h:1/a?x=2", "ws://h:1/b", "ws://h:2/a"],
        UrlFlags(names=["", "mine"]),
        ["b"],
    )
    assert (first.name, first.url) == ("a", "ws://h:1/a")  # http:// is rewritten first
    assert (second.name, third.name, fourth.name) == ("mine", "b-2", "a-2")
    with pytest.raises(UsageError, match="--name 'b' is already taken"):
        connections_for(["ws://h:1/x"], UrlFlags(names=["b"]), ["b"])


def test_flag_values_are_not_taken_for_a_command() -> None:
    from tui.cli import _first_word

    assert _first_word(["--name", "demo", "-H", "X: tail", "ws://h:1/"]) == "ws://h:1/"
    assert _first_word(["--origin", "config", "--ca", "keys", "--subprotocol", "demo"]) is None
