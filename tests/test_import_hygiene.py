"""The core stays UI-free: importing it must not pull in textual or rich."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_ui() -> None:
    code = (
        "import sys\n"
        "import tui.core.client, tui.core.hub, tui.core.bus, tui.core.events, tui.core.codec\n"
        "import tui.core.recorder, tui.core.display, tui.core.errors, tui.tail, tui.demo_server\n"
        "import tui.core.export, tui.drain\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(','.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in result.stdout.strip().split(",")}


def test_the_first_frame_needs_textual_only() -> None:
    # The dashboard draws a frame before it loads its settings: everything it imports
    # until then is startup time (pydantic-settings ~100 ms, websockets ~40 ms here).
    loaded = _imported_after(
        "import tui.cli, tui.launch, tui.app, settings.preview, tui.widgets.connection_preview"
    )
    assert "textual" in loaded
    assert not loaded & {"pydantic", "pydantic_settings", "websockets", "tomlkit", "dotenv"}


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
