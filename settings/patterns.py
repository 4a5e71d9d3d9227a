"""Programs in settings: jq programs and regular expressions, checked when settings load.

An invalid program is a settings error at its field path (``connections[0].watch.hot.jq``),
never a failure when the first message arrives. The fields keep the source text (it is what the
settings editor shows and writes back); users compile it again through the shared caches
(:func:`tui.core.jq.compile_program`, :func:`re.compile`), which costs nothing the second time.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from tui.core.jq import JqError, compile_program


def _check_jq(source: str) -> str:
    try:
        compile_program(source)
    except JqError as error:
        raise PydanticCustomError(
            "jq_program", "invalid jq program: {reason}", {"reason": str(error)}
        ) from None
    return source


def _check_regex(source: str) -> str:
    try:
        re.compile(source)
    except re.error as error:
        raise PydanticCustomError(
            "regex_pattern", "invalid regular expression: {reason}", {"reason": str(error)}
        ) from None
    return source


JqProgram = Annotated[str, AfterValidator(_check_jq)]
"""A jq program (source text) that compiles; run it with :func:`tui.core.jq.compile_program`."""

RegexPattern = Annotated[str, AfterValidator(_check_regex)]
"""A Python regular expression (source text) that compiles."""
