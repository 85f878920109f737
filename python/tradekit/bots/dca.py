"""DCA bot (spot, long; profit in quote): buy, average down with safety orders, sell the whole
position at a take-profit above the average, repeat.

A deal starts with a market base order at a close (price P_BO). Safety order n (1-based) is a
limit buy at `P_BO·(1 − D_n)`, `D_n = d·(sⁿ − 1)/(s − 1)` (`n·d` when s = 1), worth
`SO·v^(n−1)` quote; `activeSafetyOrders` of them rest at a time, the next placed as one fills.
After every fill `avg = Σcost / Σqty` and the take-profit limit sell of the whole position
moves to `avg·(1 + tp)`. When it fills the deal is over: the safety orders are cancelled, the
cooldown runs and the next deal starts. Max capital: `BO + SO·(v^N − 1)/(v − 1)`.

Parameters (`ctx.params`; fractions: 0.01 = 1%):
- `baseOrder` (required, quote), `safetyOrder` (quote, default = baseOrder);
- `maxSafetyOrders` (int 0–50, default 0), `activeSafetyOrders` (int 1–maxSafetyOrders,
  default 1, as 3Commas);
- `deviation` d (0 < d < 1, default 0.01), `stepScale` s (0 < s ≤ 10, default 1),
  `volumeScale` v (0 < v ≤ 10, default 1);
- `takeProfit` tp (fraction of the average entry, default 0.01);
- `trailingDeviation` (optional, below tp): no resting take-profit; once a close reaches the TP
  price the bot follows the highest close and sells at market when a close falls that fraction
  below it;
- `stopLoss` (optional fraction below the average entry): a close at or below it sells the
  position at market and ends the bot ("stop-loss");
- `cooldown` (candles, 0–100000, default 0): the next deal starts at the close `cooldown`
  candles after the candle in which a deal ended (0: at that same close);
- `start`: "immediate" (default) or "signal" (a deal starts on a BUY signal of `strategy`);
- `reinvest` (default false): the next deals' orders grow by the realised profit, in proportion;
- `investment` (quote, default: the maximum capital): must cover the maximum capital plus fees.

Example params:
    {"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 3, "activeSafetyOrders": 3,
     "deviation": 0.01, "stepScale": 2, "volumeScale": 2, "takeProfit": 0.015, "investment": 810}

Choices where BOTS.md is silent:
- the base order is a market order for a base quantity (BO / close rounded down to the lot), so
  the take-profit placed in the same call can sell exactly what it buys; the safety orders are
  priced from that close, and the position's cost is corrected by the base order's fill;
- safety-order prices round to the nearest tick, the take-profit up (it never sells below
  avg·(1 + tp));
- the stop-loss is checked on the candle close (spot cannot hold a stop and the take-profit on
  the same base without OCO orders); it counts as a deal;
- profit is realised at the average cost: a take-profit that fills in the same candle as a
  safety order below it sells only what it was placed for, realising that share at the new
  average; the deal goes on with the rest, and a new take-profit at its average;
- after a trailing exit (a market sell at the close) the next deal starts at the next close at
  the earliest, not at the same price;
- "reinvest": BO and SO grow by the factor `1 + realised / capital`;
- "start: signal": the platform hands the bot the named strategy's signals of this candle as
  `ctx.signals` (a list of signal dicts); this is a proposal beyond contract v1. Signals while a
  deal runs or during the cooldown are ignored, as on 3Commas.
"""
from __future__ import annotations

from tradekit.bots.dealcore import DEAL_PARAMS, DealBot


class DcaBot(DealBot):
    name = "dca"
    market = "spot"
    currency = "quote"
    known = DEAL_PARAMS


BOT = DcaBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
