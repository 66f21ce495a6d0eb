"""Risk profiles: `profile: <name>` in risk_policy.yaml layers config/risk_profiles/<name>.yaml
over the policy (the risk layer merges and validates; this module reads and locates errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from dorado_tui.settings.problems import closest, one_of
from dorado_tui.settings.translate import translate
from dorado_tui.settings.yamldoc import read_document

if TYPE_CHECKING:
    from dorado_tui.settings.loader import LoadedFile, Report

PROFILE_DIR = "risk_profiles"


def apply_risk_profile(loaded: LoadedFile, report: Report) -> None:
    """Replace the loaded policy by policy + profile, or record why that is impossible."""
    name = getattr(loaded.model, "profile", None)
    if not name:
        return
    folder = report.home.config_dir / PROFILE_DIR
    path = folder / f"{name}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        hint = closest(name, available)
        report.problems.append(loaded.doc.problem(
            ("profile",), "no such risk profile" + (f", did you mean {hint!r}?" if hint else ""),
            got=repr(name), allowed=one_of(available) or "no profiles in config/risk_profiles"))
        loaded.model = None
        return
    parsed = read_document(path, report.home.relative(path))
    if isinstance(parsed, list):
        report.problems.extend(parsed)
        loaded.model = None
        return
    if not isinstance(parsed.data, dict):
        report.problems.append(parsed.problem((), "a risk profile is a mapping of policy sections",
                                              got="nothing" if parsed.data is None else "a list"))
        loaded.model = None
        return
    from dorado_tui.risk.profiles import apply_profile

    policy = loaded.model
    try:
        loaded.model = apply_profile(policy, name, parsed.data)  # type: ignore[arg-type]
        loaded.overlay = parsed
    except ValidationError as exc:
        report.problems.extend(translate(exc, type(policy), parsed))  # type: ignore[arg-type]
        loaded.model = None
