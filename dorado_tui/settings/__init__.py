"""Configuration: pydantic models for every YAML file of a home, and a loader with exact errors.

Entry points: `load_config(home)` -> `Config` (raises `ConfigError` listing every problem),
`check_home(home)` -> `Report` (never raises for bad input), `registry.register(FileKind(...))`
to plug another file in, and `effective(config)` for where each value came from.
"""

from __future__ import annotations

from dorado_tui.settings.config import Config, build, load_config
from dorado_tui.settings.loader import LoadedFile, Report, check_home
from dorado_tui.settings.problems import Problem
from dorado_tui.settings.registry import FileKind, register

__all__ = ["Config", "FileKind", "LoadedFile", "Problem", "Report", "build", "check_home",
           "load_config", "register"]
