"""Server-to-client message encoders: the field layouts ib_async's Decoder reads, by version.

Every encoder returns the message's fields (frame them with `wire.frame`). Layouts follow
`ib_async.decoder.Decoder` for server versions 157–178; the golden tests feed each one to that
decoder, so a shifted field fails a test instead of corrupting an order silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dorado_tui.venues.ibkr.gateway_sim.book import ContractSpec, Greeks
from dorado_tui.venues.ibkr.gateway_sim.wire import Field

#: IB's "unset double" on the wire (Java's Double.MAX_VALUE).
UNSET_DOUBLE_TEXT = "1.7976931348623157E308"


@dataclass(frozen=True, slots=True)
class WhatIfMargin:
    """Margin impact answered to a what-if order."""

    init_change: float
    maint_change: float
    equity_with_loan_change: float
    commission: float
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class OrderView:
    """What openOrder / completedOrder say about one order."""

    order_id: int
    client_id: int
    perm_id: int
    contract: ContractSpec
    action: str
    total_quantity: float
    order_type: str
    lmt_price: float | None
    tif: str
    account: str
    order_ref: str
    status: str
    filled: float = 0.0
    what_if: bool = False
    outside_rth: bool = False
    completed_time: str = ""
    completed_status: str = ""
    margin: WhatIfMargin | None = None


@dataclass(frozen=True, slots=True)
class ExecView:
    """One execution (a leg, or the BAG summary of a combo fill)."""

    exec_id: str
    order_id: int
    client_id: int
    perm_id: int
    contract: ContractSpec
    time: datetime
    account: str
    side: str  # BOT | SLD
    shares: float
    price: float
    cum_qty: float
    avg_price: float
    order_ref: str
    exchange: str = "SMART"


def ib_time(moment: datetime) -> str:
    """`YYYYMMDD HH:MM:SS UTC`, the explicit-zone form ib_async parses."""
    return moment.astimezone(UTC).strftime("%Y%m%d %H:%M:%S") + " UTC"


def _price(value: float | None) -> Field:
    return "" if value is None else value


class MessageEncoder:
    """Encoders for one negotiated server version."""

    def __init__(self, server_version: int) -> None:
        self.version = server_version

    # --- connection and errors -----------------------------------------------------------
    @staticmethod
    def handshake_reply(version: int, moment: datetime) -> list[Field]:
        return [version, ib_time(moment)]

    @staticmethod
    def next_valid_id(order_id: int) -> list[Field]:
        return [9, 1, order_id]

    @staticmethod
    def managed_accounts(accounts: Sequence[str]) -> list[Field]:
        return [15, 1, ",".join(accounts)]

    @staticmethod
    def current_time(moment: datetime) -> list[Field]:
        return [49, 1, int(moment.timestamp())]

    def error(self, req_id: int, code: int, message: str, advanced_json: str = "") -> list[Field]:
        fields: list[Field] = [4, 2, req_id, code, message]
        if self.version >= 166:
            fields.append(advanced_json)
        return fields

    # --- contracts -------------------------------------------------------------------------
    def contract_details(self, req_id: int, spec: ContractSpec) -> list[Field]:
        head: list[Field] = [10]
        if self.version < 164:
            head.append(8)
        head += [req_id, spec.symbol, spec.sec_type, spec.expiry, spec.strike, spec.right,
                 spec.exchange, spec.currency, spec.local_symbol, spec.trading_class or spec.symbol,
                 spec.trading_class or spec.symbol, spec.con_id, spec.min_tick]
        if self.version < 164:
            head.append(1)  # obsolete mdSizeMultiplier
        order_types = "LMT,MKT" if spec.sec_type != "IND" else ""
        head += [spec.multiplier, order_types, spec.exchange, 1, spec.under_con_id, spec.long_name,
                 spec.primary_exchange, spec.expiry[:6], "", "", "", spec.time_zone,
                 "", "", "", "", 0,  # tradingHours, liquidHours, evRule, evMultiplier, no secIds
                 1, spec.under_symbol, spec.under_sec_type, "26", spec.expiry, "COMMON"]
        if self.version == 163:
            head.append(1)
        if self.version >= 164:
            head += [1, 1, 1]  # minSize, sizeIncrement, suggestedSizeIncrement
        return head

    @staticmethod
    def contract_details_end(req_id: int) -> list[Field]:
        return [52, 1, req_id]

    @staticmethod
    def sec_def_opt_params(req_id: int, exchange: str, underlying_con_id: int, trading_class: str,
                           multiplier: str, expirations: Sequence[str],
                           strikes: Sequence[float]) -> list[Field]:
        return [75, req_id, exchange, underlying_con_id, trading_class, multiplier,
                len(expirations), *expirations, len(strikes), *strikes]

    @staticmethod
    def sec_def_opt_params_end(req_id: int) -> list[Field]:
        return [76, req_id]

    # --- market data -----------------------------------------------------------------------
    @staticmethod
    def market_data_type(req_id: int, data_type: int) -> list[Field]:
        return [58, 1, req_id, data_type]

    @staticmethod
    def tick_price(req_id: int, tick_type: int, price: float, size: float, mask: int = 0) -> list[Field]:
        return [1, 6, req_id, tick_type, price, size, mask]

    @staticmethod
    def tick_size(req_id: int, tick_type: int, size: float) -> list[Field]:
        return [2, 6, req_id, tick_type, size]

    @staticmethod
    def tick_generic(req_id: int, tick_type: int, value: float) -> list[Field]:
        return [45, 6, req_id, tick_type, value]

    @staticmethod
    def tick_option_computation(req_id: int, tick_type: int, greeks: Greeks) -> list[Field]:
        def val(x: float | None, missing: float) -> float:
            return missing if x is None else x

        return [21, req_id, tick_type, 0,  # tickAttrib 0: return-based IV
                val(greeks.implied_vol, -1.0), val(greeks.delta, -2.0),
                val(greeks.option_price, -1.0), val(greeks.pv_dividend, -1.0),
                val(greeks.gamma, -2.0), val(greeks.vega, -2.0), val(greeks.theta, -2.0),
                val(greeks.underlying_price, -1.0)]

    @staticmethod
    def tick_snapshot_end(req_id: int) -> list[Field]:
        return [57, 1, req_id]

    @staticmethod
    def historical_data(req_id: int, start: str, end: str,
                        bars: Sequence[tuple[str, float, float, float, float, float, float, int]]
                        ) -> list[Field]:
        fields: list[Field] = [17, req_id, start, end, len(bars)]
        for bar in bars:
            fields += list(bar)
        return fields

    # --- account and portfolio -------------------------------------------------------------
    @staticmethod
    def account_value(key: str, value: str, currency: str, account: str) -> list[Field]:
        return [6, 2, key, value, currency, account]

    @staticmethod
    def portfolio_value(spec: ContractSpec, position: float, market_price: float,
                        market_value: float, avg_cost: float, unrealized: float,
                        realized: float, account: str) -> list[Field]:
        return [7, 8, spec.con_id, spec.symbol, spec.sec_type, spec.expiry, spec.strike, spec.right,
                spec.multiplier, spec.primary_exchange, spec.currency, spec.local_symbol,
                spec.trading_class, position, market_price, market_value, avg_cost, unrealized,
                realized, account]

    @staticmethod
    def account_time(moment: datetime) -> list[Field]:
        return [8, 1, moment.astimezone(UTC).strftime("%H:%M")]

    @staticmethod
    def account_download_end(account: str) -> list[Field]:
        return [54, 1, account]

    @staticmethod
    def account_update_multi(req_id: int, account: str, key: str, value: str, currency: str) -> list[Field]:
        return [73, 1, req_id, account, "", key, value, currency]

    @staticmethod
    def account_update_multi_end(req_id: int) -> list[Field]:
        return [74, 1, req_id]

    @staticmethod
    def account_summary(req_id: int, account: str, tag: str, value: str, currency: str) -> list[Field]:
        return [63, 1, req_id, account, tag, value, currency]

    @staticmethod
    def account_summary_end(req_id: int) -> list[Field]:
        return [64, 1, req_id]

    @staticmethod
    def position(account: str, spec: ContractSpec, quantity: float, avg_cost: float) -> list[Field]:
        return [61, 3, account, spec.con_id, spec.symbol, spec.sec_type, spec.expiry, spec.strike,
                spec.right, spec.multiplier, spec.exchange, spec.currency, spec.local_symbol,
                spec.trading_class, quantity, avg_cost]

    @staticmethod
    def position_end() -> list[Field]:
        return [62, 1]

    # --- orders and executions -------------------------------------------------------------
    @staticmethod
    def order_status(order_id: int, status: str, filled: float, remaining: float,
                     avg_fill_price: float, perm_id: int, last_fill_price: float,
                     client_id: int, why_held: str = "") -> list[Field]:
        return [3, order_id, status, filled, remaining, avg_fill_price, perm_id, 0,
                last_fill_price, client_id, why_held, 0.0]

    @staticmethod
    def open_order_end() -> list[Field]:
        return [53, 1]

    @staticmethod
    def completed_orders_end() -> list[Field]:
        return [102]

    def exec_details(self, req_id: int, ex: ExecView) -> list[Field]:
        c = ex.contract
        fields: list[Field] = [
            11, req_id, ex.order_id, c.con_id, c.symbol, c.sec_type, c.expiry, c.strike, c.right,
            c.multiplier, ex.exchange, c.currency, c.local_symbol, c.trading_class,
            ex.exec_id, ib_time(ex.time), ex.account, ex.exchange, ex.side, ex.shares, ex.price,
            ex.perm_id, ex.client_id, 0, ex.cum_qty, ex.avg_price, ex.order_ref, "", "", "", 1]
        if self.version >= 178:
            fields.append(False)  # pendingPriceRevision
        return fields

    @staticmethod
    def exec_details_end(req_id: int) -> list[Field]:
        return [55, 1, req_id]

    @staticmethod
    def commission_report(exec_id: str, commission: float, currency: str,
                          realized_pnl: float | None = None) -> list[Field]:
        realized: Field = UNSET_DOUBLE_TEXT if realized_pnl is None else realized_pnl
        return [59, 1, exec_id, commission, currency, realized, UNSET_DOUBLE_TEXT, ""]

    def open_order(self, o: OrderView) -> list[Field]:
        c = o.contract
        fields: list[Field] = [5, o.order_id, *self._contract_head(c)]
        fields += [o.action, o.total_quantity, o.order_type, _price(o.lmt_price), "", o.tif, "",
                   o.account, "O", 0, o.order_ref, o.client_id, o.perm_id, o.outside_rth, False,
                   0.0, "", "", "", "", ""]
        if self.version < 177:
            fields.append("")  # faProfile
        fields += ["", "", "", "", "", 0, "", -1, 0, "", "", "", "", "",  # modelCode..stockRangeUpper
                   0, False, False, False, "", 0, False, False, "", 0, 0, "", "", "", ""]
        fields += [False, "", "", "", "", "", self._legs_description(c)]
        fields += [*self._combo_legs(c), 0, 0, "", "", ""]  # order combo legs, params, scale
        fields += [""]  # hedgeType
        fields += [False, "", "", False, False, ""]  # optOutSmartRouting..notHeld, dnc, algo
        fields += [False, o.what_if, o.status, *self._margin_fields(o), False, False, 0]
        fields += ["", "", "", "", "", "", "", 0, "", "", "", "", False, False, False, False]
        if self.version >= 159:
            fields.append("")
        if self.version >= 160:
            fields.append("")
        if self.version >= 162:
            fields.append(False)
        if self.version >= 170:
            fields += ["", "", "", "", ""]
        return fields

    def completed_order(self, o: OrderView) -> list[Field]:
        c = o.contract
        fields: list[Field] = [101, *self._contract_head(c)]
        fields += [o.action, o.total_quantity, o.order_type, _price(o.lmt_price), "", o.tif, "",
                   o.account, "O", 0, o.order_ref, o.perm_id, o.outside_rth, False, 0.0, "",
                   "", "", ""]
        if self.version < 177:
            fields.append("")
        fields += ["", "", "", "", "", 0, "", -1, "", "", "", "", "", 0, False, False, "", 0, 0,
                   "", "", "", ""]
        fields += [False, "", "", "", self._legs_description(c)]
        fields += [*self._combo_legs(c), 0, 0, "", "", ""]
        fields += ["", "", "", False, False, ""]  # hedgeType, clearing, notHeld, dnc, algo
        fields += [False, o.status, False, False, 0]
        fields += ["", "", "", False, False, "", o.filled, 0, False, "", False, False, 0,
                   o.completed_time, o.completed_status]
        if self.version >= 170:
            fields += ["", "", "", "", ""]
        return fields

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _contract_head(c: ContractSpec) -> list[Field]:
        return [c.con_id, c.symbol, c.sec_type, c.expiry, c.strike, c.right, c.multiplier,
                c.exchange, c.currency, c.local_symbol, c.trading_class]

    @staticmethod
    def _legs_description(c: ContractSpec) -> str:
        return ",".join(f"{leg.con_id}|{leg.ratio if leg.action == 'BUY' else -leg.ratio}"
                        for leg in c.combo_legs)

    @staticmethod
    def _combo_legs(c: ContractSpec) -> list[Field]:
        fields: list[Field] = [len(c.combo_legs)]
        for leg in c.combo_legs:
            fields += [leg.con_id, leg.ratio, leg.action, leg.exchange, 0, 0, "", -1]
        return fields

    @staticmethod
    def _margin_fields(o: OrderView) -> list[Field]:
        m = o.margin
        if m is None:
            return ["", "", "", "", "", "", "", "", "", UNSET_DOUBLE_TEXT, UNSET_DOUBLE_TEXT,
                    UNSET_DOUBLE_TEXT, "", ""]
        return ["", "", "", str(m.init_change), str(m.maint_change),
                str(m.equity_with_loan_change), "", "", "", m.commission, UNSET_DOUBLE_TEXT,
                UNSET_DOUBLE_TEXT, m.currency, ""]
