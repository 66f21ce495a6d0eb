"""Read every registered configuration file of a home, validate it, and report every problem.

`check_home` never raises for bad input and never writes anything: it returns a `Report` with
all problems of all files (syntax, schema, per-file rules, cross-file references).
`load_config` returns the validated `Config` or raises `ConfigError` carrying those problems.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dorado_tui.home import Home
from dorado_tui.settings import registry
from dorado_tui.settings.env import apply_env
from dorado_tui.settings.problems import Problem, closest, errors_first
from dorado_tui.settings.registry import FileKind
from dorado_tui.settings.secrets import SecretsResult, load_secrets
from dorado_tui.settings.translate import translate
from dorado_tui.settings.yamldoc import Document, read_document

#: Folders scanned for stray YAML files nobody reads (a typo'd name silently ignored is a trap).
SCANNED_DIRS = ("config", "strategies")


@dataclass(slots=True)
class LoadedFile:
    """One file: where it is, its parsed document, and its model when it validated."""

    kind: FileKind
    path: Path
    display: str
    doc: Document
    model: BaseModel | None = None
    raw: dict[str, Any] | None = None  # the validated mapping (root key removed, env applied)
    overlay: Document | None = None  # a file layered over this one (a risk profile)
    virtual: bool = False  # the file is absent: its model's defaults (and env overrides) apply

    @property
    def prefix(self) -> tuple[str, ...]:
        return (self.kind.root_key,) if self.kind.root_key else ()

    @property
    def label(self) -> str:
        return self.kind.label_for(self.path, self.model)


@dataclass(slots=True)
class Report:
    """Everything `dorado config check` knows about a home."""

    home: Home
    files: list[LoadedFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    secrets: SecretsResult | None = None
    env_sources: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return errors_first(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> list[Problem]:
        return errors_first(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors

    def of(self, kind: str) -> list[LoadedFile]:
        """Files of one kind (valid or not)."""
        return [f for f in self.files if f.kind.name == kind]

    def valid(self, kind: str) -> list[LoadedFile]:
        """Files of one kind that validated."""
        return [f for f in self.of(kind) if f.model is not None]


def check_home(home: Home, environ: Mapping[str, str] | None = None) -> Report:
    """Validate every registered file of `home`, then the cross-file rules. Reads only."""
    from dorado_tui.settings.checks import file_checks
    from dorado_tui.settings.crossref import cross_checks

    env = os.environ if environ is None else environ
    report = Report(home)
    for kind in registry.kinds():
        _load_kind(kind, report, env)
    for loaded in report.files:
        if loaded.model is not None:
            report.problems.extend(file_checks(loaded))
    report.secrets = load_secrets(home.secrets_path, home.relative(home.secrets_path), env)
    report.problems.extend(report.secrets.problems)
    report.problems.extend(cross_checks(report))
    report.problems.extend(_stray_files(report))
    return report


def _load_kind(kind: FileKind, report: Report, env: Mapping[str, str]) -> None:
    paths = kind.files(report.home.root)
    if not paths and kind.required:
        report.problems.append(Problem(kind.pattern, 0, 0, "", "required file is missing",
                                       allowed=f"{kind.description}; `dorado init` copies the defaults"))
        return
    if not paths and kind.many:
        return
    try:
        model = kind.load_model()
    except (ImportError, AttributeError, TypeError) as exc:
        for path in paths:
            report.problems.append(Problem(report.home.relative(path), 0, 0, "",
                                           f"cannot validate yet: model {kind.model} is unavailable ({exc})",
                                           severity="warning"))
        return
    if not paths:  # an optional single file that is absent: validate its defaults
        path = report.home.root / kind.pattern
        empty = Document(kind.pattern, {kind.root_key: {}} if kind.root_key else {})
        loaded = LoadedFile(kind, path, kind.pattern, empty, virtual=True)
        report.files.append(_validate_file(loaded, model, report, env))
        return
    for path in paths:
        report.files.append(_load_file(kind, model, path, report, env))


def _load_file(kind: FileKind, model: type[BaseModel], path: Path, report: Report,
               env: Mapping[str, str]) -> LoadedFile:
    display = report.home.relative(path)
    parsed = read_document(path, display)
    if isinstance(parsed, list):
        report.problems.extend(parsed)
        return LoadedFile(kind, path, display, Document(display, None))
    return _validate_file(LoadedFile(kind, path, display, parsed), model, report, env)


def _validate_file(loaded: LoadedFile, model: type[BaseModel], report: Report,
                   env: Mapping[str, str]) -> LoadedFile:
    kind, parsed = loaded.kind, loaded.doc
    inner = _unwrap(kind, parsed, report.problems)
    if inner is None:
        return loaded
    if kind.name == "dorado":
        inner, sources, env_problems = apply_env(inner, env)
        report.env_sources.update(sources)
        report.problems.extend(env_problems)
    from dorado_tui.settings.checks import precheck

    inner = precheck(kind.name, parsed, loaded.prefix, inner, report.problems)
    try:
        loaded.model = model.model_validate_json(json.dumps(inner), strict=kind.strict)
        loaded.raw = inner
    except ValidationError as exc:
        problems = translate(exc, model, parsed, loaded.prefix)
        report.problems.extend(_relocate_env(problems, loaded.prefix, report.env_sources))
        return loaded
    if kind.name == "risk_policy":
        from dorado_tui.settings.risk_profile import apply_risk_profile

        apply_risk_profile(loaded, report)
    return loaded


def _unwrap(kind: FileKind, doc: Document, problems: list[Problem]) -> dict[str, Any] | None:
    """The model's mapping: the document itself, or the value under its root key."""
    expected = f"a mapping with the top-level key {kind.root_key!r}" if kind.root_key else "a mapping"
    if doc.data is None:
        problems.append(Problem(doc.file, 1, 1, "", "file is empty", allowed=expected))
        return None
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "expected a mapping at the top level",
                                    got="a list" if isinstance(doc.data, list) else repr(doc.data),
                                    allowed=expected))
        return None
    if kind.root_key is None:
        return doc.data
    return _under_root(kind.root_key, doc, problems)


def _under_root(root: str, doc: Document, problems: list[Problem]) -> dict[str, Any] | None:
    for key in doc.data:
        if key != root:
            hint = closest(key, [root])
            problems.append(doc.problem((key,), "unknown key" + (f", did you mean {hint!r}?" if hint else ""),
                                        got=repr(key), allowed=root, at_key=True))
    if root not in doc.data:
        problems.append(Problem(doc.file, 1, 1, root, "required top-level key is missing"))
        return None
    inner = doc.data[root]
    if not isinstance(inner, dict):
        got = "nothing" if inner is None else ("a list" if isinstance(inner, list) else repr(inner))
        problems.append(doc.problem((root,), "expected a mapping", got=got))
        return None
    return dict(inner)


def _relocate_env(problems: list[Problem], prefix: tuple[str, ...],
                  env_sources: dict[tuple[str, ...], str]) -> list[Problem]:
    """A bad value that came from an environment variable is reported against the variable."""
    by_path = {".".join((*prefix, *path)): source for path, source in env_sources.items()}
    out = []
    for p in problems:
        source = by_path.get(p.path)
        if source is not None:
            var = source.removeprefix("env ")
            p = Problem(f"${var}", 0, 0, p.path, p.message, p.got, p.allowed, p.severity)
        out.append(p)
    return out


def _stray_files(report: Report) -> list[Problem]:
    """YAML files under config/ and strategies/ that no registered kind reads."""
    root = report.home.root
    known = {f.path.resolve() for f in report.files}
    known |= {p.resolve() for kind in registry.kinds() for p in kind.files(root)}
    known |= {p.resolve() for kind in registry.kinds() for glob in kind.companions for p in root.glob(glob)}
    patterns = [k.pattern for k in registry.kinds()]
    out = []
    for folder in SCANNED_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".yaml", ".yml") or not path.is_file() or path.resolve() in known:
                continue
            rel = report.home.relative(path)
            hint = closest(rel.replace(".yml", ".yaml"), [p for p in patterns if "*" not in p])
            why = "is not read by Dorado" + (f", did you mean {hint!r}?" if hint else "")
            if path.suffix == ".yml":
                why = "is not read by Dorado: configuration files end in .yaml"
            out.append(Problem(rel, 0, 0, "", why, allowed=", ".join(patterns), severity="warning"))
    return out
