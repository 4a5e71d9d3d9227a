"""The core stays UI-free: importing it must not pull in textual or rich."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_ui() -> None:
    code = (
        "import sys\n"
        "import tui.core.client, tui.core.hub, tui.core.bus, tui.core.events, tui.core.codec\n"
        "import tui.core.recorder, tui.core.display, tui.core.errors, tui.tail, tui.demo_server\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
