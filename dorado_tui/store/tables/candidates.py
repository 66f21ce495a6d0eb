"""Tables for scan candidates, the gate verdicts each one received, and operator annotations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint

from dorado_tui.store.tables.base import Field, Keyed, json_dict, json_list, utc


class CandidateRow(Keyed, table=True):
    """A resolved, scored trade proposal with all its economics (per combo unit)."""

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("user_id", "candidate_key"),
        Index(None, "user_id", "status"),
        Index(None, "scan_id"),
    )

    candidate_key: str
    scan_id: str
    bot_key: str = Field(index=True)
    underlying: str
    asset_class: str
    template: str
    strategy_layer: str = ""
    expiry: date | None = None
    dte: int | None = None
    credit: float
    max_loss: float
    max_profit: float
    width: float | None = None
    breakevens: list[float] = json_list()
    pop: float | None = None
    quantity: float = 1.0
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    direction: str | None = None
    data_quality: float = 1.0
    spread_quality: float = 0.0
    score: float = 0.0
    rank: int = 0
    confidence: str = "MED"
    variant: str = "delta"
    status: str = "proposed"
    status_reason: str = ""
    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    flags: list[str] = json_list()
    legs: list[dict[str, Any]] = json_list()
    score_parts: dict[str, float] = json_dict()
    created_at: datetime = utc()
    updated_at: datetime = utc()


class CandidateVerdictRow(Keyed, table=True):
    """One gate decision about one candidate (a persisted `Decision`)."""

    __tablename__ = "candidate_verdicts"
    __table_args__ = (UniqueConstraint("candidate_id", "position"),)

    candidate_id: int = Field(foreign_key="candidates.id", ondelete="CASCADE")
    position: int
    check: str
    passed: bool
    code: str
    reason: str
    figure: float | None = None
    limit: float | None = None
    details: dict[str, Any] = json_dict()


class AnnotationRow(Keyed, table=True):
    """The operator's reason for a selection (one-tap tag plus an optional note)."""

    __tablename__ = "annotations"

    candidate_key: str = Field(index=True)
    tag: str
    note: str = ""
    author: str = "operator"
    at: datetime = utc()
