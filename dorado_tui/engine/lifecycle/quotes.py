"""Fresh quotes for the instruments of an order or a position, from the venue that trades them.

Options are asked through the options port (quotes with Greeks and implied vol, never cached);
everything else through `get_quotes`. A missing quote is left out, never invented: pricing and
marking refuse what they cannot price.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dorado_tui.domain.instruments import Instrument, OptionContract
from dorado_tui.engine.lifecycle.pricing import LegQuote
from dorado_tui.venues.base import OptionsVenueAdapter, VenueAdapter


@dataclass(frozen=True)
class QuoteSet:
    """Quotes by symbol, the option contracts among them (Greeks), and the oldest quote time."""

    quotes: dict[str, LegQuote]
    options: dict[str, OptionContract]
    oldest: datetime | None
    underlying: dict[str, float]

    def marks(self) -> dict[str, float]:
        return {s: q.mid for s, q in self.quotes.items() if q.usable}


async def fetch_quotes(venue: VenueAdapter, instruments: Iterable[Instrument]) -> QuoteSet:
    """Quote every instrument (and the underlying of every option) on `venue`."""
    insts = list({i.symbol: i for i in instruments}.values())
    options = [i for i in insts if i.is_option]
    others = [i.symbol for i in insts if not i.is_option]
    others += sorted({i.underlying for i in options} - set(others))
    quotes: dict[str, LegQuote] = {}
    contracts: dict[str, OptionContract] = {}
    wanted = {i.symbol for i in insts}
    times: list[datetime] = []  # of the wanted instruments only: underlyings are context
    if options and isinstance(venue, OptionsVenueAdapter):
        for c in await venue.get_option_quotes(options):
            quotes[c.symbol] = LegQuote(c.bid, c.ask)
            contracts[c.symbol] = c
            times.append(c.quote_time)
    spots: dict[str, float] = {}
    if others:
        for q in await venue.get_quotes(others):
            spot = q.mid if q.is_two_sided else q.last
            if math.isfinite(spot):
                spots[q.symbol] = spot
            quotes[q.symbol] = LegQuote(q.bid, q.ask)
            if q.symbol in wanted:
                times.append(q.time)
    oldest = min(times) if times and wanted <= set(quotes) else None
    return QuoteSet(quotes, contracts, oldest, spots)
