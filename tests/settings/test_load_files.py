"""Loading settings files: a table of valid files and a table of invalid ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from settings import (
    BinaryMessage,
    Connection,
    FeedSettings,
    Problem,
    Reconnect,
    RecordingSettings,
    SettingsError,
    ThemeSettings,
    Tls,
    WsdeckSettings,
)
from settings.watch import Burst, PayloadRule, Silence, Watch
from tests.settings.helpers import WriteConfig, get, load_file, problems_of

MINIMAL = """
[[connections]]
name = "echo"
url = "ws://127.0.0.1:8765/echo"
"""

FULL = """
keymap = { "feed.search" = "/,ctrl+f", "app.quit" = "ctrl+q" }

[feed]
max_events = 5000
timestamps = "utc"
pretty_json = false

[recording]
path = "~/wsdeck/events.jsonl"
max_bytes = 104857600
keep = 9
compress = true

[theme]
name = "nord"

[[connections]]
name = "  full  "
url = "  wss://user:pw@example.com/feed?x=1  "
port = 8443
auto_start = true
headers = { X-Token = "Bearer ${API_TOKEN}", X-Trace = "on" }  # Authorization: the url has user:pw
subprotocols = ["v2.json", "v1.json"]
origin = "https://example.com"
follow_redirects = true
failure_close_codes = [4000, 4999]
user_agent = "wsdeck-test/1"
open_timeout = 3.5
ping_interval = 0
ping_timeout = 4
close_timeout = 2
max_message_size = 4096
compression = "none"
proxy = "socks5h://proxy.local:1080"
on_start_send = ["hello", { hex = "00 ff" }, { base64 = "AAEC" }]
receive_view = "hex"
saved_messages = { ping = "ping", blob = { hex = "de:ad:be:ef" } }
fields = { temp = ".temperature", bid = ".bids[0][0] | tonumber" }
sparkline = ["temp"]
correlate = ".ref"
correlate_timeout = 2.5
every = [{ interval = 30, message = '{"op":"ping"}' }]
on_receive = [{ match_jq = '.op == "ping"', reply_jq = '{"op": "pong"}' }]
macros = { login = { steps = [{ send = "login" }, { wait = "ok", timeout = 2 }] } }

[connections.reconnect]
enabled = true
initial_delay = 0.5
max_delay = 8
multiplier = 1.5
jitter = 0.25
max_attempts = 5
retry_config_failures = true
reset_after = 30

[connections.tls]
verify = false
ca_file = "~/certs/ca.pem"
client_cert = "/etc/wsdeck/client.pem"
client_key = "/etc/wsdeck/client.key"
key_password = "${KEY_PASSWORD}"

[connections.watch]
silence = { after = 30, level = "critical", bell = true }
flapping = { more_than = 3, within = 60 }
errors = { more_than = 5, within = 30, level = "critical", bell = true }
unanswered = { more_than = 2, within = 60, level = "critical", bell = true }

[connections.watch.rules.hot]
jq = ".temperature > 28"
level = "critical"
hold = 10
bell = true

[connections.watch.rules.log]
regex = 'ERR\\d+'
"""

VALID: list[tuple[str, str, dict[str, Any]]] = [
    (
        "minimal",
        MINIMAL,
        {
            "connections[0].name": "echo",
            "connections[0].effective_url": "ws://127.0.0.1:8765/echo",
            "connections[0].reconnect": Reconnect(),
            "connections[0].proxy": "env",
            "feed": FeedSettings(),
            "keymap": {},
        },
    ),
    (
        "full",
        FULL,
        {
            "connections[0].name": "full",
            "connections[0].url": "wss://user:pw@example.com/feed?x=1",
            "connections[0].effective_url": "wss://user:pw@example.com:8443/feed?x=1",
            "connections[0].display_url": "wss://***@example.com:8443/feed?x=1",
            "connections[0].headers": {
                "X-Token": SecretStr("Bearer ${API_TOKEN}"),
                "X-Trace": SecretStr("on"),
            },
            "connections[0].on_start_send": [
                "hello",
                BinaryMessage(hex="00 ff"),
                BinaryMessage(base64="AAEC"),
            ],
            "connections[0].saved_messages": {
                "ping": "ping",
                "blob": BinaryMessage(hex="de:ad:be:ef"),
            },
            "connections[0].tls.ca_file": Path("~/certs/ca.pem"),
            "connections[0].reconnect.max_delay": 8.0,
            "connections[0].watch.rules": {
                "hot": PayloadRule(jq=".temperature > 28", level="critical", hold=10, bell=True),
                "log": PayloadRule(regex=r"ERR\d+"),
            },
            "recording.path": Path("~/wsdeck/events.jsonl"),
            "keymap": {"feed.search": "/,ctrl+f", "app.quit": "ctrl+q"},
        },
    ),
    (
        "http rewritten to ws",
        '[[connections]]\nname = "a"\nurl = "http://example.com/x"\n'
        '[[connections]]\nname = "b"\nurl = "HTTPS://example.com/y"\n',
        {
            "connections[0].url": "ws://example.com/x",
            "connections[1].url": "wss://example.com/y",
        },
    ),
    (
        "port applied to effective_url",
        '[[connections]]\nname = "a"\nurl = "ws://localhost/path?q=1"\nport = 9001\n',
        {
            "connections[0].url": "ws://localhost/path?q=1",
            "connections[0].effective_url": "ws://localhost:9001/path?q=1",
        },
    ),
    (
        "port equal to the URL port",
        '[[connections]]\nname = "a"\nurl = "ws://localhost:9001/"\nport = 9001\n',
        {"connections[0].effective_url": "ws://localhost:9001/"},
    ),
    (
        "IPv6 URL",
        '[[connections]]\nname = "v6"\nurl = "ws://[::1]/echo"\nport = 8765\n'
        '[[connections]]\nname = "v6port"\nurl = "wss://[2001:db8::1]:443/"\n',
        {
            "connections[0].effective_url": "ws://[::1]:8765/echo",
            "connections[1].effective_url": "wss://[2001:db8::1]:443/",
        },
    ),
    ("empty file", "", {"connections": [], "theme.name": "textual-dark"}),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_files(write_config: WriteConfig, content: str, expected: dict[str, Any]) -> None:
    settings = load_file(write_config(content))
    for path, value in expected.items():
        if isinstance(value, Path):
            # HOME is the test's own folder (see tests/conftest.py), so expand it here.
            value = value.expanduser()
            assert value.is_absolute()
        assert get(settings, path) == value, path


def _non_default_fields(model: BaseModel) -> set[str]:
    return {
        name
        for name, field in type(model).model_fields.items()
        if field.is_required()
        or getattr(model, name) != field.get_default(call_default_factory=True)
    }


@pytest.mark.parametrize(
    ("path", "model_type"),
    [
        ("connections[0]", Connection),
        ("connections[0].reconnect", Reconnect),
        ("connections[0].tls", Tls),
        ("connections[0].watch", Watch),
        ("connections[0].watch.silence", Silence),
        ("connections[0].watch.errors", Burst),
        ("connections[0].watch.unanswered", Burst),
        ("feed", FeedSettings),
        ("recording", RecordingSettings),
        ("theme", ThemeSettings),
        ("", WsdeckSettings),
    ],
)
def test_full_file_sets_every_field(
    write_config: WriteConfig, path: str, model_type: type[BaseModel]
) -> None:
    # FULL gives every field a non-default value: a field the model silently ignored would
    # still hold its default here.
    section = get(load_file(write_config(FULL)), path)
    assert isinstance(section, model_type)
    assert _non_default_fields(section) == set(model_type.model_fields)


CONN = '[[connections]]\nname = "a"\nurl = "ws://h/"\n'

# (id, file content or None for "no file", problem path, message substring, file line)
INVALID: list[tuple[str, str | bytes | None, str, str, int | None]] = [
    ("bad scheme", '[[connections]]\nname = "a"\nurl = "ftp://h/"\n', "connections[0].url",
     "url scheme must be ws or wss, got 'ftp'", 3),
    ("no host", '[[connections]]\nname = "a"\nurl = "ws:///path"\n', "connections[0].url",
     "needs a host", 3),
    ("no scheme", '[[connections]]\nname = "a"\nurl = "localhost:80"\n', "connections[0].url",
     "must be ws or wss, got 'localhost'; did you mean ws://localhost:80?", 3),
    ("no scheme, no port", '[[connections]]\nname = "a"\nurl = "example.com/x"\n',
     "connections[0].url", "needs a scheme", 3),
    ("space in url", '[[connections]]\nname = "a"\nurl = "ws://h/a b"\n', "connections[0].url",
     "whitespace", 3),
    ("url port 0", '[[connections]]\nname = "a"\nurl = "ws://h:0/"\n', "connections[0].url",
     "port must be 1..65535, got 0", 3),
    ("url port 70000", '[[connections]]\nname = "a"\nurl = "ws://h:70000/"\n',
     "connections[0].url", "port must be 1..65535, got 70000", 3),
    ("close code not an application's", CONN + "failure_close_codes = [1011]\n",
     "connections[0].failure_close_codes[0]", "greater than or equal to 3000", 4),
    ("port field 0", CONN + "port = 0\n", "connections[0].port", "greater than or equal to 1",
     4),
    ("port field 70000", CONN + "port = 70000\n", "connections[0].port",
     "less than or equal to 65535", 4),
    ("url and port disagree", '[[connections]]\nname = "a"\nurl = "ws://h:80/"\nport = 81\n',
     "connections[0].port", "port 81 differs from the port 80 in the url", 4),
    ("unbracketed IPv6", '[[connections]]\nname = "a"\nurl = "ws://::1/"\n',
     "connections[0].url", "brackets", 3),
    ("fragment", '[[connections]]\nname = "a"\nurl = "ws://h/#frag"\n', "connections[0].url",
     "fragment", 3),
    ("missing url", '[[connections]]\nname = "a"\n', "connections[0].url", "required", 1),
    ("duplicate names", CONN + CONN.replace("ws://h/", "ws://other/"), "connections[1].name",
     "duplicate name 'a': connections[0] already uses it", 5),
    ("duplicate names after strip", CONN + '[[connections]]\nname = " a "\nurl = "ws://x/"\n',
     "connections[1].name", "connections[0]", 5),
    ("empty name", '[[connections]]\nname = "   "\nurl = "ws://h/"\n', "connections[0].name",
     "must not be empty", 2),
    ("control char in name", '[[connections]]\nname = "a\\u0007"\nurl = "ws://h/"\n',
     "connections[0].name", "control characters", 2),
    ("negative timeout", CONN + "open_timeout = -1\n", "connections[0].open_timeout",
     "greater than 0", 4),
    ("infinite timeout", CONN + "close_timeout = inf\n", "connections[0].close_timeout",
     "finite", 4),
    ("max_delay below initial_delay", CONN + "reconnect = { initial_delay = 5, max_delay = 2 }\n",
     "connections[0].reconnect.max_delay", "max_delay (2) must be >= initial_delay (5)", 4),
    ("jitter above 1", CONN + "reconnect = { jitter = 1.5 }\n", "connections[0].reconnect.jitter",
     "less than or equal to 1", 4),
    ("bad hex", CONN + 'on_start_send = [{ hex = "0g" }]\n',
     "connections[0].on_start_send[0].hex", "invalid hex: 'g' is not a hex digit", 4),
    ("odd hex", CONN + 'on_start_send = ["ok", { hex = "abc" }]\n',
     "connections[0].on_start_send[1].hex", "odd number of digits", 4),
    ("bad base64 in saved_messages", CONN + 'saved_messages = { hi = { base64 = "a$b" } }\n',
     "connections[0].saved_messages.hi.base64", "invalid base64", 4),
    ("both hex and base64", CONN + 'on_start_send = [{ hex = "00", base64 = "AA==" }]\n',
     "connections[0].on_start_send[0]", "exactly one of hex or base64", 4),
    ("neither hex nor base64", CONN + "saved_messages = { x = {} }\n",
     "connections[0].saved_messages.x", "exactly one of hex or base64", 4),
    ("message of the wrong type", CONN + "on_start_send = [42]\n",
     "connections[0].on_start_send[0]", "must be text or a table", 4),
    ("unknown key at top level", "colour = 'red'\n" + CONN, "colour", "unknown key", 1),
    ("unknown key with suggestion", '[thme]\nname = "nord"\n', "thme",
     "unknown key; did you mean 'theme'?", 1),
    ("unknown key in a connection", CONN + "auto_strat = true\n", "connections[0].auto_strat",
     "unknown key; did you mean 'auto_start'?", 4),
    ("unknown key in a nested table", CONN + "tls = { verfy = false }\n",
     "connections[0].tls.verfy", "did you mean 'verify'?", 4),
    ("client_key without client_cert", CONN + 'tls = { client_key = "k.pem" }\n',
     "connections[0].tls.client_key", "client_key needs client_cert", 4),
    ("bad header name", CONN + 'headers = { "Bad Name" = "x" }\n',
     'connections[0].headers."Bad Name"', "header name must be an HTTP token", 4),
    ("line break in header value", CONN + 'headers = { X-A = "a\\r\\nX-Evil: 1" }\n',
     "connections[0].headers.X-A", "line breaks", 4),
    ("unterminated env reference", CONN + 'headers = { Authorization = "Bearer ${TOKEN" }\n',
     "connections[0].headers.Authorization", "unterminated '${'", 4),
    ("NUL in a TLS path", CONN + 'tls = { ca_file = "ca\\u0000.pem" }\n',
     "connections[0].tls.ca_file", "must not contain a NUL character", 4),
    ("unterminated reference in key_password",
     CONN + 'tls = { client_cert = "c.pem", key_password = "${PW" }\n',
     "connections[0].tls.key_password", "unterminated '${'", 4),
    ("max_message_size above 256 MiB", CONN + "max_message_size = 268435457\n",
     "connections[0].max_message_size", "less than or equal to 268435456", 4),
    ("bad proxy scheme", CONN + 'proxy = "ftp://p:21"\n', "connections[0].proxy",
     "got 'ftp'", 4),
    ("bad compression", CONN + 'compression = "gzip"\n', "connections[0].compression",
     "'deflate' or 'none'", 4),
    ("bad subprotocol", CONN + 'subprotocols = ["a b"]\n', "connections[0].subprotocols",
     "HTTP token", 4),
    ("invalid jq rule", CONN + '[connections.watch.rules.hot]\njq = ".a |||"\n',
     "connections[0].watch.rules.hot.jq",
     "invalid jq program: syntax error, unexpected '|', line 1, column 5", 5),
    ("invalid regex rule", CONN + '[connections.watch.rules.log]\nregex = "(ERR"\n',
     "connections[0].watch.rules.log.regex", "invalid regular expression: missing )", 5),
    ("rule with jq and regex", CONN + '[connections.watch.rules.x]\njq = "."\nregex = "a"\n',
     "connections[0].watch.rules.x", "exactly one of jq or regex", 4),
    ("rule named like a built-in watch",
     CONN + '[connections.watch.rules.silence]\nregex = "a"\n',
     "connections[0].watch.rules.silence", "'silence' is a built-in watch", 4),
    ("rule named like the unanswered watch",
     CONN + '[connections.watch.rules.unanswered]\nregex = "a"\n',
     "connections[0].watch.rules.unanswered", "'unanswered' is a built-in watch", 4),
    ("unanswered within 0",
     CONN + "[connections.watch]\nunanswered = { more_than = 1, within = 0 }\n",
     "connections[0].watch.unanswered.within", "greater than 0", 5),
    ("sparkline of an unknown field",
     CONN + 'fields = { temp = ".t" }\nsparkline = ["temp", "nope"]\n',
     "connections[0].sparkline", "not a field of this connection: 'nope'", 5),
    ("correlate_timeout 0", CONN + "correlate_timeout = 0\n",
     "connections[0].correlate_timeout", "greater than 0", 4),
    ("silence after 0", CONN + "[connections.watch]\nsilence = { after = 0 }\n",
     "connections[0].watch.silence.after", "greater than 0", 5),
    ("unknown watch key",
     CONN + "[connections.watch]\nflapping = { more_than = 1, within = 5, levl = 1 }\n",
     "connections[0].watch.flapping.levl", "did you mean 'level'?", 5),
    ("bad alert level",
     CONN + '[connections.watch]\nerrors = { more_than = 1, within = 5, level = "high" }\n',
     "connections[0].watch.errors.level", "'warning' or 'critical'", 5),
    ("feed.max_events 0", "[feed]\nmax_events = 0\n", "feed.max_events",
     "greater than or equal to 1", 2),
    ("feed.max_events too big", "[feed]\nmax_events = 20_000_000\n", "feed.max_events",
     "less than or equal to 10000000", 2),
    ("empty keymap keys", 'keymap = { "app.quit" = "ctrl+q,," }\n', "keymap",
     "comma-separated keys", 1),
    ("empty recording path", '[recording]\npath = ""\n', "recording.path",
     "path must not be empty", 2),
    ("empty theme name", '[theme]\nname = ""\n', "theme.name", "at least 1 character", 2),
    ("TOML syntax error", '[feed]\nmax_events = 10\n\n[theme]\nname = "nord\n', "",
     "invalid TOML", 5),
    ("TOML duplicate key", "[feed]\nmax_events = 1\nmax_events = 2\n", "", "invalid TOML", 3),
    ("TOML unclosed array", "[feed]\nmax_events = 1\n\nx = [1,\n  2\n", "", "Unclosed array",
     5),
    ("nested 600 levels deep", "x = " + "[" * 600 + "]" * 600 + "\n", "",
     "invalid TOML: nested too deeply to be read", None),
    ("non-UTF-8 file", b"[theme]\n# caf\xe9\nname = 'x'\n", "", "not valid UTF-8", 2),
    ("missing explicit file", None, "", "file not found", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "path", "message", "line"),
    [c[1:] for c in INVALID],
    ids=[c[0] for c in INVALID],
)
def test_invalid_files(
    write_config: WriteConfig,
    tmp_path: Path,
    content: str | bytes | None,
    path: str,
    message: str,
    line: int | None,
) -> None:
    config = write_config(content) if content is not None else tmp_path / "absent.toml"
    problems = problems_of(config)
    assert [problem.path for problem in problems] == [path], problems
    assert message in problems[0].message
    assert problems[0].line == line


def test_all_problems_are_reported_at_once(write_config: WriteConfig) -> None:
    config = write_config(
        '[feed]\nmax_events = 0\n\n[[connections]]\nname = "a"\nurl = "ftp://x"\n'
        '[[connections]]\nname = "a"\nurl = "ws://x"\nport = 0\n'
    )
    paths = {problem.path for problem in problems_of(config)}
    assert paths == {
        "feed.max_events",
        "connections[0].url",
        "connections[1].name",
        "connections[1].port",
    }


def test_settings_error_lists_problems_one_per_line(write_config: WriteConfig) -> None:
    config = write_config('[feed]\nmax_events = 0\ncolour = "x"\n')
    with pytest.raises(SettingsError) as caught:
        load_file(config)
    assert caught.value.path == config
    assert str(caught.value).splitlines() == [
        "feed.max_events: Input should be greater than or equal to 1 (line 2)",
        "feed.colour: unknown key (line 3)",
    ]


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("connections[2].url", "bad"), "connections[2].url: bad"),
        (Problem("", "invalid TOML: oops", 7), "invalid TOML: oops (line 7)"),
        (Problem("feed.max_events", "too small", 3), "feed.max_events: too small (line 3)"),
    ],
)
def test_problem_str(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_problem_messages_never_contain_header_values(write_config: WriteConfig) -> None:
    secret = "s3cr3t-\\u0007-value"  # a TOML escape: the control character is in the value
    config = write_config(CONN + f'headers = {{ "Bad Name" = "{secret}", X-A = "{secret}" }}\n')
    with pytest.raises(SettingsError) as caught:
        load_file(config)
    assert [problem.path for problem in caught.value.problems] == [
        'connections[0].headers."Bad Name"',
        'connections[0].headers."Bad Name"',
        "connections[0].headers.X-A",
    ]
    assert "s3cr3t" not in str(caught.value)


def test_validation_error_text_hides_inputs() -> None:
    with pytest.raises(ValidationError) as caught:
        WsdeckSettings(connections=[{"name": "a", "url": "ws://h", "headers": {"X": "s3cr3t\n"}}])
    assert "header value must not contain" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_binary_message_data(write_config: WriteConfig) -> None:
    settings = load_file(write_config(FULL))
    messages = settings.connections[0].on_start_send
    assert [m.data() if isinstance(m, BinaryMessage) else m for m in messages] == [
        "hello",
        b"\x00\xff",
        b"\x00\x01\x02",
    ]


def test_connection_lookup(write_config: WriteConfig) -> None:
    settings = load_file(write_config(MINIMAL))
    assert settings.connection("echo") is settings.connections[0]
    with pytest.raises(KeyError):
        settings.connection("Echo")
