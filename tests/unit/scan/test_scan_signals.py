"""Webhook-style signals: every malformed field is named in the error; secrets are checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dorado_tui.domain.errors import BadInput
from dorado_tui.engine.scan.signals import parse_json, validate
from dorado_tui.home import Home, initialize
from dorado_tui.settings.config import Config, load_config

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
WEBHOOK_BOT = """\
bot:
  id: qqq-hook-01
  universe: calico-core
  underlying: QQQ
  strategy_template: put_credit_spread
  strategy_layer: L2_credit_spreads
  signal_mode: webhook
  signal_source: {type: webhook, schedule: null, webhook_secret: tradingview}
  timeout_hours: 4
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    home = initialize(Home.at(tmp_path_factory.mktemp("sig") / "home")).home
    (home.root / "config" / "bots" / "qqq-hook-01.yaml").write_text(WEBHOOK_BOT)
    return load_config(home, {"DORADO_WEBHOOK_SECRET_TRADINGVIEW": "s3cret"})


def check(config: Config, payload: dict[str, object]) -> str:
    with pytest.raises(BadInput) as err:
        validate(payload, config, NOW)
    return err.value.message


def test_valid_signal_keeps_its_id_direction_and_payload_without_the_secret(config: Config) -> None:
    sig = validate({"bot": "qqq-hook-01", "id": "tv-1", "direction": "long", "secret": "s3cret",
                    "time": "2026-03-10T15:00:00Z", "note": "breakout"}, config, NOW)

    assert (sig.signal_id, sig.bot_id, sig.direction, sig.authenticated) == ("tv-1", "qqq-hook-01", "long", True)
    assert sig.time == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert "secret" not in sig.payload


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "signal.bot: is required"),
    ({"bot": "nope"}, "signal.bot: unknown bot (configured: "),
    ({"bot": "spy-ic-01"}, "signal.bot: the bot takes scan signals only (signal_mode scan; set webhook or both) "
                           "(got 'spy-ic-01')"),
    ({"bot": "qqq-hook-01", "direction": "up"}, "signal.direction: must be one of long, short, neutral (got 'up')"),
    ({"bot": "qqq-hook-01", "action": "close"}, "signal.action: must be one of open (closes and adjustments belong "
                                                "to the lifecycle) (got 'close')"),
    ({"bot": "qqq-hook-01", "underlying": "SPY"}, "signal.underlying: bot qqq-hook-01 trades QQQ (got 'SPY')"),
    ({"bot": "qqq-hook-01", "time": "yesterday"}, "signal.time: must be an ISO-8601 timestamp with a zone, e.g. "
                                                  "2026-03-10T14:30:00Z (got 'yesterday')"),
    ({"bot": "qqq-hook-01", "time": "2026-03-10T15:00:00"}, "signal.time: needs a time zone (Z or +hh:mm)"),
    ({"bot": "qqq-hook-01", "time": "2026-03-10T09:00:00Z"}, "signal.time: is stale: older than the bot's 4 h "
                                                             "approval timeout"),
    ({"bot": "qqq-hook-01", "secret": "guess"}, "signal.secret: does not match the bot's webhook secret"),
    ({"bot": "qqq-hook-01", "price": "high"}, "signal.price: must be a number (got 'high')"),
    ({"bot": "qqq-hook-01", "size": 3}, "signal.size: unknown field (known: bot, id, action, direction"),
])
def test_bad_field_is_named_in_the_error(config: Config, payload: dict[str, object], message: str) -> None:
    assert check(config, payload).startswith(message)


def test_malformed_json_says_where() -> None:
    with pytest.raises(BadInput, match=r"signal: not valid JSON at line 1 column 9"):
        parse_json('{"bot": }')
    with pytest.raises(BadInput, match="signal: expected a JSON object, got list"):
        parse_json(json.dumps(["bot"]))


def test_signal_from_the_future_is_refused(config: Config) -> None:
    later = (NOW + timedelta(hours=1)).isoformat()

    assert check(config, {"bot": "qqq-hook-01", "time": later}).startswith("signal.time: is in the future")

