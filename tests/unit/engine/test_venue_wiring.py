"""dorado.yaml's venue.ibkr reaches the IB adapter field by field, bad values are refused with the
file, line and reason, and `open_runtime` installs the reconciliation and alert hooks on an IB
trading venue (without connecting it)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.runtime import open_runtime
from dorado_tui.engine.venue_wiring import VenueWiring, ibkr_config
from dorado_tui.home import Home, initialize
from dorado_tui.settings import check_home
from dorado_tui.settings.config import load_config
from dorado_tui.settings.dorado import IbkrSettings
from dorado_tui.store.repos import audit as audit_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.ibkr.adapter import IBKRAdapter
from dorado_tui.venues.ibkr.outage import VenueAlert

#: Every venue.ibkr field at a value other than its default (and consistent with the others).
NON_DEFAULT = """\
venue:
  mode: {mode}
  ibkr:
    host: gw.internal
    paper_port: 7497
    live_port: 7496
    client_id: 23
    account: DU7654321
    connect_timeout_s: 7.5
    probe_client_id: 98
    request_timeout_s: 11
    order_ack_timeout_s: 3.5
    reconnect_initial_s: 2
    reconnect_max_s: 30
    outage_reducing_after_s: 60
    outage_halt_after_s: 600
    nightly_restart_start: "23:30"
    nightly_restart_minutes: 20
    nightly_restart_tz: Europe/Zurich
    heartbeat_interval_s: 45
    messages_per_second: 30
    message_burst: 12
    max_market_data_lines: 50
    chain_cache_s: 60
    chain_strike_window: 0.2
    chain_near_strikes: 6
    chain_min_abs_delta: 0.08
    chain_max_strikes: 60
    quote_wait_s: 3
    fx_interest_rates:
      USD: [0.043, 0.058]
      EUR: [0.021, 0.045]
"""


def _home(root: Path, dorado_yaml: str) -> Home:
    home = initialize(Home.at(root)).home
    path = home.config_dir / "dorado.yaml"
    _, _, tail = path.read_text().partition("\nstore:")
    path.write_text(dorado_yaml + "\nstore:" + tail)
    return home


def test_every_ibkr_setting_reaches_the_adapter_config(tmp_path: Path) -> None:
    config = load_config(_home(tmp_path / "h", NON_DEFAULT.format(mode="paper")))
    ib = config.dorado.venue.ibkr
    defaults = IbkrSettings()
    changed = {name for name in IbkrSettings.model_fields if getattr(ib, name) != getattr(defaults, name)}
    assert changed == set(IbkrSettings.model_fields)  # the fixture really moves every field

    mapped = ibkr_config(config)

    assert (mapped.mode, mapped.host, mapped.port, mapped.effective_port) == ("paper", "gw.internal", 7497, 7497)
    assert (mapped.client_id, mapped.account) == (23, "DU7654321")
    assert mapped.nightly_restart_start == time(23, 30)
    assert mapped.nightly_restart_tz == "Europe/Zurich"
    assert mapped.fx_interest_rates == {"USD": (0.043, 0.058), "EUR": (0.021, 0.045)}
    own = {"paper_port", "live_port", "account", "client_id", "probe_client_id"}
    for name in set(IbkrSettings.model_fields) - own:
        assert getattr(mapped, name) == getattr(ib, name), name
    assert ibkr_config(config, client_id=ib.probe_client_id).client_id == 98


def test_live_mode_takes_the_live_port_and_a_blank_account_means_the_only_one(tmp_path: Path) -> None:
    live = load_config(_home(tmp_path / "live", NON_DEFAULT.format(mode="live")))
    assert (ibkr_config(live).mode, ibkr_config(live).port) == ("live", 7496)

    plain = load_config(_home(tmp_path / "plain", "venue:\n  mode: paper\n"))
    mapped = ibkr_config(plain)
    assert (mapped.mode, mapped.port, mapped.account, mapped.client_id) == ("paper", 4002, "", 17)


@pytest.mark.parametrize(("ibkr", "expected"), [
    ("    outage_reducing_after_s: 600\n    outage_halt_after_s: 300\n",
     "config/dorado.yaml:2:3 venue.ibkr: outage_halt_after_s must exceed outage_reducing_after_s "
     "(got 300.0, allowed > 600)"),
    ("    messages_per_second: 45\n    message_burst: 9\n",
     "config/dorado.yaml:2:3 venue.ibkr: messages_per_second + message_burst exceeds IB's 50 "
     "messages/s (got 54.0, allowed ≤ 50)"),
    ("    probe_client_id: 17\n",
     "config/dorado.yaml:2:3 venue.ibkr: probe_client_id must differ from client_id (IB refuses a "
     "second session with the same clientId: error 326) (got 17)"),
    ("    reconnect_initial_s: 30\n    reconnect_max_s: 10\n",
     "config/dorado.yaml:2:3 venue.ibkr: reconnect_max_s must be at least reconnect_initial_s "
     "(got 10.0, allowed >= 30)"),
    ("    fx_interest_rates:\n      usd: [0.01, 0.02]\n",
     "config/dorado.yaml:3:5 venue.ibkr.fx_interest_rates: a currency is a three-letter upper-case "
     "ISO code (got 'usd', allowed e.g. USD)"),
    ("    fx_interest_rates:\n      USD: [0.05, 0.02]\n",
     "config/dorado.yaml:3:5 venue.ibkr.fx_interest_rates: USD: rates are [credit, debit] annual "
     "fractions, credit ≤ debit (got [0.05, 0.02], allowed -0.2 ≤ credit ≤ debit ≤ 0.5)"),
    ("    messages_per_second: 50\n",
     "config/dorado.yaml:3:26 venue.ibkr.messages_per_second: out of range (got 50, allowed 0 < x ≤ 49)"),
])
def test_a_bad_ibkr_value_is_refused_with_file_line_and_reason(tmp_path: Path, ibkr: str, expected: str) -> None:
    home = _home(tmp_path / "h", "venue:\n  ibkr:\n" + ibkr)

    errors = [str(p) for p in check_home(home, {}).errors]

    assert errors == [expected]


async def test_open_runtime_wires_an_ib_trading_venue_before_it_connects(tmp_path: Path) -> None:
    home = _home(tmp_path / "h", "venue:\n  mode: paper\n  ibkr:\n    paper_port: 4999\n    client_id: 31\n")
    clock = FixedClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    async with open_runtime(home, clock=clock, connect=False) as rt:
        venue = rt.venue
        assert isinstance(venue, IBKRAdapter)
        assert (venue.config.effective_port, venue.config.client_id) == (4999, 31)
        wiring = rt.services["venue_wiring"]
        assert isinstance(wiring, VenueWiring)
        assert venue.resync.hook == wiring.reconcile
        assert venue.link.on_alert == wiring.alert
        assert rt.twin_venue.name != "ibkr"  # paper twins never trade through IB

        # an outage past the halt window latches HALTED globally, audited with the venue as actor
        since = datetime(2026, 11, 20, 14, 40, tzinfo=UTC)
        await wiring.alert(VenueAlert("ibkr", TradingState.HALTED, "connection lost for 1200 s", 1200.0,
                                      clock.now(), "IB_OUTAGE", since))
        async with rt.db.read() as s:
            state = await risk_repo.get_trading_state(s)
            entries = await audit_repo.tail(s, 5)
        assert state.state is TradingState.HALTED and state.latched
        assert "connection lost for 1200 s" in state.reason
        assert any(e.actor == "venue:ibkr" for e in entries)
        assert wiring.alerts[-1].code == "IB_OUTAGE"


async def test_a_simulation_home_keeps_an_unwired_simulation_venue(tmp_path: Path) -> None:
    home = initialize(Home.at(tmp_path / "h")).home
    async with open_runtime(home, clock=FixedClock(datetime(2026, 11, 20, 15, 0, tzinfo=UTC)),
                            connect=False) as rt:
        assert rt.venue.name == "simulation"
        assert "venue_wiring" not in rt.services
