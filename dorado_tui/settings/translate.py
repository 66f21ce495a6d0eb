"""Pydantic validation errors turned into located, one-line `Problem`s a trader can act on.

The model's JSON Schema is the reference for what is allowed at a path (keys, enum values,
bounds), so messages say "allowed ..." from the same source `dorado config schema` writes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from dorado_tui.settings.problems import Path_, Problem, closest, one_of, show
from dorado_tui.settings.yamldoc import Document

MASK = "********"

_TYPE_WORDS = {
    "int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
    "dict": "a mapping", "model": "a mapping", "model_attributes": "a mapping", "list": "a list",
    "tuple": "a list", "time": "a time (HH:MM)", "date": "a date (YYYY-MM-DD)",
    "datetime": "a date-time", "decimal": "a number", "set": "a list",
}


@cache
def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema (validation mode), computed once."""
    return model.model_json_schema()


def subschema(schema: dict[str, Any], path: Path_) -> dict[str, Any] | None:
    """The schema that governs `path` (relative to the model), or None when unknown."""
    node: dict[str, Any] | None = _deref(schema, schema)
    for part in path:
        if node is None:
            return None
        node = _step(schema, node, part)
    return node


def _deref(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**root["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    if "anyOf" in node:  # Optional[X]: follow the non-null branch
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            merged = {**node, **_deref(root, branches[0])}
            merged.pop("anyOf", None)
            return merged
    return node


def _step(root: dict[str, Any], node: dict[str, Any], part: str | int) -> dict[str, Any] | None:
    if isinstance(part, int):
        if "prefixItems" in node and part < len(node["prefixItems"]):
            return _deref(root, node["prefixItems"][part])
        items = node.get("items")
        return _deref(root, items) if isinstance(items, dict) else None
    props = node.get("properties", {})
    if part in props:
        return _deref(root, props[part])
    extra = node.get("additionalProperties")
    return _deref(root, extra) if isinstance(extra, dict) else None


def allowed_keys(schema: dict[str, Any], path: Path_) -> list[str]:
    """Keys a mapping at `path` may hold."""
    node = subschema(schema, path)
    return sorted(node.get("properties", {})) if node else []


def translate(exc: ValidationError, model: type[BaseModel], doc: Document, prefix: Path_ = (),
              mask: bool = False) -> list[Problem]:
    """One Problem per validation error, located in `doc` (`prefix` is the root key, if any)."""
    schema = model_schema(model)
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
        out.append(_problem(err, loc, schema, doc, prefix, mask))
    return out


def _problem(err: Any, loc: Path_, schema: dict[str, Any], doc: Document, prefix: Path_,
             mask: bool) -> Problem:
    kind = err["type"]
    at_key = bool(loc) and loc[-1] == "[key]"  # a bad mapping key, not a bad value
    loc = loc[:-1] if at_key else loc
    if kind == "extra_forbidden":
        return _unknown_key(loc, schema, doc, prefix)
    if kind == "missing":
        return _missing(loc, schema, doc, prefix)
    node = subschema(schema, loc) or {}
    message, allowed, got = _describe(kind, err, node)
    if mask and got is not None:
        got = MASK
    return doc.problem((*prefix, *loc), message, got=got, allowed=allowed, at_key=at_key)


def _unknown_key(loc: Path_, schema: dict[str, Any], doc: Document, prefix: Path_) -> Problem:
    key = str(loc[-1])
    keys = allowed_keys(schema, loc[:-1])
    hint = closest(key, keys)
    message = "unknown key" + (f", did you mean {hint!r}?" if hint else "")
    return doc.problem((*prefix, *loc), message, got=repr(key), allowed=one_of(keys) or "no keys",
                       at_key=True)


def _missing(loc: Path_, schema: dict[str, Any], doc: Document, prefix: Path_) -> Problem:
    if loc and isinstance(loc[-1], int):  # a fixed-length list ([low, high]) came up short
        node = subschema(schema, loc[:-1]) or {}
        size = node.get("minItems", loc[-1] + 1)
        return doc.problem((*prefix, *loc[:-1]), "wrong number of items",
                           got=_items(loc[-1]), allowed=f"exactly {_items(size)}")
    return doc.problem((*prefix, *loc), "required field is missing")


def _describe(kind: str, err: Any, node: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(message, allowed, got) for one error."""
    ctx = err.get("ctx") or {}
    got: str | None = show(err.get("input"))
    if kind == "dorado":
        return ctx.get("message", err["msg"]), ctx.get("allowed"), ctx.get("got")
    if kind in ("literal_error", "enum"):
        options = node.get("enum")
        return "invalid value", one_of(options) if options else ctx.get("expected"), got
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "out of range", _bounds(node, ctx), got
    if kind in ("too_short", "too_long"):
        return "wrong number of items", _length(node), _items(ctx.get("actual_length", 0))
    if kind == "string_pattern_mismatch":
        return "does not match the required pattern", f"pattern {ctx.get('pattern')}", got
    if kind in ("string_too_short", "string_too_long"):
        return "wrong length", _length(node, "characters"), got
    base = kind.split("_", 1)[0] if kind.endswith(("_type", "_parsing")) else None
    if kind == "int_from_float":
        base = "int"
    if base in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[base]}", None, got
    text = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return text, None, got


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"


def _bounds(node: dict[str, Any], ctx: dict[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    lo_op = "<" if "exclusiveMinimum" in node else "≤"
    hi_op = "<" if "exclusiveMaximum" in node else "≤"
    if low is not None and high is not None:
        return f"{low:g} {lo_op} x {hi_op} {high:g}"
    if low is not None:
        return f"x {'>' if lo_op == '<' else '≥'} {low:g}"
    if high is not None:
        return f"x {hi_op} {high:g}"
    for key, op in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if key in ctx:
            return f"x {op} {ctx[key]}"
    return "a value in range"


def _length(node: dict[str, Any], unit: str = "items") -> str:
    low = node.get("minItems", node.get("minLength"))
    high = node.get("maxItems", node.get("maxLength"))
    if low is not None and low == high:
        return f"exactly {_items(low)}" if unit == "items" else f"exactly {low} {unit}"
    if low is not None and high is not None:
        return f"{low}–{high} {unit}"
    if low is not None:
        return f"at least {low} {unit}"
    return f"at most {high} {unit}"
