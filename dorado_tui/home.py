"""Dorado's home: where config/, strategies/ and state/ live, and where the shipped defaults are.

Resolution order (first that applies): an explicit `--home` / `DORADO_HOME`; the current
directory when it holds `config/`; the per-user data directory (platformdirs). Only the standard
library and platformdirs are imported here: `dorado --help` and every command start through it.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, replace
from pathlib import Path

#: Environment variable naming the home (the global `--home` option sets it too).
HOME_ENV = "DORADO_HOME"
APP_NAME = "dorado"
#: state/ holds the database, models, logs and exports: never in git, never readable by others.
STATE_GITIGNORE = "*\n!.gitignore\n"
STATE_MODE = 0o700
SECRETS_MODE = 0o600


@dataclass(frozen=True, slots=True)
class Home:
    """Every path Dorado reads or writes, derived from one root.

    `source` says how the root was chosen (shown by `dorado config show`). `state_dir` and its
    children default to `<root>/state/...`; `dorado.yaml`'s `paths:` section may move them
    (see `with_paths`).
    """

    root: Path
    source: str
    state_dir: Path
    models_dir: Path
    logs_dir: Path
    exports_dir: Path

    @classmethod
    def at(cls, root: Path, source: str = "--home") -> Home:
        """The home rooted at `root` with the default layout (state/ and its subfolders)."""
        state = root / "state"
        return cls(root, source, state, state / "models", state / "logs", state / "exports")

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def strategies_dir(self) -> Path:
        return self.root / "strategies"

    @property
    def db_path(self) -> Path:
        return self.state_dir / "dorado.db"

    @property
    def secrets_path(self) -> Path:
        return self.root / "secrets.yaml"

    def relative(self, path: Path) -> str:
        """`path` relative to the root when it lies inside it (how messages name files)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def with_paths(
        self,
        state: Path | None = None,
        models: Path | None = None,
        logs: Path | None = None,
        exports: Path | None = None,
    ) -> Home:
        """A copy with relocated directories: `state` relative to the root, the others to state."""
        state_dir = _under(self.root, state) if state is not None else self.root / "state"
        return replace(
            self,
            state_dir=state_dir,
            models_dir=_under(state_dir, models) if models is not None else state_dir / "models",
            logs_dir=_under(state_dir, logs) if logs is not None else state_dir / "logs",
            exports_dir=_under(state_dir, exports) if exports is not None else state_dir / "exports",
        )


def _under(base: Path, path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def user_data_home() -> Path:
    """The per-user data directory (e.g. ~/.local/share/dorado on Linux)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def resolve_home(explicit: Path | None = None, cwd: Path | None = None) -> Home:
    """Pick the home: `explicit` (--home), then $DORADO_HOME, then CWD with config/, then user data."""
    if explicit is not None:
        # Typer fills --home from $DORADO_HOME too, so the two cannot be told apart here.
        same = os.environ.get(HOME_ENV, "").strip() == str(explicit)
        return Home.at(_absolute(explicit), "--home / DORADO_HOME" if same else "--home")
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Home.at(_absolute(Path(env)), HOME_ENV)
    here = cwd if cwd is not None else Path.cwd()
    if (here / "config").is_dir():
        return Home.at(here.resolve(), "current directory")
    return Home.at(user_data_home(), "user data directory")


def _absolute(path: Path) -> Path:
    return path.expanduser().resolve()


@dataclass(frozen=True, slots=True)
class ShippedDefaults:
    """Where the default config/ and strategies/ that `dorado init` copies come from."""

    config_dir: Path
    strategies_dir: Path
    origin: str  # "package data" (wheel) or "source tree" (editable install)


def shipped_defaults(package: Path | None = None) -> ShippedDefaults:
    """The shipped defaults: package data in a wheel, else the repository's own folders.

    `package` is the dorado_tui package directory (default: this installation's).
    """
    package = package or Path(__file__).resolve().parent
    packaged = package / "_defaults"
    if (packaged / "config").is_dir():
        return ShippedDefaults(packaged / "config", packaged / "strategies", "package data")
    repo = package.parent
    return ShippedDefaults(repo / "config", repo / "strategies", "source tree")


def ensure_state(home: Home) -> list[Path]:
    """Create state/ (0700, contents git-ignored) and its subfolders; return what was created.

    An existing state/ is tightened to 0700: it holds the database and the audit trail.
    """
    created: list[Path] = []
    for directory in (home.state_dir, home.models_dir, home.logs_dir, home.exports_dir):
        if not directory.is_dir():
            directory.mkdir(parents=True, mode=STATE_MODE, exist_ok=True)
            created.append(directory)
    if stat.S_IMODE(home.state_dir.stat().st_mode) != STATE_MODE:
        home.state_dir.chmod(STATE_MODE)
    ignore = home.state_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text(STATE_GITIGNORE, encoding="utf-8")
        created.append(ignore)
    return created


def copy_missing(source: Path, target: Path) -> tuple[list[Path], list[Path]]:
    """Copy every file under `source` into `target` unless it already exists there.

    Returns (copied, kept): an operator's file is never overwritten.
    """
    copied: list[Path] = []
    kept: list[Path] = []
    if not source.is_dir():
        return copied, kept
    for src in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        dst = target / src.relative_to(source)
        if dst.exists():
            kept.append(dst)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied.append(dst)
    return copied, kept


def secrets_mode_problem(path: Path) -> str | None:
    """Why the secrets file's permissions are unsafe (readable by group/others), or None."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return f"secrets file is readable by others (mode {mode:04o}); run: chmod 600 {path}"
    return None


#: Written at the home's root when it has no .gitignore: secrets and runtime state stay out of git.
HOME_GITIGNORE = "# Dorado: never commit secrets or runtime state\nsecrets.yaml\nstate/\n"


@dataclass(frozen=True, slots=True)
class InitResult:
    """What `dorado init` did: copied defaults, kept operator files, created paths, store."""

    home: Home
    copied: tuple[Path, ...]
    kept: tuple[Path, ...]
    created: tuple[Path, ...]
    store_url: str  # password masked
    revision: str | None


def initialize(home: Home, defaults: ShippedDefaults | None = None) -> InitResult:
    """Create or complete a home; idempotent and never overwrites an operator's file.

    Order matters: defaults are copied, then the whole configuration is validated (ConfigError,
    exit 2, before state/ is touched), then state/ is created and the store migrated.
    """
    from dorado_tui.domain.errors import BadInput
    from dorado_tui.settings import load_config
    from dorado_tui.settings.provenance import mask_url

    source = defaults or shipped_defaults()
    if home.root.exists() and not home.root.is_dir():
        raise BadInput(f"the home {home.root} exists and is not a directory")
    home.root.mkdir(parents=True, exist_ok=True)
    copied, kept = copy_missing(source.config_dir, home.config_dir)
    more, kept_more = copy_missing(source.strategies_dir, home.strategies_dir)
    created: list[Path] = []
    ignore = home.root / ".gitignore"
    if not ignore.exists():
        ignore.write_text(HOME_GITIGNORE, encoding="utf-8")
        created.append(ignore)
    config = load_config(home)
    created += ensure_state(config.home)
    url = config.store_url()
    revision = migrate_store(url)
    return InitResult(config.home, tuple(copied + more), tuple(kept + kept_more), tuple(created),
                      mask_url(url), revision)


def migrate_store(url: str) -> str | None:
    """Bring the store to the newest schema; return the revision it is at."""
    from dorado_tui.domain.errors import DoradoError, StoreError
    from dorado_tui.settings.provenance import mask_url
    from dorado_tui.store import migrate

    try:
        migrate.upgrade(url)
        return migrate.current_revision(url)
    except DoradoError:
        raise
    except Exception as exc:  # driver errors vary (OSError, asyncpg, SQLAlchemy): one line
        raise StoreError(f"migrating the store at {mask_url(url)} failed: {type(exc).__name__}: {exc}") from exc
