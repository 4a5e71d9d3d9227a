"""The shared jq wrapper: compile errors, payloads it cannot read, and the sandbox."""

from __future__ import annotations

import pathlib

import pytest

from tui.core.jq import NO_VALUE, JqError, JqProgram, compile_program


def test_first_output_and_truthiness() -> None:
    hot = JqProgram(".temperature > 28")
    assert hot.first('{"temperature": 30}') is True
    assert hot.matches('{"temperature": 30}')
    assert not hot.matches('{"temperature": 20}')
    assert JqProgram(".bids[0][0] | tonumber").first('{"bids": [["1.5", "2"]]}') == 1.5


@pytest.mark.parametrize(
    "payload",
    ["not json", "", "[1, 2]", b"\xff\xfe", '{"a": '],
    ids=["text", "empty", "index-error", "not-utf8", "truncated"],
)
def test_payloads_it_cannot_read_give_no_value(payload: str | bytes) -> None:
    program = JqProgram(".a")
    assert program.first(payload) is NO_VALUE
    assert not program.matches(payload)
    assert program.all(payload) == []


def test_nothing_null_and_false_are_distinct_but_none_match() -> None:
    assert JqProgram("select(.a > 5)").first('{"a": 1}') is NO_VALUE
    assert JqProgram(".missing").first("{}") is None
    assert not JqProgram(".missing").matches("{}")
    assert JqProgram(".[]").all("[1, 2, 3]") == [1, 2, 3]


def test_binary_json_is_read_as_text() -> None:
    assert JqProgram(".id").first(b'{"id": 7}') == 7


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (".a |||", "syntax error, unexpected '|', line 1, column 5"),
        ("   ", "empty jq program"),
        ("nosuchfunction(1)", "nosuchfunction/1 is not defined"),
    ],
)
def test_compile_errors_say_what_and_where(source: str, reason: str) -> None:
    with pytest.raises(JqError) as caught:
        JqProgram(source)
    assert reason in str(caught.value)
    assert "jq: error" not in str(caught.value)


def test_the_environment_is_out_of_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSDECK_JQ_SECRET", "s3cret")
    assert JqProgram("$ENV.WSDECK_JQ_SECRET").first("{}") is None
    assert JqProgram("env.WSDECK_JQ_SECRET").first("{}") is None


def test_modules_cannot_be_included(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ~/.jq/ is on the jq command's default module path; nothing there may be read and run.
    (tmp_path / ".jq").mkdir()
    (tmp_path / ".jq" / "spy.jq").write_text('def leak: "from a file";\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(JqError):
        JqProgram('include "spy"; leak')


def test_compiled_programs_are_shared() -> None:
    assert compile_program(".x") is compile_program(".x")
