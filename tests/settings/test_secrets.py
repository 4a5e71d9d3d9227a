"""Secrets: ``${ENV}`` expansion, redaction, masked URLs, and reprs that never show headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from settings import (
    Connection,
    MissingEnvError,
    Redactor,
    expand_env,
    load_settings,
    mask_url,
    redact_text,
)
from tests.settings.helpers import WriteConfig, load_file, problems_of


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("Bearer ${TOKEN}", {"TOKEN": "abc"}, "Bearer abc"),
        ("${A}${B}", {"A": "1", "B": "2"}, "12"),
        ("${A}-$${A}", {"A": "x"}, "x-${A}"),
        ("$${NOT_SET}", {}, "${NOT_SET}"),
        ("cost: $5 and $ {x}", {}, "cost: $5 and $ {x}"),
        ("$$${A}", {"A": "v"}, "$${A}"),
        ("${_under_9}", {"_under_9": "ok"}, "ok"),
        ("plain", {}, "plain"),
        ("", {}, ""),
    ],
)
def test_expand_env(value: str, env: dict[str, str], expected: str) -> None:
    assert expand_env(value, env) == expected


@given(st.text(alphabet="${}$ab_", max_size=30))
def test_escaping_every_reference_start_gives_the_text_back(text: str) -> None:
    assert expand_env(text.replace("${", "$${"), {}) == text


@given(st.text(max_size=20), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True))
def test_a_reference_expands_to_any_value(value: str, name: str) -> None:
    assert expand_env(f"<${{{name}}}>", {name: value}) == f"<{value}>"


def test_missing_variable_names_it() -> None:
    with pytest.raises(MissingEnvError) as caught:
        expand_env("Bearer ${API_TOKEN}", {"OTHER": "x"})
    assert isinstance(caught.value, KeyError)
    assert caught.value.name == "API_TOKEN"
    assert str(caught.value) == "environment variable 'API_TOKEN' is not set"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Bearer ${TOKEN", "unterminated '${' at character 8"),
        ("${1ABC}", "must hold a variable name"),
        ("${A B}", "must hold a variable name"),
        ("${}", "must hold a variable name"),
    ],
)
def test_bad_reference_syntax(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        expand_env(value, {"TOKEN": "x", "A": "x"})
    assert not isinstance(caught.value, KeyError)


def test_reference_env_is_the_environment_over_the_dotenv_beside_the_file(
    write_config: WriteConfig, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config("")
    (config.parent / ".env").write_text("TOKEN=from-file\nONLY_IN_FILE=yes\n")
    (isolated_env / ".env").write_text("IN_WORKING_DIR=yes\n")
    monkeypatch.setenv("TOKEN", "from-env")
    values = load_settings(config).reference_env()
    assert values["TOKEN"] == "from-env"
    assert values["ONLY_IN_FILE"] == "yes"
    assert values["HOME"] == str(isolated_env.parent / "home")
    # Only the .env beside the settings file is read, never the working directory's.
    assert "IN_WORKING_DIR" not in values
    assert "ONLY_IN_FILE" not in load_settings(config, env_file=None).reference_env()


def test_header_references_expand_at_connect_time(write_config: WriteConfig) -> None:
    config = write_config(
        '[[connections]]\nname = "a"\nurl = "ws://h/"\n'
        'headers = { Authorization = "Bearer ${API_TOKEN}" }\n'
    )
    (config.parent / ".env").write_text("API_TOKEN=t0ken\n")
    settings = load_settings(config)
    header = settings.connections[0].headers["Authorization"]
    assert header.get_secret_value() == "Bearer ${API_TOKEN}"
    assert expand_env(header.get_secret_value(), settings.reference_env()) == "Bearer t0ken"


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("token=abc123 again abc123", ["abc123"], "token=*** again ***"),
        ("Bearer abcd, key=abcdef", ["abcd", "abcdef"], "Bearer ***, key=***"),
        ("nothing here", ["", "zzz"], "nothing here"),
        ("a-b", [], "a-b"),
        # Shorter than 4 characters: not hidden (it would garble every message).
        ("connection on", ["on", "1"], "connection on"),
        # A long secret cut anywhere after 8 characters, or at the end after 4.
        (
            "reason: Bearer tok-SECRET-47",
            ["Bearer tok-SECRET-4711", "tok-SECRET-4711"],
            "reason: Bearer ***",
        ),
        ("tok-SECRE… and tok-S", ["tok-SECRET-4711"], "***… and ***"),
        ("tok-SECRET-4711-more", ["tok-SECRET-4711"], "***-more"),
        ("tok-SECRE", ["tok-SECRET-4711"], "***"),
        ("Bearer the rest", ["Bearer tok-SECRET-4711", "tok-SECRET-4711"], "Bearer the rest"),
        ("tok- and tok-S in the middle", ["tok-SECRET-4711"], "tok- and tok-S in the middle"),
        ("short sec", ["secret7"], "short sec"),  # prefixes only of secrets of 8 or more
    ],
)
def test_redact_text(text: str, secrets: list[str], expected: str) -> None:
    assert redact_text(text, secrets) == expected


def test_redactor_hides_secrets_in_binary_payloads_too() -> None:
    redact = Redactor(["Bearer tök-SECRET-4711", "tök-SECRET-4711"])
    assert redact("auth: Bearer tök-SECRET-4711".encode()) == b"auth: ***"
    assert redact("cut: tök-SECR".encode()) == b"cut: ***"
    assert redact(b"\xff\x00 nothing") == b"\xff\x00 nothing"
    assert not Redactor(["", "on", "abc"])  # nothing to hide: callers skip it
    message = "no secret here"
    assert redact(message) is message  # the common case does not copy


@given(
    st.text(max_size=40),
    st.text(st.characters(exclude_characters="*"), min_size=8, max_size=30),
    st.integers(4, 30),
    st.text(max_size=5),
)
def test_no_cut_piece_of_a_long_secret_survives(
    before: str, secret: str, cut: int, after: str
) -> None:
    piece = secret[:cut]
    shown = Redactor([secret])(before + piece + (after if cut >= 8 else ""))
    assert piece not in shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://user:pass@host:1/p", "ws://***@host:1/p"),
        ("wss://token@host/", "wss://***@host/"),
        ("http://a:b@c@d:3128", "http://***@d:3128"),
        # An "@" after the host is ambiguous (a password with "/", "?" or "#" unescaped):
        # masked. Such URLs are refused by the settings anyway.
        ("ws://bob:1234?x@host/", "ws://***@host/"),
        ("ws://bob:12/34@host/p", "ws://***@host/p"),
        ("ws://bob:12#34@host/", "ws://***@host/"),
        ("ws://host/path@x", "ws://***@x"),
        ("ws://host", "ws://host"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


@given(
    st.text(alphabet="abcXYZ019-._~!$&'()*+,;=%", max_size=12),
    st.sampled_from(["", "u", "user.name"]),
    st.sampled_from(["h", "[::1]", "example.com:8080"]),
)
def test_mask_url_never_shows_the_password(password: str, user: str, host: str) -> None:
    masked = mask_url(f"wss://{user}:pw{password}@{host}/path?q=1")
    assert masked == f"wss://***@{host}/path?q=1"
    assert "pw" not in masked


@pytest.mark.parametrize(
    ("url", "port", "effective", "display"),
    [
        ("ws://h/p", 81, "ws://h:81/p", "ws://h:81/p"),
        ("ws://h?x=1", 5, "ws://h:5?x=1", "ws://h:5?x=1"),
        ("ws://[::1]/x", 9, "ws://[::1]:9/x", "ws://[::1]:9/x"),
        ("ws://h:80/", 80, "ws://h:80/", "ws://h:80/"),
        ("ws://u:p@h", 5, "ws://u:p@h:5", "ws://***@h:5"),
        ("wss://u:p@[fe80::1]:8/", None, "wss://u:p@[fe80::1]:8/", "wss://***@[fe80::1]:8/"),
    ],
)
def test_effective_and_display_url(
    url: str, port: int | None, effective: str, display: str
) -> None:
    connection = Connection(name="c", url=url, port=port)
    assert connection.effective_url == effective
    assert connection.display_url == display


def test_repr_and_str_never_contain_secrets(write_config: WriteConfig) -> None:
    config = write_config(
        '[[connections]]\nname = "a"\nurl = "ws://user:hunter2@h/"\n'
        'proxy = "http://puser:proxypass@proxy:3128"\n'
        'headers = { X-Auth = "Bearer s3cr3t-token", X-Key = "k3y-value" }\n'
    )
    settings = load_file(config)
    connection = settings.connections[0]
    reprs = [repr(settings), str(settings), repr(connection), str(connection)]
    for text in reprs:
        for secret in ("s3cr3t-token", "k3y-value", "hunter2", "proxypass"):
            assert secret not in text
    # A dump is data: URLs stay whole there, but header values are still masked.
    dumped = settings.model_dump_json()
    assert "s3cr3t-token" not in dumped
    assert "k3y-value" not in dumped
    assert "X-Auth" in repr(connection)
    assert "ws://***@h/" in repr(connection)
    assert connection.headers["X-Key"].get_secret_value() == "k3y-value"
    assert connection.url == "ws://user:hunter2@h/"


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\ufeff", "\U000e0041"])
def test_names_with_format_characters_are_settings_errors(
    write_config: WriteConfig, char: str
) -> None:
    config = write_config(
        f'[[connections]]\nname = "ok"\nurl = "ws://h/"\n'
        f'[[connections]]\nname = "ab{char}cd"\nurl = "ws://h/"\n'
    )
    (problem,) = problems_of(config)
    assert problem.path == "connections[1].name"
    assert f"U+{ord(char):04X}" in problem.message
    assert char not in str(problem)  # named, not shown raw


@pytest.mark.parametrize(
    "url", ["ws://bob:1234?x@host/", "ws://bob:12/34@host/", "ws://bob:12#34@host/", "ws://h/a@b"]
)
def test_an_at_sign_after_the_host_is_a_settings_error(write_config: WriteConfig, url: str) -> None:
    config = write_config(
        f'[[connections]]\nname = "a"\nurl = "{url}"\nproxy = "{url.replace("ws://", "http://")}"\n'
    )
    problems = problems_of(config)
    assert [p.path for p in problems] == ["connections[0].url", "connections[0].proxy"]
    for problem in problems:
        assert "%3F" in problem.message
        assert "bob" not in str(problem)
        assert "34" not in str(problem)


def test_url_credentials_and_an_authorization_header_are_a_settings_error(
    write_config: WriteConfig,
) -> None:
    config = write_config(
        '[[connections]]\nname = "a"\nurl = "ws://u:pa55-word@h/"\n'
        'headers = { authorization = "Bearer t0ken-value" }\n'
        '[[connections]]\nname = "b"\nurl = "ws://u:pa55-word@h/"\n'
        'headers = { X-Other = "x" }\n'
    )
    (problem,) = problems_of(config)
    assert problem.path == "connections[0].headers"
    assert "Authorization" in problem.message
    assert "t0ken" not in str(problem)
    assert "pa55" not in str(problem)
