"""The engine behind the operator console: `build_console_backend(home)` and
`build_console_scheduler(home, backend)`, as `dorado tui` and the tests build them."""

from __future__ import annotations

from dorado_tui.engine.console_backend.backend import EngineConsoleBackend, build_console_backend
from dorado_tui.engine.console_backend.core import BackendSettings, ConsoleCore
from dorado_tui.engine.console_backend.scheduler import build_console_scheduler

__all__ = ["BackendSettings", "ConsoleCore", "EngineConsoleBackend", "build_console_backend",
           "build_console_scheduler"]
