"""Okta's filter/search expression language, enough of it for the simulator.

`target.id eq "0oa1" and (eventType sw "application.provision" or eventType eq "x")`:
operators eq, ne, sw, co, gt, ge, lt, le, pr; `and`, `or`, parentheses; string, number and
boolean literals. A dotted path into a list matches when any element matches (Okta's rule for
System Log `target`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>"(?:[^"\\]|\\.)*")|(?P<word>[A-Za-z0-9_.$:-]+))')


class FilterSyntaxError(ValueError):
    pass


def compile_filter(text: str) -> Predicate:
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    predicate = parser.parse_or()
    if parser.pos != len(tokens):
        raise FilterSyntaxError(f"Unexpected {tokens[parser.pos][1]!r}")
    return predicate


def simple_equality(text: str) -> tuple[str, str] | None:
    """`path eq "value"` alone, so callers can answer it from an index."""
    try:
        tokens = _tokenize(text)
    except FilterSyntaxError:
        return None
    if len(tokens) == 3 and tokens[1] == ("word", "eq") and tokens[2][0] == "str" and tokens[0][0] == "word":
        return tokens[0][1], _unquote(tokens[2][1])
    return None


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterSyntaxError(f"Cannot parse filter near {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _values(obj: Any, path: list[str]) -> list[Any]:
    if not path:
        return [obj]
    if isinstance(obj, list):
        return [v for item in obj for v in _values(item, path)]
    if isinstance(obj, dict) and path[0] in obj:
        return _values(obj[path[0]], path[1:])
    return []


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, str) and isinstance(expected, str):
        a, e = actual.lower(), expected.lower()
    else:
        a, e = actual, expected
    try:
        return {
            "eq": lambda: a == e,
            "ne": lambda: a != e,
            "sw": lambda: isinstance(a, str) and a.startswith(e),
            "co": lambda: isinstance(a, str) and e in a,
            "gt": lambda: a > e,
            "ge": lambda: a >= e,
            "lt": lambda: a < e,
            "le": lambda: a <= e,
        }[op]()
    except TypeError:
        return False


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise FilterSyntaxError("The filter ends too early")
        self.pos += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.pos += 1
            return True
        return False

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self._keyword("or"):
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else (lambda obj: any(p(obj) for p in parts))

    def parse_and(self) -> Predicate:
        parts = [self.parse_factor()]
        while self._keyword("and"):
            parts.append(self.parse_factor())
        return parts[0] if len(parts) == 1 else (lambda obj: all(p(obj) for p in parts))

    def parse_factor(self) -> Predicate:
        kind, value = self._take()
        if kind == "lp":
            inner = self.parse_or()
            if self._take()[0] != "rp":
                raise FilterSyntaxError("Missing ')'")
            return inner
        if kind != "word":
            raise FilterSyntaxError(f"Expected an attribute, found {value!r}")
        path = value.split(".")
        op_kind, op = self._take()
        op = op.lower()
        if op_kind != "word" or op not in {"eq", "ne", "sw", "co", "gt", "ge", "lt", "le", "pr"}:
            raise FilterSyntaxError(f"Unknown operator {op!r}")
        if op == "pr":
            return lambda obj: any(v is not None for v in _values(obj, path))
        lit_kind, literal = self._take()
        expected: Any
        if lit_kind == "str":
            expected = _unquote(literal)
        elif literal in ("true", "false"):
            expected = literal == "true"
        else:
            try:
                expected = float(literal) if "." in literal else int(literal)
            except ValueError:
                raise FilterSyntaxError(f"Bad value {literal!r}") from None
        return lambda obj: any(_compare(op, v, expected) for v in _values(obj, path))
