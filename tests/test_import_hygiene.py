"""The core stays UI-free: importing it must not pull in textual or rich."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_ui() -> None:
    code = (
        "import sys\n"
        "import tui.core.client, tui.core.hub, tui.core.bus, tui.core.events, tui.core.codec\n"
        "import tui.core.recorder, tui.core.display, tui.core.errors, tui.tail, tui.demo_server\n"
        "import tui.core.export, tui.drain, tui.core.analysis, tui.core.pairing, tui.core.rates\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _imported_after(statement: str, *, whole_names: bool = False) -> set[str]:
    code = f"import sys\n{statement}\nprint(','.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    names = result.stdout.strip().split(",")
    return set(names) if whole_names else {name.split(".")[0] for name in names}


def test_the_first_frame_needs_textual_only() -> None:
    # The dashboard draws a frame before it loads its settings: everything it imports
    # until then is startup time (pydantic-settings ~100 ms, websockets ~40 ms here).
    loaded = _imported_after(
        "import tui.cli, tui.launch, tui.app, settings.preview, tui.widgets.connection_preview",
        whole_names=True,
    )
    assert "textual.app" in loaded
    top = {name.split(".")[0] for name in loaded}
    assert not top & {"pydantic", "pydantic_settings", "websockets", "tomlkit", "dotenv"}
    # The composer's TextArea (~15 ms), the trust record's modules and platformdirs (with
    # --config) wait too.
    assert not loaded & {"textual.widgets._text_area", "hashlib", "tui.core.events"}
    assert "platformdirs" not in _imported_after(
        "import settings.preview; settings.preview.connection_names('/nonexistent.toml')"
    )


def test_every_name_the_settings_package_exports_is_there() -> None:
    # The package imports its names on first use (so that settings.preview is light).
    import settings

    for name in settings.__all__:
        assert getattr(settings, name) is not None


def test_loading_settings_needs_no_tomlkit() -> None:
    # tomlkit is for saving (and for the lines of problems): reading uses tomllib.
    loaded = _imported_after("import settings; settings.WsdeckSettings(_env_file=None)")
    assert "pydantic_settings" in loaded
    assert "tomlkit" not in loaded


def test_the_dashboard_does_not_import_the_settings_editor() -> None:
    # The key bar asks check_action("settings") on the first frame: answering by importing
    # the settings screen pulled tomlkit and the connection form into every start (~30 ms).
    code = (
        "import asyncio\n"
        "from settings import WsdeckSettings\n"
        "from tui.app import WsdeckApp\n"
        "async def main():\n"
        "    app = WsdeckApp(WsdeckSettings(_env_file=None))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause(0.2)\n"
        "        assert app.main.is_current and app.check_action('settings', ())\n"
        "        app.exit()\n"
        "asyncio.run(main())\n"
    )
    loaded = _imported_after(code, whole_names=True)
    assert "tui.screens.main" in loaded
    assert not loaded & {"tomlkit", "tui.screens.settings_screen", "tui.screens.connection_form"}


def test_nothing_of_the_dashboard_loads_before_the_settings() -> None:
    # Until the loader runs, the loading frame (and the notices' placement, which runs on
    # it too) must not import the main screen, the core or pydantic: that time is the
    # operator's wait for the validated dashboard, after the first frame.
    code = (
        "import asyncio, sys\n"
        "from tui.app import WsdeckApp\n"
        "from tui.launch import LaunchError\n"
        "def load():\n"
        "    print(','.join(m for m in sys.modules if m.split('.')[0] in\n"
        "                   ('pydantic', 'websockets') or m.startswith('tui.screens.main')))\n"
        "    raise LaunchError(['no settings here'])\n"
        "async def main():\n"
        "    app = WsdeckApp(load, preview=['a'])\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        for _ in range(200):\n"
        "            if app.launch_error is not None:\n"
        "                break\n"
        "            await pilot.pause(0.05)\n"
        "    assert app.launch_error is not None\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_dashboard_loads_plotext_and_jq_only_when_used() -> None:
    # The plot screen imports plotext (~40 ms) when it first opens; jq (~10 ms) loads
    # with the first settings that hold a jq program. The main screen and the fields,
    # pairing and analysis modules it uses need neither.
    loaded = _imported_after(
        "import tui.app, tui.screens.main, tui.commands, tui.core.analysis, tui.core.rates"
    )
    assert not loaded & {"plotext", "textual_plotext", "jq"}
    assert "plotext" in _imported_after("import tui.screens.plot")
