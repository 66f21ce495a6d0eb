"""Run the console in a real terminal for the tmux tests: backend chosen by DORADO_TUI_TEST_BACKEND.

`recording` (default) serves the seeded snapshot with a frozen clock; `engine` builds the real
engine backend exactly as `dorado tui` does (needs `dorado_tui.engine.console_backend`). Tests only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ -> `tui.*` helpers


def main() -> None:
    from dorado_tui.domain.clock import FixedClock
    from dorado_tui.tui.app import create_app

    choice = os.environ.get("DORADO_TUI_TEST_BACKEND", "recording")
    if choice == "recording":
        from tui import seed
        from tui.fakes import RecordingBackend

        in_flight = int(os.environ.get("DORADO_TUI_TEST_IN_FLIGHT", "0"))
        app = create_app(RecordingBackend(in_flight=in_flight), clock=FixedClock(seed.ASOF),
                         local_tz=ZoneInfo("Europe/Zurich"))
    elif choice == "engine":
        from dorado_tui.engine.console_backend import build_console_backend
        from dorado_tui.home import resolve_home

        home = os.environ.get("DORADO_HOME")
        app = create_app(build_console_backend(resolve_home(Path(home) if home else None)))
    else:
        raise SystemExit(f"unknown DORADO_TUI_TEST_BACKEND {choice!r} (recording or engine)")
    app.run()


if __name__ == "__main__":
    main()
