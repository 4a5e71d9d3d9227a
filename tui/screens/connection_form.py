"""The form that adds or edits one connection, validated inline by the settings model."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, Label, Select, Static, Switch, TextArea

from settings import Connection, clean_message
from tui.screens.form_text import (
    Parsed,
    format_headers,
    format_messages,
    format_saved_messages,
    mask_credentials,
    parse_headers,
    parse_messages,
    parse_saved_messages,
    reveal_headers,
    unmask_credentials,
)

__all__ = ["ConnectionForm"]

# Field keys in form (and tab) order; each has a widget "#field-<key>" and an "#error-<key>".
_LABELS: dict[str, str] = {
    "name": "Name",
    "url": "URL",
    "port": "Port",
    "auto_start": "Auto start",
    "reconnect-enabled": "Enabled",
    "reconnect-initial_delay": "Initial delay (s)",
    "reconnect-max_delay": "Max delay (s)",
    "reconnect-multiplier": "Multiplier",
    "reconnect-jitter": "Jitter (0-1)",
    "reconnect-max_attempts": "Max attempts",
    "reconnect-reset_after": "Reset after (s)",
    "headers": "Headers",
    "subprotocols": "Subprotocols",
    "origin": "Origin",
    "user_agent": "User agent",
    "open_timeout": "Open timeout (s)",
    "ping_interval": "Ping interval (s)",
    "ping_timeout": "Ping timeout (s)",
    "close_timeout": "Close timeout (s)",
    "max_message_size": "Max message (B)",
    "compression": "Compression",
    "tls-verify": "Verify TLS",
    "tls-ca_file": "CA file",
    "tls-client_cert": "Client cert",
    "tls-client_key": "Client key",
    "proxy": "Proxy URL",
    "on_start_send": "On start send",
    "receive_view": "Receive view",
    "saved_messages": "Saved messages",
}

_PROXY_MODES: list[tuple[str, str]] = [
    ("env: honour the proxy variables", "env"),
    ("none: connect directly", "none"),
    ("a proxy URL", "url"),
]


def _number(value: float | int) -> str:
    """A number as the user would type it (``1`` rather than ``1.0``), exact on round trip."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


class ConnectionForm(ModalScreen[Connection | None]):
    """Add or edit a connection; dismisses with the validated :class:`Connection` or ``None``.

    Every field of the settings model is here: the Incari fields (name, URL, port) first,
    the extensions folded into sections. ``ctrl+s`` validates with the model and only closes
    when the connection is valid (errors appear under their fields); ``escape`` cancels.

    Header values are secrets and a text area cannot hide what it shows, so saved values
    appear as ``••••``: a line left as ``Name: ••••`` keeps the saved value, typing a new value
    replaces it, deleting the line removes the header. The ``user:password@`` of the URL and
    of the proxy URL is shown the same way (``ws://••••@host/``). ``ctrl+r`` shows the saved
    secrets and hides them again.
    """

    DEFAULT_CSS = """
    ConnectionForm {
        align: center middle;
        background: $background 60%;
    }
    ConnectionForm > #form-dialog {
        width: 100%;
        max-width: 100;
        height: 100%;
        max-height: 48;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ConnectionForm #form-title {
        text-style: bold;
        width: 1fr;
    }
    ConnectionForm #form-summary {
        color: $error;
        display: none;
    }
    ConnectionForm #form-summary.-shown {
        display: block;
    }
    ConnectionForm .form-row, ConnectionForm #proxy-url-group {
        height: auto;
    }
    ConnectionForm .form-label {
        width: 18;
        padding: 1 1 0 0;
    }
    ConnectionForm .form-row Input, ConnectionForm .form-row Select {
        width: 1fr;
    }
    ConnectionForm .form-row TextArea {
        width: 1fr;
        height: 5;
    }
    ConnectionForm .form-help {
        color: $text-muted;
        margin-left: 18;
    }
    ConnectionForm .form-error {
        color: $error;
        margin-left: 18;
        display: none;
    }
    ConnectionForm .form-error.-shown {
        display: block;
    }
    ConnectionForm #form-buttons {
        height: auto;
        dock: bottom;
    }
    ConnectionForm #form-buttons Button {
        margin-right: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+r", "reveal", "Show secrets", id="form.reveal", priority=True),
    ]

    AUTO_FOCUS = "#field-name"

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        taken_names: Collection[str] = (),
        title: str | None = None,
    ) -> None:
        """Create the form.

        Args:
            connection: the connection to edit, or ``None`` to add one (with defaults).
            taken_names: names of the other connections; the name must differ from them.
            title: the heading; by default "Add connection" or "Edit connection NAME".
        """
        super().__init__()
        self.connection = connection
        self.taken_names = frozenset(name.strip() for name in taken_names)
        if title is None:
            title = "Add connection" if connection is None else f"Edit connection {connection.name}"
        self.title_text = title
        self._shown_errors: set[str] = set()
        self.revealed = False
        """Whether saved secrets (URL and proxy credentials, header values) are shown."""
        # The credentials behind the •••• of the URL and proxy inputs.
        self._hidden: dict[str, str | None] = {"url": None, "proxy": None}

    # -- building -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        base = self.connection
        defaults = base if base is not None else Connection.model_construct(name="", url="")
        reconnect, tls = defaults.reconnect, defaults.tls
        with Vertical(id="form-dialog"):
            with Horizontal(classes="form-row"):
                yield Static(Text(self.title_text), id="form-title")
            yield Static("", id="form-summary")
            with VerticalScroll(id="form-body"):
                yield from self._row(
                    "name", Input(defaults.name, placeholder="unique name, e.g. echo")
                )
                url, self._hidden["url"] = mask_credentials(defaults.url)
                yield from self._row(
                    "url",
                    Input(url, placeholder="ws://host:port/path or wss://..."),
                    "user:password@ shows as ••••, which keeps it; ctrl+r shows secrets",
                )
                port = "" if defaults.port is None else str(defaults.port)
                yield from self._row(
                    "port",
                    Input(
                        port,
                        placeholder="optional: 1-65535, used when the URL has none",
                        type="integer",
                        valid_empty=True,
                    ),
                )
                yield from self._row("auto_start", Switch(defaults.auto_start))
                with Collapsible(title="Reconnect", id="section-reconnect"):
                    yield from self._row("reconnect-enabled", Switch(reconnect.enabled))
                    for key in ("initial_delay", "max_delay", "multiplier", "jitter"):
                        value = _number(getattr(reconnect, key))
                        yield from self._row(f"reconnect-{key}", Input(value, type="number"))
                    yield from self._row(
                        "reconnect-max_attempts",
                        Input(str(reconnect.max_attempts), type="integer"),
                        "0 retries forever",
                    )
                    yield from self._row(
                        "reconnect-reset_after",
                        Input(_number(reconnect.reset_after), type="number"),
                    )
                with Collapsible(title="Handshake", id="section-handshake"):
                    yield from self._row(
                        "headers",
                        TextArea(format_headers(defaults.headers), soft_wrap=False),
                        "one 'Name: value' a line; •••• keeps the saved value; "
                        "${VAR} reads the environment",
                    )
                    yield from self._row(
                        "subprotocols",
                        Input(", ".join(defaults.subprotocols), placeholder="comma separated"),
                    )
                    yield from self._row(
                        "origin", Input(defaults.origin or "", placeholder="optional")
                    )
                    yield from self._row(
                        "user_agent",
                        Input(defaults.user_agent or "", placeholder="optional: library default"),
                    )
                with Collapsible(title="Timeouts and limits", id="section-timeouts"):
                    for key in ("open_timeout", "ping_interval", "ping_timeout", "close_timeout"):
                        value = _number(getattr(defaults, key))
                        help_text = "0 disables pings" if key == "ping_interval" else None
                        yield from self._row(key, Input(value, type="number"), help_text)
                    yield from self._row(
                        "max_message_size",
                        Input(str(defaults.max_message_size), type="integer"),
                        "bytes; bigger incoming messages are an error event",
                    )
                    yield from self._row(
                        "compression",
                        Select(
                            [("deflate", "deflate"), ("none", "none")],
                            value=defaults.compression,
                            allow_blank=False,
                        ),
                    )
                with Collapsible(title="TLS and proxy", id="section-network"):
                    yield from self._row("tls-verify", Switch(tls.verify))
                    for key in ("ca_file", "client_cert", "client_key"):
                        path = getattr(tls, key)
                        yield from self._row(
                            f"tls-{key}",
                            Input("" if path is None else str(path), placeholder="optional"),
                        )
                    proxy_mode = defaults.proxy if defaults.proxy in ("env", "none") else "url"
                    with Horizontal(classes="form-row"):
                        yield Label("Proxy", classes="form-label")
                        yield Select(
                            _PROXY_MODES, value=proxy_mode, allow_blank=False, id="proxy-mode"
                        )
                    proxy_url = defaults.proxy if proxy_mode == "url" else ""
                    proxy_url, self._hidden["proxy"] = mask_credentials(proxy_url)
                    with Vertical(id="proxy-url-group"):
                        yield from self._row(
                            "proxy",
                            Input(proxy_url, placeholder="http://host:port or socks5://host:port"),
                        )
                with Collapsible(title="Messages", id="section-messages"):
                    yield from self._row(
                        "on_start_send",
                        TextArea(format_messages(defaults.on_start_send), soft_wrap=False),
                        "sent after every start; one message a line; "
                        'hex:..., base64:... for binary; json:"..." for line breaks',
                    )
                    yield from self._row(
                        "receive_view",
                        Select(
                            [("text", "text"), ("hex", "hex"), ("base64", "base64")],
                            value=defaults.receive_view,
                            allow_blank=False,
                        ),
                        "how received binary payloads are shown",
                    )
                    yield from self._row(
                        "saved_messages",
                        TextArea(format_saved_messages(defaults.saved_messages), soft_wrap=False),
                        "one 'name = message' a line; same prefixes as above",
                    )
            with Horizontal(id="form-buttons"):
                yield Button("Save (ctrl+s)", id="form-save", variant="primary")
                yield Button("Cancel (esc)", id="form-cancel")

    def _row(self, key: str, widget: Widget, help_text: str | None = None) -> Iterable[Widget]:
        """A labelled field: the label and widget, optional help, and its (hidden) error line."""
        widget.id = f"field-{key}"
        yield Horizontal(Label(_LABELS[key], classes="form-label"), widget, classes="form-row")
        if help_text:
            yield Static(Text(help_text), classes="form-help")
        yield Static("", id=f"error-{key}", classes="form-error")

    def on_mount(self) -> None:
        self._sync_proxy_input()

    @on(Select.Changed, "#proxy-mode")
    def _sync_proxy_input(self) -> None:
        """Offer the proxy URL input only when a proxy URL is chosen."""
        url_mode = self.query_one("#proxy-mode", Select).value == "url"
        self.query_one("#proxy-url-group").display = url_mode
        if not url_mode:
            self._set_error("proxy", [])

    # -- reading and validating ---------------------------------------------------------

    def _text(self, key: str) -> str:
        return self.query_one(f"#field-{key}", Input).value.strip()

    def _collect(self) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Parsed]]:
        """The form's values as settings data, line-parsing errors, and the parsed text areas."""
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {
            "name": self.query_one("#field-name", Input).value,
            "url": self._with_credentials("url", errors),
            "auto_start": self.query_one("#field-auto_start", Switch).value,
        }
        # Empty inputs fall back to the model's defaults; text goes to the model unparsed so
        # that its messages ("unable to parse string as a number") are the ones shown.
        optional = [
            "port",
            "origin",
            "user_agent",
            "open_timeout",
            "ping_interval",
            "ping_timeout",
            "close_timeout",
            "max_message_size",
        ]
        for key in optional:
            if text := self._text(key):
                data[key] = text
        data["subprotocols"] = [
            item.strip() for item in self._text("subprotocols").split(",") if item.strip()
        ]
        data["compression"] = self.query_one("#field-compression", Select).value
        data["receive_view"] = self.query_one("#field-receive_view", Select).value
        mode = self.query_one("#proxy-mode", Select).value
        if mode == "url":
            data["proxy"] = self._with_credentials("proxy", errors).strip()
            if not data["proxy"]:
                errors["proxy"] = ["type the proxy URL, or choose env or none"]
        else:
            data["proxy"] = mode
        reconnect: dict[str, Any] = {
            "enabled": self.query_one("#field-reconnect-enabled", Switch).value
        }
        for key in (
            "initial_delay",
            "max_delay",
            "multiplier",
            "jitter",
            "max_attempts",
            "reset_after",
        ):
            if text := self._text(f"reconnect-{key}"):
                reconnect[key] = text
        data["reconnect"] = reconnect
        if self.connection is not None:
            # Set only in the settings file, not in this form: an edit keeps them.
            data["follow_redirects"] = self.connection.follow_redirects
            data["failure_close_codes"] = self.connection.failure_close_codes
            reconnect["retry_config_failures"] = self.connection.reconnect.retry_config_failures
            # Watches, fields, pairing and automation (issues 13-15): in the file only.
            data["watch"] = self.connection.watch
            data["fields"] = self.connection.fields
            data["sparkline"] = self.connection.sparkline
            data["correlate"] = self.connection.correlate
            data["correlate_timeout"] = self.connection.correlate_timeout
            data["every"] = self.connection.every
            data["on_receive"] = self.connection.on_receive
            data["macros"] = self.connection.macros
        tls: dict[str, Any] = {"verify": self.query_one("#field-tls-verify", Switch).value}
        for key in ("ca_file", "client_cert", "client_key"):
            if text := self._text(f"tls-{key}"):
                tls[key] = text
        if self.connection is not None and self.connection.tls.key_password is not None:
            tls["key_password"] = self.connection.tls.key_password  # not edited in the form
        data["tls"] = tls
        saved = self.connection.headers if self.connection is not None else {}
        parsed = {
            "headers": parse_headers(self._area("headers"), saved),
            "on_start_send": parse_messages(self._area("on_start_send")),
            "saved_messages": parse_saved_messages(self._area("saved_messages")),
        }
        for key, result in parsed.items():
            data[key] = result.value
            if result.errors:
                errors[key] = list(result.errors)
        return data, errors, parsed

    def _with_credentials(self, key: str, errors: dict[str, list[str]]) -> str:
        """The URL typed in input ``key``, with saved credentials in place of ••••."""
        value = self.query_one(f"#field-{key}", Input).value
        try:
            return unmask_credentials(value, self._hidden[key])
        except ValueError as exc:
            errors[key] = [str(exc)]
            return value

    def _area(self, key: str) -> str:
        return self.query_one(f"#field-{key}", TextArea).text

    def validate(self) -> tuple[Connection | None, dict[str, list[str]]]:
        """Validate the form with the settings model.

        Returns:
            ``(connection, {})`` when valid, else ``(None, errors)`` with the messages of each
            field key (``""`` for problems that belong to no field).
        """
        data, errors, parsed = self._collect()
        connection: Connection | None = None
        try:
            connection = Connection.model_validate(data)
        except ValidationError as exc:
            for item in exc.errors(include_url=False, include_input=False):
                key, message = self._locate(item["loc"], item["type"], item["msg"], parsed)
                errors.setdefault(key, []).append(message)
        if "name" not in errors:
            name = str(data["name"]).strip()
            if name in self.taken_names:
                errors["name"] = [f"name {name!r} is already used by another connection"]
        if errors:
            return None, errors
        return connection, {}

    def _locate(
        self, loc: Sequence[int | str], kind: str, msg: str, parsed: dict[str, Parsed]
    ) -> tuple[str, str]:
        """The field key and message for one pydantic error."""
        message = "required" if kind == "missing" else clean_message(msg)
        head = str(loc[0]) if loc else ""
        if head in ("reconnect", "tls"):
            key = f"{head}-{loc[1]}" if len(loc) > 1 else ""
            return (key if key in _LABELS else "", message)
        if head in parsed:
            result = parsed[head]
            line: int | None = None
            if len(loc) > 1:
                item = loc[1]
                if isinstance(item, int) and item < len(result.lines):
                    line = result.lines[item]
                elif isinstance(item, str):
                    line = result.key_lines.get(item)
            return head, f"line {line}: {message}" if line is not None else message
        return (head if head in _LABELS else "", message)

    # -- showing errors -----------------------------------------------------------------

    def _set_error(self, key: str, messages: list[str]) -> None:
        try:
            label = self.query_one(f"#error-{key}", Static)
        except NoMatches:
            return
        label.update(Text("\n".join(messages)))
        label.set_class(bool(messages), "-shown")
        self.query_one(f"#field-{key}").set_class(bool(messages), "-invalid")
        if messages:
            self._shown_errors.add(key)
        else:
            self._shown_errors.discard(key)

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Show ``errors`` under their fields, expand their sections and focus the first one."""
        for key in list(self._shown_errors):
            if key not in errors:
                self._set_error(key, [])
        for key, messages in errors.items():
            if key:
                self._set_error(key, messages)
        summary = self.query_one("#form-summary", Static)
        if not errors:
            summary.update("")
            summary.remove_class("-shown")
            return
        fields = [key for key in _LABELS if key in errors]
        count = sum(len(messages) for messages in errors.values())
        text = f"Not saved: {count} problem{'s' * (count != 1)}"
        if fields:
            text += " in " + ", ".join(_LABELS[key] for key in fields)
        text += ". " + " ".join(errors.get("", []))
        summary.update(Text(text.strip()))
        summary.add_class("-shown")
        for key in fields:
            widget = self.query_one(f"#field-{key}")
            for ancestor in widget.ancestors:
                if isinstance(ancestor, Collapsible):
                    ancestor.collapsed = False
        if fields:
            first = self.query_one(f"#field-{fields[0]}")
            first.focus()
            self.call_after_refresh(first.scroll_visible)

    @on(Input.Blurred)
    def _check_on_blur(self, event: Input.Blurred) -> None:
        """Check a field when the focus leaves it (errors of other fields wait for save)."""
        key = (event.input.id or "").removeprefix("field-")
        if not self.is_attached or key not in _LABELS:
            return
        if not event.value.strip() and key not in self._shown_errors:
            return  # Don't scold a field the user only tabbed through.
        _, errors = self.validate()
        self._set_error(key, errors.get(key, []))

    # -- actions ------------------------------------------------------------------------

    def action_save(self) -> None:
        """Validate and, when valid, close the form with the connection."""
        connection, errors = self.validate()
        if connection is None:
            self.show_errors(errors)
            return
        self.dismiss(connection)

    def action_reveal(self) -> None:
        """Show the saved secrets (URL and proxy credentials, header values), or hide them."""
        self.revealed = not self.revealed
        for key in ("url", "proxy"):
            field = self.query_one(f"#field-{key}", Input)
            hidden = self._hidden[key]
            if self.revealed and hidden is not None:
                field.value = unmask_credentials(field.value, hidden)
            elif not self.revealed:
                field.value, typed = mask_credentials(field.value)
                self._hidden[key] = typed or hidden
        saved = self.connection.headers if self.connection is not None else {}
        area = self.query_one("#field-headers", TextArea)
        area.text = reveal_headers(area.text, saved, self.revealed)
        self.notify("secrets shown" if self.revealed else "secrets hidden", timeout=2)

    def action_cancel(self) -> None:
        """Close the form without a result."""
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
