"""Regex rules compiled safely (pure).

Python's `re` backtracks and has no timeout, so a pattern such as `(a+)+$` can pin a modem's
thread for minutes on one crafted SMS. Patterns are therefore checked on their parse tree
before they are accepted, and applied to a capped length of text:

- nested repeats (`(a+)+`, `(\\w*)*`, `(?:x{2,})+`) and alternation inside a repeat
  (`(a|ab)*`) are refused: they are the shapes that backtrack exponentially;
- back-references are refused (matching them is NP-hard in general);
- at most `MAX_UNBOUNDED` unbounded repeats (`*`, `+`, `{n,}`), which bounds the polynomial
  cost of `.*a.*b.*c` on a `MAX_INPUT`-character text.
"""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

MAX_PATTERN = 200
MAX_INPUT = 480  # three GSM-7 parts; longer texts are matched on their first 480 characters
MAX_UNBOUNDED = 3

# The stdlib's own parser (re._parser since 3.11) gives the exact tree `re` compiles.
_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT}
_UNBOUNDED = _constants.MAXREPEAT


class UnsafePattern(ValueError):
    """The pattern is invalid or could take too long; the message says which."""


def compile_safe(pattern: str) -> re.Pattern[str]:
    """Compile a rule's pattern (case-insensitive) after the safety checks.

    Raises:
        UnsafePattern: empty, too long, invalid, or a shape that can backtrack badly.
    """
    if not pattern:
        raise UnsafePattern("the regex is empty")
    if len(pattern) > MAX_PATTERN:
        raise UnsafePattern(f"the regex is longer than {MAX_PATTERN} characters")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "possible nested set": ambiguous, refuse
            tree = _parser.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        raise UnsafePattern(f"invalid regex: {exc}") from None
    except Warning as exc:
        raise UnsafePattern(f"ambiguous regex: {exc}") from None
    except RecursionError:
        raise UnsafePattern("the regex nests too deeply") from None
    unbounded = _check(tree, inside_repeat=False)
    if unbounded > MAX_UNBOUNDED:
        raise UnsafePattern(
            f"the regex has {unbounded} unbounded repeats (*, +, {{n,}}); at most {MAX_UNBOUNDED}"
        )
    return re.compile(pattern, re.IGNORECASE)


def search(compiled: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`compiled.search` on at most `MAX_INPUT` characters of `text`."""
    return compiled.search(text[:MAX_INPUT])


def _check(items: Any, *, inside_repeat: bool) -> int:
    """Walk a parsed (sub)pattern; return its unbounded-repeat count or raise UnsafePattern."""
    count = 0
    for op, arg in items:
        if op in _REPEATS:
            _low, high, body = arg
            if inside_repeat and high > 1:
                raise UnsafePattern("nested repeats such as (a+)+ can backtrack exponentially")
            count += (high == _UNBOUNDED) + _check(body, inside_repeat=inside_repeat or high > 1)
        elif op is _constants.BRANCH:
            if inside_repeat:
                raise UnsafePattern(
                    "alternation inside a repeat such as (a|ab)* can backtrack exponentially"
                )
            count += sum(_check(branch, inside_repeat=False) for branch in arg[1])
        elif op is _constants.SUBPATTERN:
            count += _check(arg[-1], inside_repeat=inside_repeat)
        elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
            count += _check(arg[1], inside_repeat=inside_repeat)
        elif op in (_constants.GROUPREF, _constants.GROUPREF_EXISTS):
            raise UnsafePattern("back-references are not allowed in rule patterns")
        elif op is _constants.ATOMIC_GROUP:
            count += _check(arg, inside_repeat=inside_repeat)
    return count
