"""Conditions answered in Python give jq's answers: generated programs and payloads, both ways."""

from __future__ import annotations

import json

import jq
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tui.core.jq
from tui.core.jq import JqProgram
from tui.core.jq_subset import Undecided, compile_condition


def jq_says(program: str | jq._Program, payload: str) -> bool:
    """What jq itself answers: the first output truthy; no output or an error is no match."""
    compiled = jq.compile(program) if isinstance(program, str) else program
    try:
        value = compiled.input_text(payload).first()
    except (ValueError, StopIteration):
        return False
    return value is not None and value is not False


def subset_says(source: str, payload: str) -> bool:
    """The subset's own answer (Undecided where it must ask jq)."""
    condition = compile_condition(source)
    assert condition is not None, source
    from tui.core.jq_subset import JqFailure

    try:
        return condition(orjson.loads(payload))
    except JqFailure:
        return False


KEYS = st.sampled_from(["a", "b", "status", "x y", "é"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -0.0, 28.5, 1e300, 2**53 + 1, -(2**63), 2**64 - 1]),
    st.sampled_from(["", "a", "alarm", "é", "Z", "ok"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)
CONSTANTS = st.sampled_from(
    ["null", "true", "false", "0", "1", "-1", "28", "28.5", "1e300", '"alarm"', '"a"', '"é"', '""']
)


@st.composite
def paths(draw: st.DrawFn) -> str:
    steps = draw(
        st.lists(
            st.one_of(
                KEYS.map(lambda k: f".{k}" if k.isidentifier() and k.isascii() else f'."{k}"'),
                KEYS.map(lambda k: f"[{json.dumps(k)}]"),
                st.integers(-2, 2).map(lambda i: f"[{i}]"),
            ),
            max_size=3,
        )
    )
    text = "".join(steps)
    if not text.startswith("."):
        text = "." + text
    return text


@st.composite
def conditions(draw: st.DrawFn, depth: int = 2) -> str:
    left = draw(st.one_of(paths(), CONSTANTS))
    form = draw(st.sampled_from(["cmp", "bare", "not", "and", "or", "pipe"] if depth else ["cmp"]))
    if form == "bare":
        return left
    if form == "not":
        return f"{left} | not"
    if form in ("and", "or"):
        return f"({draw(conditions(depth - 1))}) {form} ({draw(conditions(depth - 1))})"
    if form == "pipe":
        return f"{draw(paths())} | {draw(conditions(depth - 1))}"
    operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    right = draw(st.one_of(paths(), CONSTANTS))
    return f"{left} {operator} {right}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions(), st.lists(VALUES, min_size=6, max_size=6))
def test_generated_conditions_answer_as_jq_does(source: str, values: list[object]) -> None:
    # Several payloads per program: compiling a jq program (~10 ms) is the test's cost.
    program = jq.compile(source)
    for value in values:
        payload = json.dumps(value, ensure_ascii=False)
        try:
            ours = subset_says(source, payload)
        except Undecided:
            continue  # asked of jq in use; what matters is never a wrong answer
        assert ours == jq_says(program, payload), (source, payload)


@pytest.mark.parametrize(
    ("source", "payload", "expected"),
    [
        ('.[2].status == "alarm"', '[1, 2, {"status": "alarm"}]', True),
        ('.[2].status == "alarm"', '[1, 2, {"status": "ok"}]', False),
        (".temperature > 28", '{"temperature": 28.5}', True),
        (".temperature > 28", '{"temperature": "29"}', True),  # strings sort after numbers
        (".a", '{"a": 0}', True),  # 0 is true in jq
        (".a", '{"a": null}', False),
        (".a | not", "{}", True),
        (".a.b", '{"a": [1]}', False),  # an error: no output
        (".a.b == null", '{"a": [1]}', False),
        (".[-1] == 3", "[1, 2, 3]", True),
        (".[5] == null", "[1]", True),
        ('.["x y"] == true', '{"x y": true}', True),
        ('."x y" == 1', '{"x y": true}', False),  # true is not 1
        (".a.[0] == 1", '{"a": [1]}', True),
        ('.a == "é"', '{"a": "\\u00e9"}', True),
        (".a < .b", '{"a": "Z", "b": "a"}', True),  # code points
        (".a and .b or .c", '{"a": 1, "b": false, "c": 2}', True),
        (".a == -1", '{"a": -1}', True),
        ('.a == "y"', '{"a": "x", "a": "y"}', True),  # a repeated key: the last one
        (".a > 1", '{"a": 1180591620717411303425}', True),  # orjson: a double, 2**70
    ],
)
def test_conditions_in_the_subset(source: str, payload: str, expected: bool) -> None:
    assert compile_condition(source) is not None
    assert JqProgram(source).matches(payload) is expected
    assert jq_says(source, payload) is expected


@pytest.mark.parametrize(
    ("source", "payload", "expected"),
    [
        # Equal as doubles, different decimals to jq: jq decides.
        (".a == 1", '{"a": 1.0000000000000000001}', False),
        (".a == 1.0", '{"a": 1}', True),
        (".a > 100000000000000000000", '{"a": 100000000000000000001}', True),
        (".a == 1180591620717411303424", '{"a": 1180591620717411303425}', False),
        # Arrays and objects compared: jq decides.
        (".a == .b", '{"a": [1, {"x": 2}], "b": [1, {"x": 2}]}', True),
        # Payloads orjson refuses: jq reads them.
        (".a == null", '{"a": NaN}', False),
        (".a", '{"a": 1} {"a": null}', True),  # several values: the first one's answer
        (".a", "not json", False),
    ],
)
def test_what_the_subset_cannot_decide_is_left_to_jq(
    source: str, payload: str, expected: bool
) -> None:
    assert JqProgram(source).matches(payload) is expected
    assert jq_says(source, payload) is expected


@pytest.mark.parametrize(
    "source",
    [
        ".[]",
        ".a?",
        ".a // 1",
        ".a, .b",
        ".a + 1 > 2",
        "length > 2",
        '.a == "\\(1)"',
        "$ENV.HOME",
        "env.HOME",
        "..",
        ".[1:2]",
        ".[1.5]",
        ".a # comment",
        "select(.a)",
        "if .a then 1 else 2 end",
        ".a as $x | $x",
        "def f: 1; f",
        ".a == -.b",
        "(" * 40 + ".a" + ")" * 40,
    ],
)
def test_other_programs_are_left_to_jq(source: str) -> None:
    assert compile_condition(source) is None


def test_rules_asked_about_one_message_in_turn_parse_it_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[object] = []

    def counting(payload: str | bytes) -> object:
        parsed.append(payload)
        return orjson.loads(payload)

    monkeypatch.setattr(tui.core.jq, "_loads", counting)
    monkeypatch.setattr(tui.core.jq, "_last_parsed", (None, None))
    hot, alarm = JqProgram(".t > 28"), JqProgram('.status == "alarm"')
    message = '{"t": 30, "status": "ok"}'
    assert hot.matches(message)
    assert not alarm.matches(message)
    assert parsed == [message]
    other = '{"t": 20, "status": "alarm"}'
    assert not hot.matches(other)
    assert alarm.matches(other)
    assert parsed == [message, other]


def test_without_orjson_jq_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tui.core.jq, "_loads", None)
    program = JqProgram(".a == 1")
    assert program.matches('{"a": 1}')
    assert not program.matches('{"a": 2}')
