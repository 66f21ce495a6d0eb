"""YAML files read with ruamel.yaml into plain data plus the line/column of every key and item.

Failures that stop a file from being read at all (encoding, tabs, syntax, duplicate keys, an
empty file) come back as `Problem`s with the parser's own location, never as exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dorado_tui.settings.problems import Path_, Problem, dotted, show


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column."""

    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Node:
    """Where one value sits: its key's position (mappings) and its value's position.

    `mapping` marks a value that is itself a mapping: messages about it point at its key,
    because a block mapping's value starts on the next line.
    """

    key: Pos | None
    value: Pos
    mapping: bool = False


@dataclass(slots=True)
class Document:
    """A parsed file: plain data (dict/list/str/int/float/bool/None) and its positions."""

    file: str
    data: Any
    nodes: dict[Path_, Node] = field(default_factory=dict)

    def where(self, path: Path_, at_key: bool = False) -> tuple[Pos, Path_]:
        """The position of `path`, or of its nearest existing ancestor; and that ancestor.

        `at_key` prefers the key (for unknown keys); a missing field points at its parent's key.
        """
        probe = tuple(path)
        while probe:
            node = self.nodes.get(probe)
            if node is not None:
                if probe == tuple(path):
                    use_key = (at_key or node.mapping) and node.key is not None
                    return (node.key if use_key and node.key else node.value), probe
                return (node.key or node.value), probe
            probe = probe[:-1]
        return Pos(1, 1), ()

    def problem(self, path: Path_, message: str, *, got: str | None = None,
                allowed: str | None = None, at_key: bool = False, severity: str = "error") -> Problem:
        """A Problem located at `path` in this document."""
        pos, _ = self.where(path, at_key=at_key)
        return Problem(self.file, pos.line, pos.col, dotted(path), message, got, allowed, severity)


def read_document(path: Path, display: str) -> Document | list[Problem]:
    """Read and parse one YAML file; on failure return the problems (each with a location)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(display, 1, 1, "", f"cannot read file: {exc.strerror or exc}")]
    text = _decode(raw, display)
    if isinstance(text, Problem):
        return [text]
    tabs = _tab_problems(text, display)
    if tabs:
        return tabs
    return parse_text(text, display)


def parse_text(text: str, display: str) -> Document | list[Problem]:
    """Parse YAML text (already decoded) into a Document."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt")
    try:
        loaded = yaml.load(text)
    except DuplicateKeyError as exc:
        return [_duplicate_problem(exc, text, display)]
    except MarkedYAMLError as exc:
        return [_syntax_problem(exc, display)]
    doc = Document(display, None)
    if loaded is None:
        return doc
    doc.data = _walk(loaded, (), doc, Pos(1, 1))
    return doc


def _decode(raw: bytes, display: str) -> str | Problem:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(display, 1, 1, "", "file is not UTF-8", got="UTF-16 (byte-order mark)",
                       allowed="UTF-8 text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return Problem(display, line, col, "", "file is not UTF-8",
                       got=f"byte 0x{raw[exc.start]:02x}", allowed="UTF-8 text")


def _tab_problems(text: str, display: str) -> list[Problem]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip() and not line.lstrip().startswith("#"):
            out.append(Problem(display, number, indent.index("\t") + 1, "",
                               "tab character in indentation; YAML indents with spaces",
                               got="a tab", allowed="spaces"))
    return out


def _syntax_problem(exc: Any, display: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"YAML syntax error: {exc.problem or exc.context}"
    if exc.context and exc.context_mark is not None and exc.problem:
        message += f" ({exc.context} at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
    return Problem(display, line, col, "", message)


_DUP_KEY = re.compile(r'found duplicate key "(?P<key>.*?)" with value')


def _duplicate_problem(exc: Any, text: str, display: str) -> Problem:
    """Name the duplicated key, where it repeats, and the line where it first appeared."""
    mark = exc.problem_mark
    line, col = mark.line + 1, mark.column + 1
    match = _DUP_KEY.search(str(exc.problem))
    key = match.group("key") if match else "?"
    first, path = _first_occurrence(text, key, exc.context_mark)
    where = f"first at line {first.line}" if first else "first earlier in the same mapping"
    return Problem(display, line, col, dotted(path), f"duplicate key {key!r}, {where}")


def _first_occurrence(text: str, key: str, mapping_mark: Any) -> tuple[Pos | None, Path_]:
    """Re-read with duplicates allowed to find the first occurrence of `key` in its mapping."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    doc = Document("", None)
    try:
        doc.data = _walk(yaml.load(text), (), doc, Pos(1, 1))
    except Exception:  # the file has other errors too; the plain message still holds
        return None, ()
    start = Pos(mapping_mark.line + 1, mapping_mark.column + 1) if mapping_mark else None
    for path, node in doc.nodes.items():
        if path and path[-1] == key and node.key is not None:
            parent = doc.nodes.get(path[:-1])
            parent_pos = parent.value if parent else Pos(1, 1)
            if start is None or parent_pos == start or (not path[:-1] and start.line == node.key.line):
                return node.key, path
    return None, ()


def _walk(value: Any, path: Path_, doc: Document, pos: Pos) -> Any:
    """Plain data from ruamel's round-trip nodes, recording every position on the way."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, CommentedMap):
        out: dict[str, Any] = {}
        for key in value:
            name = str(key) if key is not None else "null"
            kpos, vpos = _map_positions(value, key, pos)
            doc.nodes[(*path, name)] = Node(kpos, vpos, isinstance(value[key], CommentedMap))
            out[name] = _walk(value[key], (*path, name), doc, vpos)
        return out
    if isinstance(value, CommentedSeq):
        items = []
        for index, item in enumerate(value):
            ipos = _seq_position(value, index, pos)
            doc.nodes[(*path, index)] = Node(None, ipos)
            items.append(_walk(item, (*path, index), doc, ipos))
        return items
    return _scalar(value)


def _map_positions(mapping: Any, key: Any, fallback: Pos) -> tuple[Pos, Pos]:
    try:
        kl, kc = mapping.lc.key(key)
        vl, vc = mapping.lc.value(key)
    except (KeyError, TypeError):  # merged (<<) keys carry no position of their own
        return fallback, fallback
    return Pos(kl + 1, kc + 1), Pos(vl + 1, vc + 1)


def _seq_position(seq: Any, index: int, fallback: Pos) -> Pos:
    try:
        line, col = seq.lc.item(index)
    except (KeyError, TypeError):
        return fallback
    return Pos(line + 1, col + 1)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return show(value)
