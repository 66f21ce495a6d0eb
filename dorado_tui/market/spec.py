"""`MarketSpec`: what identifies a simulated world (seed and start date), saved under `state/`.

`dorado data simulate` writes the spec next to the history it stored, and the simulation venue
reads it back, so quotes, chains and fills continue the very path that is in the store.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from dorado_tui.domain.errors import ConfigError

SPEC_FILE = "market_sim.json"
DEFAULT_SEED = 7
DEFAULT_START = date(1995, 1, 3)


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """The identity of a simulated market: the same spec always yields the same world."""

    seed: int = DEFAULT_SEED
    start: date = DEFAULT_START

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed}")

    @classmethod
    def default(cls) -> MarketSpec:
        return cls()

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "start": self.start.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> MarketSpec:
        return cls(seed=int(str(data["seed"])), start=date.fromisoformat(str(data["start"])))


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a crash leaves either the old or the new content (temp + fsync + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save_spec(state_dir: Path, spec: MarketSpec) -> Path:
    path = state_dir / SPEC_FILE
    atomic_write_text(path, json.dumps(spec.to_json(), indent=2) + "\n")
    return path


def load_spec(state_dir: Path) -> MarketSpec | None:
    """The saved spec, or None when no history was simulated into this home."""
    path = state_dir / SPEC_FILE
    if not path.exists():
        return None
    try:
        return MarketSpec.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a valid market spec ({exc}); delete it or re-run "
                          "`dorado data simulate`") from exc
