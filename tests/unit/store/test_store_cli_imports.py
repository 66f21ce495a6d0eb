"""The store's command modules stay light at import time (`dorado --help` budget)."""

from __future__ import annotations

import subprocess
import sys


def test_store_commands_import_no_database_or_data_libraries() -> None:
    code = ("import sys, commands.db, commands.audit, commands.status; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'pandas', 'numpy', 'redis', "
            "'asyncpg', 'aiosqlite', 'dorado_tui.store') if m in sys.modules))")

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert out.strip() == "[]"
