"""Small helpers to split AT response parameters safely (quotes and parentheses aware)."""

from __future__ import annotations

__all__ = ["check_int", "int_field", "split_fields", "strip_prefix", "unquote"]


def strip_prefix(line: str, *names: str) -> str:
    """Drop a leading ``NAME:`` (any of ``names``, case-insensitive) and return the rest.

    A line without one of the prefixes is returned unchanged (callers accept bare args).
    """
    text = line.strip()
    head, sep, rest = text.partition(":")
    if sep and head.strip().upper() in {name.upper() for name in names}:
        return rest.strip()
    return text


def split_fields(text: str) -> list[str]:
    """Split on commas outside double quotes and parentheses; fields are stripped.

    Quotes are kept so callers can tell ``"1234"`` from ``1234``. An empty string gives [].

    Raises:
        ValueError: on an unterminated quote or unbalanced parentheses.
    """
    if not text.strip():
        return []
    fields: list[str] = []
    current: list[str] = []
    in_quotes = False
    depth = 0
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char == "(":
            depth += 1
        elif not in_quotes and char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced parentheses in {text!r}")
        elif char == "," and not in_quotes and depth == 0:
            fields.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if in_quotes:
        raise ValueError(f"unterminated quote in {text!r}")
    if depth:
        raise ValueError(f"unbalanced parentheses in {text!r}")
    fields.append("".join(current).strip())
    return fields


def unquote(field: str) -> str:
    """``"SM"`` -> ``SM``; an unquoted field is returned stripped."""
    text = field.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def int_field(field: str, what: str, line: str) -> int:
    """Parse a decimal field (quotes allowed) or raise ValueError naming the field and line."""
    text = unquote(field)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{what} is not a number ({field!r}) in {line!r}")
    return int(text)


def check_int(name: str, value: int, low: int, high: int | None = None) -> int:
    """Validate an int argument of a command builder (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {limit}, got {value}")
    return value
