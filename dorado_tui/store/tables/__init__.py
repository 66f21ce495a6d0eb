"""Every store table, importable from one place; `metadata` is what the migrations describe."""

from __future__ import annotations

from dorado_tui.store.tables.audit import AuditHeadRow, AuditRow, LeaseRow
from dorado_tui.store.tables.base import metadata
from dorado_tui.store.tables.bots import (
    BotConfigRow,
    BotRow,
    BotTransitionRow,
    SignalRow,
    UniverseRow,
)
from dorado_tui.store.tables.candidates import AnnotationRow, CandidateRow, CandidateVerdictRow
from dorado_tui.store.tables.orders import FillQualityRow, FillRow, OrderIntentRow, OrderRow
from dorado_tui.store.tables.portfolio import (
    AccountSnapshotRow,
    PositionLegRow,
    PositionRow,
    TradeRow,
)
from dorado_tui.store.tables.risk import (
    BanditDecisionRow,
    BanditStateRow,
    RegimeRow,
    RiskEventRow,
    TradingStateRow,
)
from dorado_tui.store.tables.series import (
    FundingRateRow,
    HurstRow,
    IvHistoryRow,
    MacroFeatureRow,
    OhlcvRow,
)

__all__ = [
    "AccountSnapshotRow", "AnnotationRow", "AuditHeadRow", "AuditRow", "BanditDecisionRow", "BanditStateRow",
    "BotConfigRow", "BotRow", "BotTransitionRow", "CandidateRow", "CandidateVerdictRow",
    "FillQualityRow", "FillRow", "FundingRateRow", "HurstRow", "IvHistoryRow", "LeaseRow",
    "MacroFeatureRow", "OhlcvRow", "OrderIntentRow", "OrderRow", "PositionLegRow", "PositionRow",
    "RegimeRow", "RiskEventRow", "SignalRow", "TradeRow", "TradingStateRow", "UniverseRow",
    "metadata",
]
