"""Shared pieces of the configuration models: the strict base class and small checked types."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from dorado_tui.domain.regime import CRYPTO_REGIMES, FX_REGIMES, MACRO_REGIMES
from dorado_tui.settings.problems import closest, one_of, show


class Section(BaseModel):
    """Base of every configuration model: unknown keys are errors, values are immutable, and
    each field's docstring becomes its description (shown by `dorado config schema`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              validate_default=False)


def bad_value(message: str, got: object = None, allowed: str | None = None) -> PydanticCustomError:
    """A validation error that keeps `got` and `allowed` apart for the one-line message."""
    ctx: dict[str, Any] = {"message": message}
    if got is not None:
        ctx["got"] = show(got)
    if allowed is not None:
        ctx["allowed"] = allowed
    return PydanticCustomError("dorado", "{message}", ctx)


def _choice(options: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in options:
            hint = closest(value, options)
            message = f"unknown {what}" + (f", did you mean {hint!r}?" if hint else "")
            raise bad_value(message, value, one_of(options))
        return value

    return AfterValidator(check)


#: Regime labels a bot filter or template override may name: the macro HMM's, the FX model's and
#: the crypto trend model's.
REGIME_NAMES: tuple[str, ...] = (*MACRO_REGIMES, *FX_REGIMES, *CRYPTO_REGIMES)
RegimeName = Annotated[str, _choice(REGIME_NAMES, "regime")]
MacroRegime = Annotated[str, _choice(MACRO_REGIMES, "macro regime")]
FxRegime = Annotated[str, _choice(FX_REGIMES, "FX regime")]

#: Percent figures written as percents (2.0 means 2 %).
Percent = Annotated[float, Field(ge=0, le=100)]
Fraction = Annotated[float, Field(ge=0, le=1)]


def _calendar(value: str) -> str:
    from dorado_tui.settings.calendars import calendar_names, is_calendar

    if not is_calendar(value):
        hint = closest(value, calendar_names())
        message = "unknown exchange calendar" + (f", did you mean {hint!r}?" if hint else "")
        raise bad_value(message, value, "an exchange_calendars name such as XNYS, 24/5, 24/7")
    return value


#: An exchange_calendars name (XNYS for US equities and options, 24/5 for FX, 24/7 for crypto).
CalendarName = Annotated[str, AfterValidator(_calendar)]


def _zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_value("unknown time zone", value, "an IANA name such as America/New_York") from None
    return value


#: An IANA time-zone name.
TimeZoneName = Annotated[str, AfterValidator(_zone)]


def _ordered_pair(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise bad_value("range must be written [low, high]", list(value), "low ≤ high")
    return value


#: [low, high] with low ≤ high.
FloatRange = Annotated[tuple[float, float], AfterValidator(_ordered_pair)]
IntRange = Annotated[tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]],
                     AfterValidator(_ordered_pair)]


def _window(value: tuple[time, time]) -> tuple[time, time]:
    if value[0] >= value[1]:
        raise bad_value("time window must end after it starts",
                        f"{value[0]:%H:%M}–{value[1]:%H:%M}", "start < end")
    return value


#: [start, end] exchange-local times, start < end.
TimeWindow = Annotated[tuple[time, time], AfterValidator(_window)]
