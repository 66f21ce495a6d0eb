"""Where the home is, what init copies, and how state/ is protected."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dorado_tui import home as home_mod
from dorado_tui.home import (
    STATE_GITIGNORE,
    Home,
    copy_missing,
    ensure_state,
    resolve_home,
    shipped_defaults,
)


def test_explicit_home_wins_over_environment_and_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd" / "config").mkdir(parents=True)
    monkeypatch.setenv("DORADO_HOME", str(tmp_path / "env"))

    found = resolve_home(tmp_path / "flag", cwd=tmp_path / "cwd")

    assert (found.root, found.source) == (tmp_path / "flag", "--home")


def test_environment_wins_over_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd" / "config").mkdir(parents=True)
    monkeypatch.setenv("DORADO_HOME", str(tmp_path / "env"))

    found = resolve_home(None, cwd=tmp_path / "cwd")

    assert (found.root, found.source) == (tmp_path / "env", "DORADO_HOME")


def test_cwd_is_the_home_only_when_it_holds_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(home_mod, "user_data_home", lambda: tmp_path / "data")
    (tmp_path / "with" / "config").mkdir(parents=True)
    (tmp_path / "without").mkdir()

    assert resolve_home(None, cwd=tmp_path / "with").root == tmp_path / "with"
    fallback = resolve_home(None, cwd=tmp_path / "without")
    assert (fallback.root, fallback.source) == (tmp_path / "data", "user data directory")


def test_user_data_home_is_platformdirs_dorado() -> None:
    from platformdirs import user_data_path

    assert home_mod.user_data_home() == user_data_path("dorado", appauthor=False)


def test_home_layout_derives_every_path_from_the_root(tmp_path: Path) -> None:
    h = Home.at(tmp_path)

    assert (h.config_dir, h.strategies_dir, h.state_dir) == (tmp_path / "config", tmp_path / "strategies",
                                                             tmp_path / "state")
    assert (h.db_path, h.models_dir, h.logs_dir, h.exports_dir) == (
        tmp_path / "state/dorado.db", tmp_path / "state/models", tmp_path / "state/logs",
        tmp_path / "state/exports")
    assert h.secrets_path == tmp_path / "secrets.yaml"


def test_shipped_defaults_come_from_the_source_tree_in_an_editable_install() -> None:
    defaults = shipped_defaults()

    assert defaults.origin == "source tree"
    assert (defaults.config_dir / "universe.yaml").is_file()
    assert (defaults.strategies_dir / "iron_condor.yaml").is_file()


def test_state_is_created_private_and_git_ignored(tmp_path: Path) -> None:
    h = Home.at(tmp_path)

    created = ensure_state(h)

    assert stat.S_IMODE(h.state_dir.stat().st_mode) == 0o700
    assert (h.state_dir / ".gitignore").read_text() == STATE_GITIGNORE
    assert set(created) == {h.state_dir, h.models_dir, h.logs_dir, h.exports_dir, h.state_dir / ".gitignore"}
    assert ensure_state(h) == []


def test_existing_state_is_tightened_to_0700(tmp_path: Path) -> None:
    h = Home.at(tmp_path)
    h.state_dir.mkdir(mode=0o755)
    h.state_dir.chmod(0o755)

    ensure_state(h)

    assert stat.S_IMODE(h.state_dir.stat().st_mode) == 0o700


def test_copy_missing_never_overwrites_an_operator_file(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "bots").mkdir(parents=True)
    (src / "a.yaml").write_text("default a")
    (src / "bots" / "b.yaml").write_text("default b")
    dst.mkdir()
    (dst / "a.yaml").write_text("mine")

    copied, kept = copy_missing(src, dst)

    assert copied == [dst / "bots" / "b.yaml"] and kept == [dst / "a.yaml"]
    assert (dst / "a.yaml").read_text() == "mine"
    assert (dst / "bots" / "b.yaml").read_text() == "default b"


def test_shipped_defaults_prefer_package_data_of_an_installed_wheel(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "dorado_tui"
    (package / "_defaults" / "config").mkdir(parents=True)
    (package / "_defaults" / "strategies").mkdir()

    defaults = shipped_defaults(package)

    assert defaults == home_mod.ShippedDefaults(package / "_defaults" / "config",
                                                package / "_defaults" / "strategies", "package data")
