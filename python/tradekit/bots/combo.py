"""COMBO bot (futures, isolated; profit in quote): a grid above the price and DCA below it for
a long (mirrored for a short).

Lines at `P0·(1 + g)^k` above the start price and `P0·(1 − g)^k` below it, `levels` orders in
all, every one of the same notional `A = investment × leverage / levels`. Long: a market first
order opens a long equal to the sum of the grid's sells; the grid sells rest above (reduce-only)
and the DCA buys below. A grid sell filled is answered by a buy one line below (the grid
cycle); a DCA buy filled grows the position and its average, and a reduce-only sell of its
quantity is placed one line above it. A short mirrors everything (first order a market sell,
reduce-only buys below, DCA sells above). The stop-loss trails the best close in the
position's favour; the take-profit price closes everything; both end the bot.

Parameters (`ctx.params`):
- `direction`: "long" (default) or "short";
- `lower`, `upper` (prices, default 10% below / above the start price): the lines stay inside;
- `step` g (0.001–0.02, default 0.005), `levels` (int 10–40 orders in all, default 20): the
  orders take the lines nearest the price, one above and one below in turn, inside the range;
- `leverage` (1–125, default 1); `investment` (required, the margin, quote);
- `takeProfit` (optional price, above the start for a long, below for a short);
- `stopLoss` (optional fraction, always trailing): a close that far back from the best close
  since the start closes the position at market and ends the bot.

Validation adds: the range must hold `levels` lines; every step at least 2.01 × the maker fee;
every order at or above the symbol's minimums after rounding ("investment"); after each DCA
fill the liquidation price must lie beyond the next DCA order ("leverage").

Example params:
    {"direction": "long", "lower": 90, "upper": 110, "step": 0.01, "levels": 10,
     "leverage": 3, "investment": 1000, "takeProfit": 115, "stopLoss": 0.15}

Choices where BOTS.md is silent:
- the split between grid and DCA orders comes from the range: lines alternate above and below
  the price, nearest first, while they fit between lower and upper;
- realised profit is per lot (a reduce-only sell against its buy; the first order's lots
  against its market fill), the futures account's own realised P&L uses the average entry;
  their sums agree once the position is closed;
- stop-loss and take-profit are checked on the candle close and close at market (reduce-only);
  a liquidation realises the loss of the position's margin.
"""
from __future__ import annotations

from typing import Any, List, Union

from tradekit.bars import Bar
from tradekit.bots import gridcore
from tradekit.bots.accounting import realise
from tradekit.bots.fills import Fill
from tradekit.bots.futures import ladder_liquidations
from tradekit.bots.levels import Ladder, check_steps
from tradekit.bots.orders import market
from tradekit.bots.params import Params, fmt, require
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Ending, Plan, check_order, money


def split(price: float, lower: float, upper: float, g: float, levels: int, rules: Rules):
    """How many lines above and below the price the orders take (nearest first, in turn)."""
    lad = Ladder("combo", price, g)
    up = dn = 0
    more_up = more_dn = True
    while up + dn < levels and (more_up or more_dn):
        if more_up and (up <= dn or not more_dn):
            if lad.price(up + 1, rules) <= upper:
                up += 1
                continue
            more_up = False
        elif more_dn:
            if lad.price(-(dn + 1), rules) >= lower:
                dn += 1
                continue
            more_dn = False
    require(up + dn == levels, "levels",
            f"the range {fmt(lower)}–{fmt(upper)} holds only {up + dn} lines {fmt(100 * g)}% apart: "
            "widen the range, lower the step or use fewer levels")
    return lad, up, dn


class ComboBot(gridcore.GridLike):
    name = "combo"
    market = "futures"
    known = ("direction", "lower", "upper", "step", "levels", "leverage", "investment",
             "takeProfit", "stopLoss")

    def config(self, p: Params) -> dict:
        return {"direction": p.choice("direction", "long", ("long", "short")),
                "lower": p.number("lower", None, above=0), "upper": p.number("upper", None, above=0),
                "step": p.number("step", 0.005, lo=0.001, hi=0.02),
                "levels": p.integer("levels", 20, lo=10, hi=40),
                "leverage": p.number("leverage", 1.0, lo=1, hi=125),
                "investment": p.number("investment", above=0),
                "takeProfit": p.number("takeProfit", None, above=0),
                "stopLoss": p.number("stopLoss", None, above=0, below=1)}

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        long = cfg["direction"] == "long"
        lower = cfg["lower"] if cfg["lower"] is not None else price * 0.9
        upper = cfg["upper"] if cfg["upper"] is not None else price * 1.1
        require(lower < price, "lower", f"must be below the price {fmt(price)}, got {fmt(lower)}")
        require(upper > price, "upper", f"must be above the price {fmt(price)}, got {fmt(upper)}")
        tp = cfg["takeProfit"]
        require(tp is None or (tp > price if long else tp < price), "takeProfit",
                f"must be {'above' if long else 'below'} the price {fmt(price)}")
        lad, up, dn = split(price, lower, upper, cfg["step"], cfg["levels"], rules)
        check_steps(lad.prices(-dn, up, rules), rules.maker_fee, "step")
        lev = cfg["leverage"]
        a = cfg["investment"] * lev / cfg["levels"]
        state = gridcore.draft(lad, -dn, up, a, "long" if long else "short", True, price,
                               rules.taker_fee)
        state["best"] = price
        sells, buys = gridcore.seed(state, 0, rules, "investment",
                                    "; raise the investment or the leverage, or use fewer levels")
        first = rules.qty(sells if long else buys)
        check_order(rules, first, price, "investment", "the first order")
        book = state["o"].values()
        dca = sorted(((r[1], r[2]) for r in book if r[0] == ("b" if long else "s")),
                     key=lambda e: -e[0] if long else e[0])
        stages = ladder_liquidations(cfg["direction"], [(price, first)] + dca, lev, rules.mmr)
        notional = first * price + sum(p * q for p, q in dca)
        fees = first * price * rules.taker_fee + sum(r[1] * r[2] for r in book) * rules.maker_fee
        figures = {"investment": cfg["investment"], "leverage": lev, "perOrderNotional": money(a),
                   "lines": lad.prices(-dn, up, rules), "gridOrders": up if long else dn,
                   "dcaOrders": dn if long else up, "lower": lower, "upper": upper,
                   "margin": money(notional / lev + fees),
                   "maxPosition": {"quantity": money(stages[-1]["quantity"]),
                                   "notional": money(notional),
                                   "averageEntry": money(stages[-1]["averageEntry"])},
                   "liquidationPrice": money(stages[-1]["liquidationPrice"]),
                   "liquidationPriceAtStart": money(stages[0]["liquidationPrice"]),
                   "takeProfit": tp, "stopLoss": cfg["stopLoss"]}
        action = market("BUY" if long else "SELL", gridcore.INIT, quantity=first)
        return Plan(state, [action], figures)

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        cfg = state["cfg"]
        close = bar.close
        long = cfg["direction"] == "long"
        best = state["best"] = max(state["best"], close) if long else min(state["best"], close)
        tp, sl = cfg["takeProfit"], cfg["stopLoss"]
        stop = sl is not None and (close <= best * (1 - sl) if long else close >= best * (1 + sl))
        take = tp is not None and (close >= tp if long else close <= tp)
        return gridcore.price_ending(state, bar, rules, ctx.account, stop, take) or []

    def on_liquidation(self, state: dict, fill: Fill) -> None:
        """The position's margin is lost: the lots' entry value / leverage."""
        ini, long = state["ini"], state["mode"] == "long"
        closing = "s" if long else "b"
        value = 0.0
        for r in state["o"].values():
            if r[0][0] == closing:
                value += r[3] if r[3] is not None else r[2] * ini[0]
        realise(state, -(value / state["cfg"]["leverage"] + fill.fee), trip=False)
        state["stats"]["fees"] += fill.fee


BOT = ComboBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
