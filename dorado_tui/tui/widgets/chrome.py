"""Screen chrome shared by every mode: the status bar, the screen tabs and the kill banner."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import DashboardSnapshot, JobView, SchedulerRole
from dorado_tui.tui import format as f
from dorado_tui.tui.keys import MODES

if TYPE_CHECKING:
    from dorado_tui.tui.app import DoradoConsole


def _console(widget: Widget) -> DoradoConsole:
    return cast("DoradoConsole", widget.app)


def exchange_zone(name: str) -> tzinfo:
    """The exchange time zone by IANA name; an unknown name falls back to New York, flagged upstream."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/New_York")


def _jobs_text(jobs: tuple[JobView, ...], tz: tzinfo) -> str:
    return ", ".join(f"{j.name} {j.next_run.astimezone(tz):%H:%M}" if j.next_run else f"{j.name} paused"
                     for j in jobs[:2])


Segment = tuple[int, Text, Text | None]  # priority, full text, shorter variant


def status_segments(snap: DashboardSnapshot | None, now: datetime, local_tz: tzinfo,
                    role: SchedulerRole | None, jobs: tuple[JobView, ...] | None) -> list[Segment]:
    """Pieces of the status bar; lower priority numbers survive narrow terminals longest."""
    if snap is None:
        return [(0, Text("connecting to the engine…", style="italic"), None),
                (0, Text(f"{f.clock(now, local_tz)} local"), None)]
    st = snap.status
    ex_tz = exchange_zone(st.exchange_tz)
    dot = Text("●", style="green") if st.connected else Text("○ DISCONNECTED", style=f.ALARM)
    state = st.trading.global_state
    role = role or st.scheduler_role
    jobs = st.next_jobs if jobs is None else jobs
    sched = Text(f"sched {role.value}" + (f": {_jobs_text(jobs, ex_tz)}" if jobs else ""))
    clock = Text(f"{f.clock(now, ex_tz)} · {f.clock(now, local_tz)}")
    return [(0, Text.assemble(dot, f" {st.venue} {st.venue_mode}"), Text.assemble(dot, f" {st.venue}")),
            (0, Text(state.value, style=f.STATE_STYLE[state]), None), (0, clock, None),
            (1, sched, Text(f"sched {role.value}")), (2, Text(f"store {st.store_url}", style="dim"), None),
            (3, Text(st.venue_detail, style="dim"), None)]


def fit_segments(segments: list[Segment], width: int, sep: str = " │ ") -> Text:
    """Join segments; when too wide, shorten the least important ones, then drop them."""
    kept = list(segments)
    while True:
        line = Text(sep).join(t for _, t, _ in kept)
        if line.cell_len <= width or len(kept) <= 1:
            break
        worst = max(p for p, _, _ in kept)
        shortenable = [i for i, (p, _, short) in enumerate(kept) if p == worst and short is not None]
        if shortenable:
            prio, _, short = kept[shortenable[-1]]
            kept[shortenable[-1]] = (prio, short or Text(), None)
        else:
            del kept[max(i for i, (p, _, _) in enumerate(kept) if p == worst)]
    line.truncate(width, overflow="ellipsis")
    return line


class StatusBar(Widget):
    """Venue and connection, trading state, exchange and local clock, scheduler, store."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    """

    def on_mount(self) -> None:
        app = _console(self)
        for attr in ("snapshot", "now", "scheduler_role", "next_jobs"):
            self.watch(app, attr, self._changed, init=False)

    def _changed(self) -> None:
        self.refresh()

    def render(self) -> Text:
        app = _console(self)
        segs = status_segments(app.snapshot, app.now, app.local_tz, app.scheduler_role, app.next_jobs)
        return fit_segments(segs, max(10, self.size.width - 1))


class NavBar(Static):
    """The seven screens with their number keys; the current one stands out (reverse, not colour)."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $boost; }
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def render(self) -> Text:
        wide = self.size.width >= 74
        out = Text()
        for mode, key, title in MODES:
            label = f" {key} {title if wide else title[:4]} "
            out.append(label, style="bold reverse" if mode == self.mode else "")
        return out


def banner_text(snap: DashboardSnapshot | None, pending: str | None) -> tuple[str, str] | None:
    """(css class, sentence) of the kill/halt banner, or None when trading is ACTIVE."""
    if pending is not None:
        return "-halted", pending
    if snap is None:
        return None
    tr = snap.trading
    if tr.global_state is TradingState.HALTED:
        text = tr.kill_banner or f"HALTED — {tr.reason or 'no new orders'}"
        return "-halted", f"■ {text} · resume: 5, R"
    if tr.global_state is TradingState.REDUCING:
        return "-reducing", f"REDUCING — only risk-reducing orders · {tr.reason}"
    return None


class KillBanner(Static):
    """The unmissable HALTED banner on every screen (and a quieter one for REDUCING)."""

    DEFAULT_CSS = """
    KillBanner { display: none; width: 1fr; content-align: center middle;
                 text-style: bold; }
    KillBanner.-halted { display: block; height: 3; border: heavy $error; background: $error 40%; }
    KillBanner.-reducing { display: block; height: 1; background: $warning 30%; }
    """

    def on_mount(self) -> None:
        app = _console(self)
        self.watch(app, "snapshot", lambda _v: self._show(), init=False)
        self.watch(app, "kill_pending", lambda _v: self._show(), init=False)
        self._show()

    def _show(self) -> None:
        app = _console(self)
        shown = banner_text(app.snapshot, app.kill_pending)
        self.set_class(shown is not None and shown[0] == "-halted", "-halted")
        self.set_class(shown is not None and shown[0] == "-reducing", "-reducing")
        self.update(shown[1] if shown else "")
