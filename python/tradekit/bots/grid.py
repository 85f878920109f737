"""GRID bot (spot; profit in quote): buy low and sell high on fixed price lines.

N price lines from `lower` to `upper`, arithmetic (`p_i = L + i·(U−L)/(N−1)`) or geometric
(`p_i = L·(U/L)^(i/(N−1))`), rounded to the tick. At the start the line nearest the price stays
empty, every line below gets a limit buy and every line above a limit sell, each worth
`Q = investment / (N − 1)` quote; the base for the sells is bought at market first. A buy
filled at p_i is answered by a sell of the same quantity at p_{i+1}; a sell filled at p_i by a
buy of `Q / p_{i−1}` at p_{i−1}. Each sell realises its lot: quantity × (sell − buy) minus
both fees.

Parameters (`ctx.params`):
- `lower`, `upper` (required): range bounds, 0 < lower < upper;
- `levels` (int, 3–200, default 10): number of price lines N;
- `spacing`: "arithmetic" (default) or "geometric";
- `investment` (required, quote): the reference capital;
- `trailingUp` (default false): at a close above `upper + step` (once every sell has filled),
  drop the lowest line and its buy, add a line one step above and put a buy worth Q on the old
  top; repeats while the close stays above; never trails down;
- `stopLoss`, `takeProfit` (optional prices): a close at or below / at or above ends the bot:
  every order is cancelled and the base is sold at market (ended.reason "stop-loss" /
  "take-profit").

Validation: lower < upper; levels in range; every step (after tick rounding) at least 2.01 ×
the maker fee; every order at or above the minimum quantity and notional after rounding
(field "investment"); stopLoss below and takeProfit above the start price.

Example params:
    {"lower": 90, "upper": 110, "levels": 6, "investment": 500, "spacing": "arithmetic",
     "trailingUp": true, "stopLoss": 80}

Choices where BOTS.md is silent:
- a tie between two lines equally near the start price leaves the lower one empty;
- a start price outside the range is allowed: every line then holds a buy (price above) or a
  sell (price below);
- sells of the start lots realise against the start's market fill (price and taker fee);
- stop-loss and take-profit trigger on the candle close (a spot grid's base is held by its
  sells, so a resting stop order could not reserve it) and sell the base at market; that exit
  is counted in `realised` but not as a round trip;
- when a buy and a sell both fill in one candle and their counter-orders meet on one line, both
  are placed; the sell is then below the market and fills at the next open, which restores one
  empty line;
- trailing moves at most 1,000 steps a call.
"""
from __future__ import annotations

from typing import Any, List, Union

from tradekit.bars import Bar
from tradekit.bots import gridcore
from tradekit.bots.orders import market
from tradekit.bots.params import Params, fmt
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Ending, Plan, check_order, money


class GridBot(gridcore.GridLike):
    name = "grid"
    known = gridcore.RANGE_PARAMS + ("trailingUp",)

    def config(self, p: Params) -> dict:
        return dict(gridcore.range_config(p), trailingUp=p.flag("trailingUp", False))

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        lad, prices, empty = gridcore.range_lines(cfg, rules, price)
        n = cfg["levels"]
        q = cfg["investment"] / (n - 1)
        state = gridcore.draft(lad, 0, n - 1, q, "long", False, price, rules.taker_fee)
        need = gridcore.min_investment(prices, rules, n - 1)
        hint = f"; raise the investment to about {fmt(need)} or use fewer levels"
        sells, buys = gridcore.seed(state, empty, rules, "investment", hint)
        actions = []
        if sells > 0:
            qty = rules.qty(sells)
            check_order(rules, qty, price, "investment", "the market buy of the sells' base", hint)
            actions.append(market("BUY", gridcore.INIT, quantity=qty))
        buy_quote = sum(r[1] * r[2] for r in state["o"].values() if r[0] == "b")
        steps = [b / a - 1 for a, b in zip(prices, prices[1:])]
        fee = rules.maker_fee
        figures = {
            "investment": cfg["investment"], "perOrder": money(q), "lines": prices,
            "emptyLine": prices[empty],
            "capital": {"quote": money(sells * price * (1 + rules.taker_fee) + buy_quote * (1 + fee)),
                        "base": 0.0},
            "maxPosition": {"quantity": money(sells + buys), "atPrice": prices[0]},
            "stepPercent": {"min": money(100 * min(steps)), "max": money(100 * max(steps))},
            "profitPerRoundTripPercent": {"min": money(100 * (min(steps) - fee * (2 + min(steps)))),
                                          "max": money(100 * (max(steps) - fee * (2 + max(steps))))},
            "stopLoss": cfg["stopLoss"], "takeProfit": cfg["takeProfit"],
        }
        return Plan(state, actions, figures)

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        cfg = state["cfg"]
        close = bar.close
        sl, tp = cfg["stopLoss"], cfg["takeProfit"]
        end = gridcore.price_ending(state, bar, rules, ctx.account, sl is not None and close <= sl,
                                    tp is not None and close >= tp)
        if end:
            return end
        if cfg["trailingUp"]:
            gridcore.trail_up(state, close, rules)
        return []


BOT = GridBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
