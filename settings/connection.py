"""One connection's settings: URL, handshake, timeouts, TLS, reconnect and messages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from settings.automation import Macro, ReplyRule, Schedule, repeated_name
from settings.envrefs import check_env_refs
from settings.fields import CorrelateTimeout, FieldName, FieldsCheck, Sparkline
from settings.messages import MessageField
from settings.patterns import JqProgram
from settings.urls import (
    mask_url,
    normalize_proxy,
    normalize_ws_url,
    split_url,
    url_port,
    with_port,
)
from settings.watch import Watch

# Inputs stay out of error texts: header values are secrets. The fields' docstrings are for
# readers only: use_attribute_docstrings would parse this package's source at every start
# (~50 ms of the dashboard's startup, measured) to fill descriptions nothing shows.
MODEL_CONFIG = ConfigDict(extra="forbid", hide_input_in_errors=True)
"""Configuration shared by every settings model: unknown keys are errors."""

# RFC 9110 token: the characters allowed in header names and subprotocols.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

MAX_MESSAGE_SIZE = 256 * 1024 * 1024
"""Upper bound of ``max_message_size``: a message is held whole, in memory, while it arrives."""

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text)


def _expand_path(path: Path | None) -> Path | None:
    if path is None:
        return None
    if not str(path) or str(path) == ".":
        raise ValueError("path must not be empty")
    if "\0" in str(path):  # no file can have it; open() would raise ValueError much later
        raise ValueError("path must not contain a NUL character")
    return path.expanduser()


def _check_header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError("header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")
    return name


def _check_header_value(value: SecretStr) -> SecretStr:
    # The messages never include the value: it is a secret.
    raw = value.get_secret_value()
    if any(unicodedata.category(char) == "Cc" and char != "\t" for char in raw):
        raise ValueError("header value must not contain control characters or line breaks")
    check_env_refs(raw)
    return value


def _check_secret_refs(value: SecretStr | None) -> SecretStr | None:
    if value is not None:
        check_env_refs(value.get_secret_value())
    return value


HeaderName = Annotated[str, AfterValidator(_check_header_name)]
HeaderValue = Annotated[SecretStr, AfterValidator(_check_header_value)]
OptionalPath = Annotated[Path | None, AfterValidator(_expand_path)]


class Reconnect(BaseModel):
    """When and how fast a dropped connection is re-established (exponential backoff)."""

    model_config = MODEL_CONFIG

    enabled: bool = False
    """Reconnect after the connection closes for any reason other than the user's Stop."""

    initial_delay: Seconds = 1.0
    """Seconds to wait before the first reconnect attempt."""

    max_delay: Seconds = 30.0
    """Upper bound in seconds for the delay between attempts; at least ``initial_delay``."""

    multiplier: float = Field(default=2.0, ge=1, allow_inf_nan=False)
    """Factor the delay grows by after each failed attempt."""

    jitter: float = Field(default=0.1, ge=0, le=1)
    """Fraction of each delay that is randomised (0 = exact delays, 1 = anywhere up to 2x)."""

    max_attempts: int = Field(default=0, ge=0)
    """Reconnect attempts in a row before giving up (3: the first attempt and up to 3 more);
    a connection that stays open ``reset_after`` seconds starts the count again; 0 retries
    forever."""

    retry_config_failures: bool = False
    """Also retry failures that come from configuration: an HTTP 4xx rejection other than
    429, a redirect, TLS verification or client-certificate problems, a subprotocol or
    extension the server would not agree to. Off: they stop after the first attempt."""

    reset_after: Seconds = 10.0
    """Seconds a connection must stay open before the backoff restarts from the initial delay."""

    @field_validator("max_delay")
    @classmethod
    def _max_not_below_initial(cls, value: float, info: ValidationInfo) -> float:
        initial = info.data.get("initial_delay")
        if initial is not None and value < initial:
            raise ValueError(f"max_delay ({value:g}) must be >= initial_delay ({initial:g})")
        return value


class Tls(BaseModel):
    """TLS options for ``wss://`` URLs; files are checked when connecting, not when loading."""

    model_config = MODEL_CONFIG

    verify: bool = True
    """Verify the server certificate and host name; turn off only for throw-away test servers."""

    ca_file: OptionalPath = None
    """PEM file of CA certificates to trust instead of the system store (``~`` is expanded)."""

    client_cert: OptionalPath = None
    """PEM client certificate for mutual TLS; may also hold the key (``~`` is expanded)."""

    client_key: OptionalPath = None
    """PEM private key for ``client_cert`` when kept in a separate file (``~`` is expanded)."""

    key_password: Annotated[SecretStr | None, AfterValidator(_check_secret_refs)] = None
    """Password of an encrypted client key; a secret, may use ``${ENV_VAR}`` references.

    wsdeck never prompts for it: an encrypted key without it is a ``config`` error.
    """

    @field_validator("client_key")
    @classmethod
    def _key_needs_cert(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and info.data.get("client_cert") is None:
            raise ValueError("client_key needs client_cert")
        return value


class Connection(BaseModel):
    """One WebSocket client connection (an Incari Project Settings connection plus extensions)."""

    model_config = MODEL_CONFIG

    name: str
    """Unique name; every control and the ``tail NAME`` command refer to it."""

    url: str
    """``ws://`` or ``wss://`` URL; ``http(s)://`` is rewritten to ``ws(s)://``."""

    port: int | None = Field(default=None, ge=1, le=65535)
    """Port used when the URL has none; a different port in the URL is an error."""

    auto_start: bool = False
    """Start this connection when the dashboard opens."""

    reconnect: Reconnect = Field(default_factory=Reconnect)
    """Automatic reconnection with backoff."""

    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict)
    """Extra handshake headers; values are secrets and may use ``${ENV_VAR}`` references."""

    subprotocols: list[str] = Field(default_factory=list)
    """Subprotocols offered in the handshake, in order of preference."""

    origin: str | None = None
    """Value of the ``Origin`` header, if one should be sent."""

    follow_redirects: bool = False
    """Follow HTTP redirects of the handshake (at most 10); a hop to another origin drops
    every configured header. Off: a redirect is a ``handshake`` error naming its target."""

    user_agent: str | None = None
    """Value of the ``User-Agent`` header instead of the library default."""

    open_timeout: Seconds = 10.0
    """Seconds allowed for connecting and the opening handshake."""

    ping_interval: float = Field(default=20.0, ge=0, allow_inf_nan=False)
    """Seconds between keepalive pings; 0 disables pings."""

    ping_timeout: Seconds = 20.0
    """Seconds to wait for a pong before the connection is considered dead."""

    close_timeout: Seconds = 10.0
    """Seconds to wait for the closing handshake."""

    max_message_size: int = Field(default=1_048_576, gt=0, le=MAX_MESSAGE_SIZE)
    """Largest incoming message in bytes (at most 256 MiB); bigger ones produce an error event."""

    failure_close_codes: list[Annotated[int, Field(ge=3000, le=4999)]] = Field(default_factory=list)
    """Application close codes (3000-4999) that count as failures: an ``error`` event and
    the ``failed`` state. Other application codes are shown with their reason only."""

    compression: Literal["deflate", "none"] = "deflate"
    """``deflate`` negotiates permessage-deflate; ``none`` turns compression off."""

    tls: Tls = Field(default_factory=Tls)
    """TLS options for ``wss://`` URLs."""

    proxy: str = "env"
    """``none``, ``env`` (honour the proxy environment variables) or a proxy URL."""

    on_start_send: list[MessageField] = Field(default_factory=list)
    """Messages sent after every start event, reconnects included."""

    receive_view: Literal["text", "hex", "base64"] = "text"
    """How binary payloads received on this connection are shown."""

    saved_messages: dict[str, MessageField] = Field(default_factory=dict)
    """Named messages offered by the composer."""

    # -- issue 13: watches ------------------------------------------------------------------
    watch: Watch | None = None
    """Alerts on this connection: silence, flapping, error bursts and payload rules."""

    # -- issue 14: fields and request/response pairing (settings/fields.py) ----------------
    fields: Annotated[dict[FieldName, JqProgram], FieldsCheck] = Field(default_factory=dict)
    """Named jq programs run on every received message, e.g. ``temp = ".temperature"``:
    their latest values are table columns, and the feed and the plots can show them."""

    sparkline: Sparkline = False
    """Also show numeric fields as sparkline columns of their recent values: ``true`` for
    every field, or a list of field names (e.g. ``["temp"]``)."""

    correlate: JqProgram | None = None
    """jq program giving the key that pairs a sent request with the first received message
    with the same key (e.g. ``.id``). Without it, JSON-RPC 2.0 requests are paired."""

    correlate_timeout: CorrelateTimeout = 10.0
    """Seconds a request waits for its response before it is marked ``timeout``."""

    # -- issue 15: automation (settings/automation.py, run by tui/core/automation.py) --
    every: list[Schedule] = Field(default_factory=list)
    """Scheduled sends while the connection is open (heartbeats)."""

    on_receive: list[ReplyRule] = Field(default_factory=list)
    """Reply rules: what to send or note when a received message matches."""

    macros: dict[str, Macro] = Field(default_factory=dict)
    """Named sequences of sends and waits, run from the palette or the composer."""

    @field_validator("on_receive")
    @classmethod
    def _unique_rule_names(cls, value: list[ReplyRule], info: ValidationInfo) -> list[ReplyRule]:
        repeated = repeated_name(info.data.get("every", []), value)
        if repeated is not None:
            raise ValueError(f"the name {repeated!r} is given to two schedules or reply rules")
        return value

    @property
    def automated(self) -> bool:
        """Whether the connection has schedules, reply rules or macros."""
        return bool(self.every or self.on_receive or self.macros)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be empty")
        if _has_control(value):
            raise ValueError("name must not contain control characters")
        hidden = next((char for char in value if unicodedata.category(char) == "Cf"), None)
        if hidden is not None:
            # Bidi overrides and zero-width characters reorder or hide what a terminal
            # shows (the quit dialog, tail's list of names): a name is shown raw.
            raise ValueError(
                f"name must not contain format characters (bidi controls, zero-width "
                f"characters): U+{ord(hidden):04X}"
            )
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return normalize_ws_url(value)

    @field_validator("port")
    @classmethod
    def _port_matches_url(cls, value: int | None, info: ValidationInfo) -> int | None:
        url = info.data.get("url")
        if value is not None and url is not None:
            in_url = url_port(url)
            if in_url is not None and in_url != value:
                raise ValueError(f"port {value} differs from the port {in_url} in the url")
        return value

    @field_validator("headers")
    @classmethod
    def _one_authorization(
        cls, value: dict[str, SecretStr], info: ValidationInfo
    ) -> dict[str, SecretStr]:
        url = info.data.get("url")
        # websockets turns the url's userinfo into an Authorization header: two would be
        # sent, and servers disagree on which one counts.
        has_auth = any(name.lower() == "authorization" for name in value)
        if has_auth and url is not None and split_url(url).userinfo is not None:
            raise ValueError(
                "an Authorization header and credentials in the url (user:password@) "
                "both set Authorization: keep one"
            )
        return value

    @field_validator("subprotocols")
    @classmethod
    def _check_subprotocols(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _TOKEN.fullmatch(item):
                raise ValueError(
                    f"subprotocol {item!r} must be an HTTP token (no spaces or commas)"
                )
        if len(set(value)) != len(value):
            raise ValueError("subprotocols must not repeat")
        return value

    @field_validator("origin", "user_agent")
    @classmethod
    def _check_header_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            value = value.strip()
            if not value:
                raise ValueError(f"{info.field_name} must not be empty; remove the key instead")
            if _has_control(value):
                raise ValueError(f"{info.field_name} must not contain control characters")
        return value

    @field_validator("proxy")
    @classmethod
    def _check_proxy(cls, value: str) -> str:
        return normalize_proxy(value)

    @property
    def effective_url(self) -> str:
        """The URL to connect to: :attr:`url` with :attr:`port` applied when it has none."""
        return with_port(self.url, self.port)

    @property
    def tls_verified(self) -> bool:
        """False for a ``wss://`` URL with certificate verification turned off."""
        return self.tls.verify or not self.url.startswith("wss://")

    @property
    def display_url(self) -> str:
        """:attr:`effective_url` safe to show: any ``user:password@`` becomes ``***@``."""
        return mask_url(self.effective_url)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Credentials in URLs stay out of reprs and logs, like the header values do.
        for key, value in super().__repr_args__():
            if key in ("url", "proxy") and isinstance(value, str):
                value = mask_url(value)
            yield key, value
