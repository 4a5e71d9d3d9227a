"""The wsdeck App: owns the settings, the hub, the event ring and one worker per connection.

Widgets show state and post intents; the App carries them out on the core. Each
connection's client runs in a long-lived worker in a group named after the connection,
started here (never from a screen that could be popped), and one drain worker moves
event batches from the hub's bus into the ring and the recording.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import events, work
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import ModalScreen
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from tui.drain import FRAME, drain
from tui.messages import EventsArrived
from tui.screen_diff import ScreenDiff
from tui.toasts import beside_dialog, beside_focus
from tui.typeahead import KeyGate, KeyHandled

# Only textual is imported up here: with a loader, the first frame is on screen before the
# settings (pydantic-settings: ~100 ms), the core and the main screen are imported.
if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.message import Message
    from textual.screen import Screen
    from textual.theme import Theme

    from settings import Connection, WsdeckSettings
    from tui.core.analysis import Analysis
    from tui.core.automation import Automation
    from tui.core.client import WsClient
    from tui.core.hub import Hub
    from tui.core.rates import RateHistory
    from tui.core.recorder import Recorder
    from tui.core.ring import EventRing
    from tui.launch import LaunchError, Loader
    from tui.screens.main import MainScreen
    from tui.screens.settings_screen import ConnectionState


RATE_SAMPLE = 1.0
"""Seconds between two samples of the message counters for the rate plot."""

GC_CHECK = 1.0
"""Seconds between two counts of the open connections (see :class:`tui.launch.OpenConnections`)."""


def _commands() -> type[Provider]:
    from tui.commands import WsdeckCommands

    return WsdeckCommands


def _listed(names: list[str], shown: int = 4) -> str:
    """``"a, b, c"`` or ``"a, b, c, d and 3 more"``: a count the operator can check."""
    count = f"{len(names)} connection{'s' * (len(names) != 1)}"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{count}: {', '.join(names[:shown])}{more}"


class WsdeckApp(App[int]):
    """The dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "wsdeck"
    COMMANDS = App.COMMANDS | {_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quit", id="app.quit", priority=True),
        Binding("q", "request_quit", "Quit", id="app.quit_q", show=False),
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("comma", "settings", "Settings", id="app.settings"),
        # As in a shell, less or htop; the composer's own ctrl+z (undo) comes first there.
        Binding("ctrl+z", "suspend_process", "Suspend (fg resumes)", id="app.suspend", show=False),
        # The operator's panic button: on every screen, the automation screen included.
        Binding(
            "exclamation_mark",
            "pause_automation",
            "Pause all automation",
            id="automation.panic",
            show=False,
        ),
    ]

    settings: WsdeckSettings
    hub: Hub
    automation: Automation
    ring: EventRing
    recorder: Recorder | None
    analysis: Analysis
    """Fields and request/response pairing, in a thread of their own (issue 14)."""
    rates: RateHistory
    """Messages per second of every connection, sampled once a second (the rate plot)."""
    main: MainScreen

    def __init__(
        self,
        settings: WsdeckSettings | Loader,
        *,
        config_path: Path | None = None,
        note: str | None = None,
        preview: Sequence[str] | None = None,
    ) -> None:
        """The dashboard for ``settings``, or for what a loader returns.

        With a loader the App shows a first frame at once and calls the loader right
        after it; a :class:`LaunchError` from it ends the App with code 2 and is kept in
        :attr:`launch_error` for the caller to print. That frame lists ``preview``, the
        connection names the loader is expected to return (see :mod:`settings.preview`).
        """
        super().__init__()
        from tui.compositor_fix import render_only_what_changed
        from tui.styles_cache_fix import unpin_styles_caches

        unpin_styles_caches()  # Textual 8.2 held closed widgets' rendered lines (see there)
        render_only_what_changed()  # and rendered every widget for each update (see there)
        self._preview = preview
        self.config_path = config_path
        self.note = note
        self.launch_error: LaunchError | None = None
        self._client_workers: dict[Worker[None], WsClient] = {}
        self._auto_pending = False  # auto start is due (see _start_auto)
        self.hung_up: int | None = None
        """The signal (SIGHUP, SIGTERM, SIGINT) that ended the dashboard, if one did."""
        self._restore_signals: Callable[[], None] | None = None
        self._loader = settings if callable(settings) else None
        # With a loader, keys typed before the dashboard is up wait for it (see tui.typeahead).
        self._keys = KeyGate(self, self._route_key, closed=self._loader is not None)
        self._screen_diff = ScreenDiff()
        if not callable(settings):
            self._set_up(settings)

    @property
    def ready(self) -> bool:
        """The settings are loaded and the connections exist."""
        return hasattr(self, "hub")

    def _set_up(self, settings: WsdeckSettings) -> None:
        from tui.core.analysis import Analysis
        from tui.core.automation import Automation
        from tui.core.hub import Hub
        from tui.core.rates import RateHistory
        from tui.core.recorder import recorder_for
        from tui.core.ring import EventRing
        from tui.screens.main import MainScreen

        # RecordingError (a symlink, a FIFO, another user's file…) is the caller's: exit 2.
        # First, so that a refused file leaves the App not ready (nothing to shut down).
        self.recorder = recorder_for(settings.recording, on_failure=self._recording_stopped)
        self.settings = settings
        self.hub = Hub(settings.connections, env=settings.reference_env())
        self.automation = Automation(self.hub)
        self.automation.attach_all()
        self.ring = EventRing(settings.feed.max_events)
        self.analysis = Analysis()
        self.rates = RateHistory()
        for connection in settings.connections:
            self.analysis.configure(connection)
        self.main = MainScreen()

    # -- lifecycle -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self._loader is not None:  # the first frame, under the main screen once loaded
            yield Header()
            if self._preview is not None:
                from tui.widgets.connection_preview import ConnectionPreview

                yield ConnectionPreview(self._preview, id="preview")
            yield Static("loading the settings…", id="loading")

    def _place_notices(self) -> None:
        """Keep the notices off the focused pane or the dialog, once the screen is laid out."""
        try:
            screen = self.screen
        except ScreenStackError:  # starting or shutting down: no screen to place them on
            return
        # The main screen is this App's one: no import of its module (the core, pydantic)
        # on the loading frame, where this runs too.
        if self.ready and screen is self.main:
            self.call_after_refresh(screen.fit_notices)
        elif isinstance(screen, ModalScreen):
            self.call_after_refresh(beside_dialog, screen)
        else:
            self.call_after_refresh(beside_focus, screen)

    def _refresh_notifications(self) -> None:
        # Also when a notice times out or is cleared: a full screen takes back the rows it
        # gave to the notices.
        super()._refresh_notifications()
        # Textual shows them in a call_later: this one runs after it (one queue, in order).
        self.call_later(self._place_notices)

    def on_resize(self) -> None:
        """A dialog or a full screen resized: its notices follow it once it is laid out anew
        (the App hears of a resize before its screens are laid out again)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return
        signal = screen.screen_layout_refresh_signal

        def laid_out(_: object) -> None:
            signal.unsubscribe(self)
            self._place_notices()

        signal.subscribe(self, laid_out)

    def on_mount(self) -> None:
        from tui import hangup

        self.sub_title = socket.gethostname()
        self._restore_signals = hangup.install(self._hang_up)
        if not self.is_headless:
            hangup.resume_only_on_a_live_terminal()
        self.screen_change_signal.subscribe(self, lambda _: self._place_notices())
        if self._loader is None:
            self._start()
        else:
            self.call_after_refresh(self._load)

    def _load(self) -> None:
        from tui.launch import LaunchError, tune_gc

        assert self._loader is not None
        try:
            settings, self.config_path = self._loader()
        except LaunchError as exc:
            self.launch_error = exc
            self.exit(2, return_code=2)
            return
        from tui.core.recorder import RecordingError

        try:
            self._set_up(settings)
        except RecordingError as exc:
            self.launch_error = LaunchError([f"wsdeck: {exc}"])
            self.exit(2, return_code=2)
            return
        self._start()
        tune_gc()  # now that everything the dashboard needs is imported and built

    def _start(self) -> None:
        """Keymap, theme, the main screen, a worker per connection, the drain, auto start."""
        if not self._apply_keymap():
            return
        self.set_theme(self.settings.theme.name)
        self.push_screen(self.main)
        from tui.core.timeouts import TimeoutPoster, lost_message

        def lost(count: int) -> None:
            self.notify(lost_message(count), title="pairing", severity="warning", markup=False)

        poster = TimeoutPoster(self.hub.bus, self.hub.watches, on_lost=lost)
        self.analysis.on_timeouts = poster.threadsafe(asyncio.get_running_loop())
        self.analysis.start()
        self.set_interval(RATE_SAMPLE, self._sample_rates, name="rate-sample")
        for client in self.hub.clients.values():
            self._run_client(client)
        self._drain()
        self.hub.watches.bell = self.bell
        self._watch_clock()
        # Once the table is on screen: a first connection attempt imports the wire layer
        # and opens a socket (~25 ms), which the first frame of the dashboard need not wait for.
        self._auto_pending = True
        self.call_after_refresh(self._start_auto)
        self._keys.open()  # keys typed while loading go once the table has the focus
        from tui.launch import OpenConnections

        self._open_connections = OpenConnections()
        self.set_interval(GC_CHECK, self._freeze_open_connections, name="gc-freeze")
        from tui.core.memory import TRIM_EVERY, heap_trimmer

        if trim_heap := heap_trimmer():  # on Linux (see tui.core.memory)
            self.set_interval(TRIM_EVERY, trim_heap, name="malloc-trim")
        for note in self.recorder.notes if self.recorder else ():
            self.notify(note, title="recording", severity="warning", timeout=10, markup=False)
        for warning in self.settings.load_warnings:
            self.notify(warning, title="settings", severity="warning", timeout=10, markup=False)
        if self.note:
            self.notify(self.note, title="wsdeck", timeout=6, markup=False)
        self._warn_cautions()

    def _sample_rates(self) -> None:
        clients = self.hub.clients
        self.rates.sample(time.time(), {name: c.stats.msgs_in for name, c in clients.items()})

    def open_plot(self, mode: Literal["fields", "rate"], names: list[str]) -> None:
        """The plot screen: ``mode`` of the connections ``names``, live."""
        from functools import partial

        from tui.screens.plot import Mode, PlotScreen, Source, field_lines, rate_lines

        subject = names[0] if len(names) == 1 else f"{len(names)} connections"
        sources: dict[Mode, Source] = {
            "fields": partial(field_lines, self.analysis.fields, names),
            "rate": partial(rate_lines, self.rates, names),
        }
        utc = self.settings.feed.timestamps == "utc"
        self.push_screen(PlotScreen(sources, subject, mode=mode, clock=self.plot_clock, utc=utc))

    def plot_clock(self) -> float:
        """The plots' "now": the wall clock (a recording under review has its own)."""
        return time.time()

    def connection_names(self) -> list[str]:
        """The connections the palette offers plots of."""
        return list(self.hub.clients)

    def _freeze_open_connections(self) -> None:
        from tui.core.client import State

        count = sum(1 for client in self.hub.clients.values() if client.state is State.OPEN)
        self._open_connections.opened(count, time.monotonic())

    def _start_auto(self) -> None:
        """Start the auto-start connections, once: after the first frame, or before the
        first key if that comes sooner (a Stop typed ahead must find them started)."""
        if not self._auto_pending or not self.main.is_attached:  # not if the App is ending
            return
        self._auto_pending = False
        self.hub.start_auto()
        self.main.refresh_state()  # their state, now

    def _warn_cautions(self) -> None:
        # TLS not verified is marked in the table and the selected bar instead.
        from tui.core.cautions import secret_cautions

        env = self.hub.env
        lines = [line for c in self.settings.connections for line in secret_cautions(c, env)]
        if lines:
            text = "\n".join(lines)
            self.notify(text, title="warning", severity="warning", timeout=12, markup=False)

    def _apply_keymap(self) -> bool:
        """Apply the keymap; an unknown binding id or key ends the App like invalid settings."""
        if not self.settings.keymap:
            return True
        from settings import SettingsError
        from tui.keymap import check_keymap
        from tui.launch import LaunchError

        try:
            check_keymap(self.settings.keymap, self.config_path)
        except SettingsError as exc:
            self.launch_error = LaunchError.from_settings_error(exc)
            self.exit(2, return_code=2)
            return False
        self.set_keymap(self.settings.keymap)
        return True

    def choose_theme(self, name: str) -> None:
        """The operator's theme (palette): switch, then keep it in the settings file."""
        from settings import ThemeSettings
        from tui.prefs import save_theme

        self.set_theme(name)
        if self.theme != name:
            return
        self.settings = self.settings.model_copy(update={"theme": ThemeSettings(name=name)})
        why_not = save_theme(self.config_path, name)
        if why_not is None:
            message = f"theme {name} saved to {self.config_path}"
        else:
            message = f"theme {name} for this run only: {why_not}"
        self.notify(message, title="theme", markup=False)

    def search_themes(self) -> None:
        """Textual's "Theme" command: the same choice, saved like the palette's."""
        from textual.command import CommandPalette

        from tui.commands import ThemeCommands

        self.push_screen(CommandPalette(providers=[ThemeCommands], placeholder="Theme…"))

    _themes_found: dict[str, Theme] | None = None  # see get_theme

    def get_theme(self, theme_name: str) -> Theme | None:
        # Textual looks the current theme up for every line it draws (its styles cache
        # asks for the ANSI theme), and each look-up copied the theme registry twice:
        # ~0.15 ms of each screen update under fan-in. Kept until a theme is (un)registered.
        found = self._themes_found
        if found is None:
            found = self._themes_found = {}
        theme = found.get(theme_name)
        if theme is None:
            theme = super().get_theme(theme_name)
            if theme is not None:
                found[theme_name] = theme
        return theme

    def register_theme(self, theme: Theme) -> None:
        super().register_theme(theme)
        self._themes_found = None

    def unregister_theme(self, theme_name: str) -> None:
        super().unregister_theme(theme_name)
        self._themes_found = None

    def set_theme(self, name: str) -> None:
        """Switch the theme (settings, palette); an unknown name keeps the current one."""
        if name in self.available_themes:
            self.theme = name
        else:
            message = f"unknown theme {name!r}; using {self.theme}"
            self.notify(message, severity="warning", markup=False)

    def _run_client(self, client: WsClient, crashed: BaseException | None = None) -> None:
        """The connection's own worker, in a group named after it."""
        worker = self.run_worker(
            client.run(crashed),
            name=f"connection {client.name}",
            group=f"connection:{client.name}",
            exit_on_error=False,
        )
        self._client_workers[worker] = client

    @work(name="drain", group="drain", exit_on_error=False)
    async def _drain(self) -> None:
        """Move event batches into the ring (and recording); tell the widgets."""
        await drain(
            self.hub.bus, self.ring, self.recorder, self._events_arrived, self.analysis.offer
        )

    def _watch_clock(self) -> None:
        """The watches' clock (silences, windows, holds), once some connection has watches."""
        running = any(w.group == "watches" and not w.is_finished for w in self.workers)
        if self.hub.watches.watchers and not running:
            self.run_worker(
                self.hub.watches.run(), name="watches", group="watches", exit_on_error=False
            )

    def _events_arrived(self) -> None:
        self.post_message(EventsArrived())

    def post_message(self, message: Message) -> bool:
        # Keys from the terminal queue behind the App's other messages: at most so many.
        key = isinstance(message, events.Key | events.Paste) and not message.is_forwarded
        if key and not self._keys.admit():
            return False
        queued = super().post_message(message)
        if key and not queued:
            self._keys.refused()  # it will not reach the gate: its place is free again
        return queued

    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal go one at a time (see tui.typeahead).
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            await self._keys.take(event)
        else:
            await super().on_event(event)

    async def _route_key(self, event: events.Event) -> None:
        """Textual's routing of a key the gate lets go, after the auto start it may need."""
        self._start_auto()
        await super().on_event(event)

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # Over SSH every byte counts: write only the cells that changed (tui.screen_diff).
        driver = self._driver
        if isinstance(renderable, CompositorUpdate) and driver is not None and not driver.is_inline:
            renderable = self._screen_diff.wrap(renderable)
        elif renderable is not None:
            self._screen_diff.reset()
        super()._display(screen, renderable)

    def on_key_handled(self, message: KeyHandled) -> None:
        self._keys.marker_back(message)

    def on_events_arrived(self, message: EventsArrived) -> None:
        if self.main.is_attached:  # not while starting up or shutting down
            self.main.events_arrived()

    def _fatal_error(self) -> None:
        """An unhandled exception: a one-line message and a crash file, exit status 70.

        Replaces Textual's report, a traceback with local variables (the settings file's
        text with its secrets, in many frames) printed after an exit with status 0.
        """
        from rich.text import Text

        from tui.crash import EX_SOFTWARE, crash_message, watch

        if self.ready:
            watch(self.settings)  # edited in the settings screen since the load, maybe
        error = self._exception or RuntimeError("unknown error")
        self.bell()
        self._exit_renderables.append(Text(crash_message(error)))
        self._return_code = EX_SOFTWARE
        self._close_messages_no_wait()

    @property
    def recording_stopped(self) -> str | None:
        """Why the recording stopped (``None`` while it runs, or without one)."""
        return self.recorder.failure if self.recorder is not None else None

    def _recording_stopped(self, reason: str) -> None:
        """The recorder could not write (a full disk): say so; everything else goes on."""
        from tui.core.recorder import stopped_event

        assert self.recorder is not None
        self.hub.bus.offer(stopped_event(self.recorder.path, reason))
        if self.main.is_attached:
            self.main.refresh_state()

    def retry_recording(self) -> None:
        """Open the recording again after it stopped (the palette's ``recording: retry``)."""
        from tui.core.recorder import RecordingError

        recorder = self.recorder
        if recorder is None or recorder.failure is None:
            return
        try:
            recorder.reopen()
        except RecordingError as exc:
            self.notify(str(exc), title="recording", severity="error", markup=False)
            return
        from tui.core.display import counted  # it imports websockets: not before the first frame

        missed = recorder.lost
        verb = "was" if missed == 1 else "were"
        lost = f"; {counted(missed, 'event')} {verb} not recorded" if missed else ""
        message = f"recording to {recorder.path} again{lost}"
        self.notify(message, title="recording", markup=False)
        self.main.refresh_state()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: say so instead of dying silently."""
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.notify(
                f"{worker.name} failed: {worker.error!r}",
                severity="error",
                timeout=10,
                markup=False,
            )
        if event.state in (WorkerState.ERROR, WorkerState.SUCCESS, WorkerState.CANCELLED):
            client = self._client_workers.pop(worker, None)
            # A client's task only ends when cancelled (shutdown, a deleted connection):
            # otherwise it died. A new task reports it, shows it crashed, serves Start.
            died = client is not None and event.state is not WorkerState.CANCELLED
            if died and client is not None and self.hub.clients.get(client.name) is client:
                cause = worker.error or RuntimeError("the connection task returned")
                self._run_client(client, crashed=cause)
                self.main.refresh_state()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Until the settings are loaded there is nothing to edit or to search for (keys
        # wait in the key gate meanwhile; this covers the mouse and the loading frame's bar).
        if not self.ready:
            return action in ("request_quit", "help", "quit")
        if action == "settings":  # not again from the settings: a second one stacked up
            # Asked for every key bar: importing the settings screen here (tomlkit, the
            # form: ~30 ms) held up the dashboard's first frame. Until it is imported, none
            # can be on screen.
            screens = sys.modules.get("tui.screens.settings_screen")
            return screens is None or not isinstance(self.screen, screens.SettingsScreen)
        return True

    def action_help_quit(self) -> None:
        """ctrl+c outside a text field: say how to quit. Textual's own hint looks for its
        "quit" action, and wsdeck's quit asks first (``request_quit``), so it never showed."""
        for key, active in self.active_bindings.items():
            if active.binding.action == "request_quit" and active.binding.priority:
                self.notify(f"Press {key} to quit", title="Do you want to quit?", markup=False)
                return

    async def action_request_quit(self) -> None:
        """Quit; ask first when connections are open."""
        if not self.ready:
            self.exit(0)
            return
        from tui.screens.confirm import ConfirmScreen

        busy = self._active_names()
        if busy:
            question = f"Quit? Active now: {_listed(busy)}."
            self.push_screen(ConfirmScreen(question, yes="Quit", no="Stay"), self._quit_if)
        else:
            await self._quit()

    async def _quit_if(self, confirmed: bool | None) -> None:
        if confirmed:
            await self._quit()

    def _hang_up(self, signum: int) -> None:
        """SIGHUP, SIGTERM or SIGINT: close everything as Quit does, then exit 128 + signum."""
        from tui import hangup

        if self.hung_up is not None:
            return  # already leaving
        self.hung_up = signum
        status = hangup.exit_status(signum)
        if not self.ready:
            self.exit(status, return_code=status)
            return
        budget = hangup.close_budget(c.settings.close_timeout for c in self.hub.clients.values())
        self.run_worker(self._quit(status, budget), group="hang-up", exit_on_error=False)

    async def _quit(self, status: int = 0, timeout: float = 1.0) -> None:
        """Close connections with 1001, record their last events, then exit with ``status``."""
        # The drain stops first so that only this method writes the recording from now on;
        # it keeps emptying the bus meanwhile, or a reader blocked on a full bus during a
        # flood could never emit its stop event.
        self.workers.cancel_group(self, "drain")
        for run in self.automation.runs:  # a paused macro would wait for ever: recorded too
            run.cancel()
        shutdown = asyncio.ensure_future(self.hub.shutdown(timeout=timeout))
        while not shutdown.done():
            batch = self.hub.bus.take()
            if self.recorder is not None:
                self.recorder.write(batch)
            await asyncio.wait({shutdown}, timeout=FRAME)
        if self.recorder is not None:
            self.recorder.write(self.hub.bus.take())
            self.recorder.flush()
        self.exit(status, return_code=status)

    def on_unmount(self) -> None:
        if self._restore_signals is not None:
            self._restore_signals()
        if self.ready:
            self.analysis.stop()
        # The one close (flush and fsync), whichever way the App ends: workers may still
        # emit until now.
        if self.ready and self.recorder is not None:
            self.recorder.write(self.hub.bus.take())
            self.recorder.close()

    # -- intents from widgets and the palette ----------------------------------------------

    def start(self, name: str) -> None:
        """Client Start."""
        self.hub.start(name)
        self.main.refresh_state()

    def stop(self, name: str, code: int = 1000, reason: str = "") -> None:
        """Client Stop, closing with ``code`` and ``reason``."""
        self.hub.stop(name, code, reason)
        self.main.refresh_state()

    def ask_stop(self, name: str) -> None:
        """Ask for a close code and reason, then Stop ``name`` with them."""
        from tui.screens.stop import StopScreen

        def stop_with(result: tuple[int, str] | None) -> None:
            if result is not None and name in self.hub.clients:
                self.stop(name, *result)

        self.push_screen(StopScreen(name), stop_with)

    def start_all(self) -> None:
        """Client Start for every stopped connection."""
        self.hub.start_all()
        self.main.refresh_state()

    def ask_stop_all(self) -> None:
        """Stop every active connection, once the operator has seen which."""
        from tui.screens.confirm import ConfirmScreen

        active = self._active_names()
        if not active:
            return
        question = f"Stop {_listed(active)}?"

        def stop_all(confirmed: bool | None) -> None:
            # The connections named in the question, not whatever is active by now.
            for name in active if confirmed else ():
                if name in self.hub.clients:
                    self.hub.stop(name)
            self.main.refresh_state()

        self.push_screen(ConfirmScreen(question, yes="Stop all", no="Cancel"), stop_all)

    def ping(self, name: str) -> None:
        """A manual ping; its ``pong`` (or ``error``) event arrives in the feed."""

        async def ping_and_show() -> None:
            await self.hub.ping(name)
            if self.main.is_attached:  # not once the app is shutting down
                self.main.refresh_state()  # the latency column, now

        self.run_worker(
            ping_and_show(),
            name=f"ping {name}",
            group=f"connection:{name}:ping",
            exit_on_error=False,
        )

    def restart(self, name: str) -> None:
        """Stop, then Start once the stop event is in."""
        self.hub.restart(name)
        self.main.refresh_state()

    def send(self, name: str, data: str | bytes) -> None:
        """Client Send in a worker of the connection's group (a send may wait on the socket)."""
        self.run_worker(
            self.hub.send(name, data),
            name=f"send {name}",
            group=f"connection:{name}:send",
            exit_on_error=False,
        )

    # -- automation (issue 15) -----------------------------------------------------------

    def action_pause_automation(self) -> None:
        """The panic button: pause all automation, or resume it."""
        paused = not self.automation.paused
        self.automation.set_paused(paused)
        if paused:
            self.notify(
                "All automation paused: ! resumes it.", title="automation", severity="warning"
            )
        else:
            self.notify("Automation resumed.", title="automation")
        self.main.refresh_state()

    def toggle_automation(self, name: str) -> None:
        """Pause or resume one connection's automation."""
        paused = self.automation.toggle_connection(name)
        if paused is not None:
            state = "paused" if paused else "resumed"
            self.notify(f"{name}: automation {state}", title="automation", markup=False)
            self.main.refresh_state()

    def run_macro(self, name: str, macro: str) -> None:
        """Run a connection's macro; its end (or failure) is told in a notice."""
        run = self.automation.start_macro(name, macro)
        self.notify(f"macro {macro} on {name}: started", title="automation", markup=False)

        def ended(_: object) -> None:
            if self.main.is_attached:
                failed = run.state != "done"
                self.notify(
                    f"macro {macro} on {name}: {run.detail}",
                    title="automation",
                    severity="error" if failed else "information",
                    markup=False,
                )

        if run.task is not None:
            run.task.add_done_callback(ended)

    def action_automation(self) -> None:
        """The automation screen: every schedule, rule and macro with its state."""
        from tui.screens.automation import AutomationScreen

        self.push_screen(AutomationScreen())

    def action_help(self) -> None:
        """Show the bindings of the focused area."""
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen.for_screen(self.screen))

    def action_settings(self) -> None:
        """Open the settings editor."""
        from tui.screens.settings_screen import SettingsScreen

        self.push_screen(
            SettingsScreen(self.settings, self.config_path, self._state_of), self._apply_settings
        )

    def _state_of(self, name: str) -> ConnectionState | None:
        """A connection's state for the settings list (``None``: the App has no such one)."""
        from tui.core.client import State
        from tui.screens.settings_screen import ConnectionState
        from tui.widgets.connection_table import badge

        client = self.hub.clients.get(name)
        if client is None:
            return None
        return ConnectionState(badge(client)[0], client.state is not State.STOPPED)

    def _active_names(self) -> list[str]:
        """Connections that are not stopped (open, connecting, reconnecting, closing)."""
        from tui.core.client import State

        return [name for name, c in self.hub.clients.items() if c.state is not State.STOPPED]

    def _apply_settings(self, result: object) -> None:
        from tui.screens.settings_screen import SettingsResult

        if not isinstance(result, SettingsResult):
            return
        self.settings = result.settings
        new = {c.name: c for c in result.settings.connections}
        for name in result.removed:
            self.automation.detach(name)
            self._retire(self.hub.remove(name))
            self.analysis.forget(name)
        for name in result.added:
            client = self.hub.add(new[name])
            self.automation.attach(client)
            self._run_client(client)
            self.analysis.configure(new[name])
            if name in result.restart:  # renamed while open: the restart starts the new name
                self.hub.start(name)
        for name in result.changed:
            self._update_connection(new[name], restart=name in result.restart)
        self._watch_clock()
        self.main.connections_changed()

    @work(group="retire", exit_on_error=False)
    async def _retire(self, client: WsClient) -> None:
        """Stop a deleted (or renamed) connection with 1000 and its stop event; then its task."""
        await client.stop_and_wait()
        self.workers.cancel_group(self, f"connection:{client.name}")

    def _update_connection(self, connection: Connection, *, restart: bool) -> None:
        from tui.core.client import State

        client = self.hub.get(connection.name)
        # The client reads its settings at every attempt, so the next Start uses them.
        client.settings = connection
        self.analysis.configure(connection)
        self.automation.attach(client)
        if restart and client.state is not State.STOPPED:
            client.restart()
