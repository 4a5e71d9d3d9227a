"""jq programs and regular expressions in settings are checked when settings load."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from settings.patterns import JqProgram, RegexPattern


class _Rule(BaseModel):
    jq: JqProgram | None = None
    regex: RegexPattern | None = None


def test_valid_programs_keep_their_source() -> None:
    rule = _Rule(jq='.status == "alarm"', regex=r"ERR\d+")
    assert rule.jq == '.status == "alarm"'
    assert rule.regex == r"ERR\d+"


def test_an_invalid_jq_program_is_an_error_at_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        _Rule(jq=".a |||")
    (error,) = caught.value.errors()
    assert error["loc"] == ("jq",)
    assert error["type"] == "jq_program"
    assert error["msg"] == "invalid jq program: syntax error, unexpected '|', line 1, column 5"


def test_an_invalid_regex_is_an_error_at_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        _Rule(regex="(unclosed")
    (error,) = caught.value.errors()
    assert error["loc"] == ("regex",)
    assert error["msg"].startswith("invalid regular expression: missing ), unterminated subpattern")
