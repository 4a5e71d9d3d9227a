"""Names of command-line URLs: ``host:port/path``, shortened, unique with ``-2``, ``-3``."""

from __future__ import annotations

import pytest

from tui.adhoc import NAME_LIMIT, UrlFlags, UsageError, connections_for, short_name, unique


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("ws://127.0.0.1:8765/echo", "127.0.0.1:8765/echo"),
        ("wss://user:pw@example.com/feed?token=abc#x", "example.com/feed"),
        ("ws://[::1]:9000/", "[::1]:9000"),
        ("ws://h:1/very/long/path/with/many/parts/ticker", "h:1/…/ticker"),
        ("ws://a-really-long-host-name.example.com:8765/x", "a-really-long-host-name…"),
    ],
)
def test_short_name(url: str, name: str) -> None:
    assert short_name(url) == name
    assert len(short_name(url)) <= NAME_LIMIT


def test_unique_and_given_names() -> None:
    assert unique("h:1/a", ["h:1/a", "h:1/a-2"]) == "h:1/a-3"
    first, second, third = connections_for(
        ["http://h:1/a", "ws://h:1/a?x=2", "ws://h:1/b"], UrlFlags(names=["", "mine"]), ["h:1/b"]
    )
    assert (first.name, first.url) == ("h:1/a", "ws://h:1/a")  # http:// is rewritten first
    assert (second.name, third.name) == ("mine", "h:1/b-2")
    with pytest.raises(UsageError, match="--name 'h:1/b' is already taken"):
        connections_for(["ws://h:1/x"], UrlFlags(names=["h:1/b"]), ["h:1/b"])


def test_flag_values_are_not_taken_for_a_command() -> None:
    from tui.cli import _first_word

    assert _first_word(["--name", "demo", "-H", "X: tail", "ws://h:1/"]) == "ws://h:1/"
    assert _first_word(["--origin", "config", "--ca", "keys", "--subprotocol", "demo"]) is None
