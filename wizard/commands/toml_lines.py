"""Line numbers for TOML keys, which `tomllib` does not report.

A small scanner that knows just enough TOML to find where each table and key starts: table
headers, dotted and quoted keys, and values that span lines (multi-line strings and arrays),
so text inside them is never mistaken for a key. Comments are ignored.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEYVAL = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)

Path = tuple[str, ...]


def _split(dotted: str) -> Path:
    parts = []
    for match in _PART.finditer(dotted):
        part = match.group(0)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


class _ValueScanner:
    """Follows a value across lines: open brackets and multi-line strings."""

    def __init__(self) -> None:
        self.depth = 0
        self.multiline: str | None = None  # '"""' or "'''" while inside one

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.multiline is not None

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            if self.multiline is not None:
                end = text.find(self.multiline, i)
                if end < 0:
                    return
                i = end + 3
                self.multiline = None
                continue
            char = text[i]
            if text.startswith('"""', i) or text.startswith("'''", i):
                self.multiline = text[i : i + 3]
                i += 3
            elif char == '"':
                match = re.compile(_BASIC).match(text, i)
                i = match.end() if match else len(text)
            elif char == "'":
                match = re.compile(_LITERAL).match(text, i)
                i = match.end() if match else len(text)
            elif char == "#":
                return
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth = max(0, self.depth - 1)
                i += 1


def key_lines(text: str) -> dict[Path, int]:
    """Map each table path and key path to the 1-based line where it starts."""
    lines: dict[Path, int] = {}
    table: Path = ()
    value = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if value.open:
            value.feed(line)
            continue
        header = _HEADER.match(line)
        if header:
            table = _split(header.group(1))
            lines.setdefault(table, number)
            continue
        keyval = _KEYVAL.match(line)
        if keyval:
            path = table + _split(keyval.group(1))
            lines.setdefault(path, number)
            value.feed(line[keyval.end() :])
    return lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, else of its nearest enclosing key or table that has one."""
    path = tuple(part for part in path if isinstance(part, str))
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
