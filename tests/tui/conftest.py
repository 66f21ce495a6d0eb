"""TUI fixtures: the console over the recording backend, a frozen clock, and a way to wait for work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from dorado_tui.domain.clock import FixedClock
from dorado_tui.engine.console_views import ConsoleScheduler
from dorado_tui.tui.app import DoradoConsole, create_app
from dorado_tui.tui.format import set_monochrome
from tui import seed
from tui.fakes import RecordingBackend

LOCAL_TZ = ZoneInfo("Europe/Zurich")

# pytest-textual-snapshot 1.0 names its extension with syrupy < 4's `_file_extension`; syrupy 7
# reads `file_extension`, so without this the SVG snapshots are stored as `.raw` files.
SVGImageExtension.file_extension = "svg"


@pytest.fixture(autouse=True)
def _colour(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The root conftest sets NO_COLOR; console snapshots are taken in colour unless a test says so
    (and a NO_COLOR console's monochrome styles do not leak into the next test)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield
    set_monochrome(False)


def build_app(backend: RecordingBackend | None = None, *,
              scheduler: ConsoleScheduler | None = None) -> DoradoConsole:
    """The console as `dorado tui` builds it, over the recording backend and a frozen clock.

    The periodic refresh is set to an hour so tests decide when the snapshot is re-read.
    """
    return create_app(backend or RecordingBackend(), clock=FixedClock(seed.ASOF), scheduler=scheduler,
                      local_tz=LOCAL_TZ, refresh_seconds=3600.0)


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def make_app() -> Callable[..., DoradoConsole]:
    return build_app


async def settle(pilot: Pilot[None], *, skip: tuple[str, ...] = ("events", "quit")) -> None:
    """Wait until every worker (but the endless event pump and a quit dialog) has finished,
    then until the messages they posted have been handled."""
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        busy = [w for w in app.workers if w.group not in skip and not w.is_finished]
        if not busy:
            break
        try:
            await app.workers.wait_for_complete(busy)
        except WorkerCancelled:
            continue  # a newer read replaced a snapshot read (exclusive worker): wait for that one
    await pilot.pause()
    await pilot.pause()
