"""Model artefacts on disk: a JSON manifest, numpy arrays and xgboost JSON, all checksummed.

Layout under the home's `state/models/`::

    <kind>/<version>/manifest.json   kind, version, training window, features, metrics, config,
                                     sha256 of every file, content hash
    <kind>/<version>/arrays.npz      numeric parameters (loaded with allow_pickle=False)
    <kind>/<version>/<name>.json     xgboost boosters in xgboost's own JSON format
    <kind>/LATEST                    the version readers load by default

No pickle anywhere: a model file can carry numbers and trees, never code. Loading refuses, with
the file and the reason, a manifest that does not parse, a file whose checksum differs, a model
of another kind or format, and a model whose feature list differs from what the caller computes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from dorado_tui.domain.errors import DoradoError

FORMAT = 1
MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"
LATEST = "LATEST"


class ModelArtefactError(DoradoError):
    """A model file is missing, corrupted or does not fit the data; names the file and why."""

    title = "Model refused"

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"refusing model file {path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Artefact:
    """A loaded model: manifest, arrays and boosters (xgboost `Booster` objects)."""

    path: Path
    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray]
    boosters: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.manifest["features"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "content_hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def save_artefact(models_dir: Path, kind: str, *, features: tuple[str, ...], train_start: datetime | Any,
                  train_end: datetime | Any, created_at: datetime, arrays: dict[str, np.ndarray],
                  boosters: dict[str, Any] | None = None, metrics: dict[str, Any] | None = None,
                  meta: dict[str, Any] | None = None, make_latest: bool = True) -> Artefact:
    """Write a new version of `kind` and (by default) point LATEST at it; returns it loaded."""
    import tempfile

    kind_dir = models_dir / kind
    kind_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=kind_dir))
    np.savez(staging / ARRAYS, allow_pickle=False, **{k: np.asarray(v) for k, v in arrays.items()})
    for name, booster in (boosters or {}).items():
        booster.save_model(str(staging / f"{name}.json"))
    files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
    manifest: dict[str, Any] = {
        "format": FORMAT, "kind": kind, "features": list(features),
        "training_window": {"start": str(train_start), "end": str(train_end)},
        "created_at": created_at.isoformat(), "files": files, "boosters": sorted(boosters or {}),
        "metrics": metrics or {}, "meta": meta or {},
    }
    digest = hashlib.sha256("".join(files[n] for n in sorted(files)).encode()).hexdigest()
    manifest["version"] = f"{kind}-{created_at:%Y%m%dT%H%M%S}-{digest[:10]}"
    manifest["content_hash"] = content_hash(manifest)
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))
    final = kind_dir / manifest["version"]
    if final.exists():  # identical content saved in the same second: keep the existing copy
        import shutil

        shutil.rmtree(staging)
    else:
        staging.rename(final)
    if make_latest:
        _write_latest(kind_dir, manifest["version"])
    return load_artefact(final, kind)


def _write_latest(kind_dir: Path, version: str) -> None:
    tmp = kind_dir / f".{LATEST}.tmp"
    tmp.write_text(version + "\n")
    os.replace(tmp, kind_dir / LATEST)


def latest_path(models_dir: Path, kind: str) -> Path:
    """The directory LATEST names for `kind` (ModelArtefactError when there is none)."""
    pointer = models_dir / kind / LATEST
    if not pointer.is_file():
        raise ModelArtefactError(pointer, f"no trained {kind} model (run `dorado regime train`)")
    version = pointer.read_text().strip()
    if not version or "/" in version or version.startswith("."):
        raise ModelArtefactError(pointer, f"LATEST holds an invalid version {version!r}")
    return models_dir / kind / version


def list_versions(models_dir: Path, kind: str) -> list[str]:
    kind_dir = models_dir / kind
    if not kind_dir.is_dir():
        return []
    return sorted(p.name for p in kind_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / MANIFEST
    if not file.is_file():
        raise ModelArtefactError(file, "manifest.json is missing")
    try:
        manifest = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelArtefactError(file, f"manifest is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModelArtefactError(file, "manifest is not a JSON object")
    missing = [k for k in ("format", "kind", "version", "features", "files", "content_hash") if k not in manifest]
    if missing:
        raise ModelArtefactError(file, f"manifest lacks {', '.join(missing)}")
    if manifest["content_hash"] != content_hash(manifest):
        raise ModelArtefactError(file, "manifest content hash mismatch (the manifest was edited)")
    return manifest


def _check_features(file: Path, model: tuple[str, ...], data: tuple[str, ...], exact: bool) -> None:
    """Refuse when the data lacks a model feature, or (exact) when the lists differ at all."""
    missing = [f for f in model if f not in data]
    extra = [f for f in data if f not in model] if exact else []
    reorder = exact and not missing and not extra and model != data
    if not missing and not extra and not reorder:
        return
    parts = [f"the data lacks {', '.join(missing)}" if missing else "",
             f"the data has features the model never saw: {', '.join(extra)}" if extra else "",
             "same features in another order" if reorder else ""]
    raise ModelArtefactError(file, f"feature mismatch: the model was trained on {len(model)} features; "
                             + "; ".join(p for p in parts if p))


def load_artefact(path: Path, kind: str, features: tuple[str, ...] | None = None,
                  exact: bool = True) -> Artefact:
    """Load and verify one version directory (see the module docstring for what is refused).

    `features` is what the caller's data provides: with `exact` the model's feature list must
    equal it; otherwise every model feature must be in it.
    """
    import xgboost as xgb

    manifest = _read_manifest(path)
    file = path / MANIFEST
    if manifest["format"] != FORMAT:
        raise ModelArtefactError(file, f"format {manifest['format']} is not supported (expected {FORMAT})")
    if manifest["kind"] != kind:
        raise ModelArtefactError(file, f"this is a {manifest['kind']} model, expected {kind}")
    for name, digest in manifest["files"].items():
        target = path / name
        if not target.is_file():
            raise ModelArtefactError(target, "file listed in the manifest is missing")
        if _sha256(target) != digest:
            raise ModelArtefactError(target, "sha256 checksum mismatch (corrupted or modified)")
    if features is not None:
        _check_features(file, tuple(manifest["features"]), tuple(features), exact)
    try:
        with np.load(path / ARRAYS, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError) as exc:
        raise ModelArtefactError(path / ARRAYS, f"arrays unreadable ({exc})") from exc
    boosters = {}
    for name in manifest.get("boosters", []):
        booster = xgb.Booster()
        try:
            booster.load_model(str(path / f"{name}.json"))
        except xgb.core.XGBoostError as exc:
            raise ModelArtefactError(path / f"{name}.json", f"xgboost model unreadable ({exc})") from exc
        boosters[name] = booster
    return Artefact(path, manifest, arrays, boosters)


def load_latest(models_dir: Path, kind: str, features: tuple[str, ...] | None = None,
                exact: bool = True) -> Artefact:
    return load_artefact(latest_path(models_dir, kind), kind, features, exact)
