"""``wsdeck --config F`` on a real terminal: a first frame at once, the settings after it.

Bad settings or URL arguments still end the program with status 2 and every problem on
the normal screen, after the dashboard has closed its alternate screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.terminal import CTRL_Q, run_to_exit, wsdeck_on_a_terminal

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def _run_to_exit(*args: str, cwd: Path) -> tuple[int, bytes]:
    return run_to_exit([sys.executable, "-m", "tui", *args], cwd)


def test_invalid_settings_exit_2_with_every_problem_after_the_screen_closes(
    tmp_path: Path,
) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[feed]\nmax_events = 0\n\n[[connections]]\nname = "a"\nurl = "ws://h/"\n'
                      'retry = true\n')  # fmt: skip
    code, out = _run_to_exit("--config", str(config), cwd=tmp_path)
    assert code == 2, out[-1000:]
    assert LEAVE_ALTERNATE_SCREEN in out
    after = out.rsplit(LEAVE_ALTERNATE_SCREEN, 1)[1]
    assert b"invalid settings (2 problems)" in after
    assert b"feed.max_events" in after
    assert b"connections[0].retry" in after


def test_names_listed_before_validation_still_end_in_its_problems(tmp_path: Path) -> None:
    # The first frame lists the names read from the file; pydantic then refuses the file.
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "listed-first"\nurl = "ws://h/"\nretry = 1\n')
    code, out = _run_to_exit("--config", str(config), cwd=tmp_path)
    assert code == 2, out[-1000:]
    during, after = out.rsplit(LEAVE_ALTERNATE_SCREEN, 1)
    assert b"listed-first" in during
    assert b"invalid settings (1 problem)" in after
    assert b"connections[0].retry" in after


def test_an_invalid_url_argument_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text("")
    code, out = _run_to_exit("--config", str(config), "ws://h/ x", cwd=tmp_path)
    assert code == 2, out[-1000:]
    assert b"wsdeck: invalid URL 'ws://h/ x'" in out.rsplit(LEAVE_ALTERNATE_SCREEN, 1)[1]


def test_the_dashboard_comes_up_and_quits(tmp_path: Path) -> None:
    config = tmp_path / "wsdeck.toml"
    config.write_text('[[connections]]\nname = "startup-probe"\nurl = "ws://127.0.0.1:9/"\n')
    terminal = wsdeck_on_a_terminal("--config", str(config), cwd=tmp_path)
    try:
        terminal.until(lambda: b"startup-probe" in terminal.output, 30, "the table")
        terminal.send(CTRL_Q)  # nothing is open: no question
        terminal.until(lambda: terminal.process.poll() is not None, 15, "exit")
    finally:
        terminal.close()
    assert terminal.process.returncode == 0
