"""A configuration problem with its exact location, and how it reads on one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one file: `file:line:col field.path: message (got X, allowed Y)`.

    `file` is relative to the home (or ``$VARIABLE`` for an environment value); `line`/`col`
    are 1-based, 0 when there is no position (a missing file, an environment value); `path` is
    the dotted field path inside the document (``bot.sizing.risk_pct``).
    Warnings are printed but do not fail `dorado config check`.
    """

    file: str
    line: int
    col: int
    path: str
    message: str
    got: str | None = None
    allowed: str | None = None
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line > 0 else self.file
        field = f" {self.path}:" if self.path else ""
        tail = []
        if self.got is not None:
            tail.append(f"got {self.got}")
        if self.allowed is not None:
            tail.append(f"allowed {self.allowed}")
        detail = f" ({', '.join(tail)})" if tail else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{field} {prefix}{self.message}{detail}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "col": self.col, "path": self.path,
            "message": self.message, "got": self.got, "allowed": self.allowed,
            "severity": self.severity, "text": str(self),
        }


def dotted(path: Sequence[str | int]) -> str:
    """``("bot", "legs", 2, "role")`` -> ``bot.legs[2].role``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def show(value: object, limit: int = 60) -> str:
    """A value as it appears in a message: strings quoted, long ones shortened."""
    text = repr(value) if isinstance(value, str) else _plain(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        if all(v is None or isinstance(v, bool | int | float | str) for v in value):
            return "[" + ", ".join(show(v) for v in value) + "]"
        return "a list"
    return str(value)


def one_of(options: Iterable[object]) -> str:
    """``a, b, c`` for an allowed-values list."""
    return ", ".join(str(o) for o in options)


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option most like `word` (typo suggestions), or None when nothing is close."""
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def errors_first(problems: Iterable[Problem]) -> list[Problem]:
    """Stable order for reports: by file, then line, then column."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.col, p.path))
