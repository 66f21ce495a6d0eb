"""Import hygiene: the CLI's front door and the pure core stay free of heavy frameworks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY_FOR_HELP = ("pandas", "numpy", "sqlmodel", "sqlalchemy", "textual", "ib_async", "pydantic",
                  "ruamel", "exchange_calendars", "redis", "apscheduler")
FRAMEWORKS = ("textual", "ib_async", "sqlmodel", "redis", "apscheduler")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_nothing_heavy() -> None:
    loaded = _loaded_after("import commands.main")

    assert loaded.isdisjoint(HEAVY_FOR_HELP), loaded & set(HEAVY_FOR_HELP)


def test_rendering_help_loads_nothing_heavy() -> None:
    code = ("import sys\nsys.argv = ['dorado', '--help']\nimport commands.main as m\n"
            "try:\n    m.app()\nexcept SystemExit:\n    pass")

    loaded = _loaded_after(code)

    assert loaded.isdisjoint(HEAVY_FOR_HELP), loaded & set(HEAVY_FOR_HELP)


def test_pure_core_imports_no_framework() -> None:
    code = ("import importlib, pkgutil\n"
            "import dorado_tui.domain, dorado_tui.quant, dorado_tui.risk\n"
            "for pkg in (dorado_tui.domain, dorado_tui.quant, dorado_tui.risk):\n"
            "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(info.name)")

    loaded = _loaded_after(code)

    assert loaded.isdisjoint(FRAMEWORKS), loaded & set(FRAMEWORKS)
    assert "dorado_tui" in loaded
