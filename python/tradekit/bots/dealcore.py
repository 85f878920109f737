"""The deal engine shared by DCA (spot, long) and DCA Futures (long or short).

A deal: a market base order at a close, safety orders at `P_BO·(1 ∓ D_n)` of `SO·v^(n−1)`
(quote, or notional on futures) with `activeSafetyOrders` resting at a time, and a take-profit
for the whole position at `avg·(1 ± tp)` moved after every fill. When the position is gone the
deal is over: the safety orders are cancelled, the cooldown runs, and the next deal starts
(on a close, or on a strategy's signal).

State: "deal" (number), "ph" ("on" | "wait"), "p0" (base price), "f" (safety orders filled),
"placed" (highest placed), "qty"/"cost"/"dfee" (position: quantity, Σ price·qty, fees paid),
"bo" (the base order's estimate until its fill comes), "ex" (exit tags), "tv" (exit version),
"trail" (best close since the take-profit price was reached), "end" (candle time the last deal
ended), "scale" (reinvest factor), "base" (the capital the scale is relative to), "dp" (profit
of the current deal), "lp" (liquidation price, futures).
"""
from __future__ import annotations

from typing import Any, List, Optional, Union

from tradekit.bars import Bar
from tradekit.bots.accounting import add_fee, expect_exit, realise
from tradekit.bots.fills import Fill
from tradekit.bots.futures import ladder_liquidations, liquidation_price
from tradekit.bots.ladder import ladder, max_capital, safety_order
from tradekit.bots.orders import CANCEL_ALL, market
from tradekit.bots.params import Params, fmt, require
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Bot, Ending, Plan, check_order, money, order_rows, timeframe_ms

DEAL_PARAMS = ("baseOrder", "safetyOrder", "maxSafetyOrders", "activeSafetyOrders", "deviation",
               "stepScale", "volumeScale", "takeProfit", "trailingDeviation", "stopLoss",
               "cooldown", "start", "strategy", "reinvest", "investment")


class DealBot(Bot):
    """DCA on spot (long) or futures (long/short, leverage, reduce-only exits)."""

    counter = "deals"
    futures = False

    # ---- parameters and the first deal ----------------------------------------------------

    def config(self, p: Params) -> dict:
        cfg: dict = {}
        if self.futures:
            cfg["direction"] = p.choice("direction", "long", ("long", "short"))
            cfg["leverage"] = p.number("leverage", 1.0, lo=1, hi=125)
        n = p.integer("maxSafetyOrders", 0, lo=0, hi=50)
        bo = p.number("baseOrder", above=0)
        tp = p.number("takeProfit", 0.01, above=0, hi=10)
        td = p.number("trailingDeviation", None, above=0)
        require(td is None or td < tp, "trailingDeviation",
                f"must be below takeProfit ({fmt(tp)}), got {fmt(td or 0)}")
        start = p.choice("start", "immediate", ("immediate", "signal"))
        strategy = p.text("strategy")
        require(start != "signal" or strategy is not None, "strategy",
                "is required when start is signal: name the strategy whose BUY starts a deal")
        cfg.update({
            "baseOrder": bo, "safetyOrder": p.number("safetyOrder", bo, above=0),
            "maxSafetyOrders": n,
            "activeSafetyOrders": p.integer("activeSafetyOrders", min(1, n), lo=min(1, n), hi=n),
            "deviation": p.number("deviation", 0.01, above=0, below=1),
            "stepScale": p.number("stepScale", 1.0, above=0, hi=10),
            "volumeScale": p.number("volumeScale", 1.0, above=0, hi=10),
            "takeProfit": tp, "trailingDeviation": td,
            "stopLoss": p.number("stopLoss", None, above=0, below=1),
            "cooldown": p.integer("cooldown", 0, lo=0, hi=100_000),
            "start": start, "strategy": strategy, "reinvest": p.flag("reinvest", False),
            "investment": p.number("investment", None, above=0)})
        return cfg

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        long = _dir(cfg) == "long"
        lev = cfg.get("leverage", 1.0)
        bo_qty = rules.qty(cfg["baseOrder"] / price)
        check_order(rules, bo_qty, price, "baseOrder", "the base order")
        sos = ladder(cfg["maxSafetyOrders"], price, cfg["safetyOrder"], cfg["deviation"],
                     cfg["stepScale"], cfg["volumeScale"], _dir(cfg), rules)
        for so in sos:
            require(so.price > 0, "deviation", f"safety order {so.n} would be {fmt(100 * so.deviation)}% "
                                               "below the base order: lower deviation, stepScale or "
                                               "maxSafetyOrders")
            check_order(rules, so.qty, so.price, "safetyOrder", f"safety order {so.n}")
        entries = [(price, bo_qty)] + [(so.price, so.qty) for so in sos]
        if self.futures:
            stages = ladder_liquidations(_dir(cfg), entries, lev, rules.mmr)
        else:
            stages, qty, cost = [], 0.0, 0.0
            for p, q in entries:
                qty, cost = qty + q, cost + p * q
                stages.append({"quantity": qty, "averageEntry": cost / qty})
        fees = price * bo_qty * rules.taker_fee + sum(so.price * so.qty for so in sos) * rules.maker_fee
        notional = sum(p * q for p, q in entries)
        need = notional / lev + fees
        table = []
        for so, stage in zip(sos, stages[1:]):
            row = {"n": so.n, "deviationPercent": money(100 * so.deviation), "price": so.price,
                   "quote": money(so.quote), "quantity": so.qty,
                   "averageEntry": money(stage["averageEntry"]),
                   "takeProfitPrice": _tp_price(stage["averageEntry"], cfg, rules)}
            if self.futures:
                row["margin"] = money(stage["margin"])
                row["liquidationPrice"] = money(stage["liquidationPrice"])
            table.append(row)
        if self.futures and cfg["stopLoss"] is not None:
            for stage in stages:
                sl = stage["averageEntry"] * (1 - cfg["stopLoss"] if long else 1 + cfg["stopLoss"])
                lp = stage["liquidationPrice"]
                require((sl > lp) if long else (sl < lp), "stopLoss",
                        f"the stop at {fmt(sl)} lies beyond the liquidation price {fmt(lp)}: "
                        "lower the stopLoss or the leverage")
        investment = cfg["investment"]
        what = "margin" if self.futures else "capital"
        require(investment is None or investment >= need * (1 - 1e-9), "investment",
                f"{fmt(investment or 0)} does not cover the deal's maximum {what} "
                f"{fmt(need)} (all safety orders filled, fees included)")
        state = {"o": {}, "n": 0, "deal": 0, "ph": "wait", "scale": 1.0, "base": need, "end": None,
                 "fut": self.futures}
        deal = dict(state)
        actions = open_deal(deal, cfg, price, rules)
        waiting = cfg["start"] == "signal"
        if not waiting:
            state = deal
        full = stages[-1]
        figures = {
            "investment": investment if investment is not None else money(need),
            "maxCapital": money(max_capital(cfg["baseOrder"], cfg["safetyOrder"],
                                            cfg["maxSafetyOrders"], cfg["volumeScale"])),
            "takeProfitPrice": _tp_price(price, cfg, rules),
            "safetyOrders": table,
            "maxPosition": {"quantity": money(full["quantity"]), "notional": money(notional),
                            "averageEntry": money(full["averageEntry"])},
            "startsOn": "signal" if waiting else "close",
        }
        if waiting:  # nothing is placed before the first signal; show what each deal places
            figures["dealOrders"] = order_rows(deal["o"], actions, price)
            actions = []
        if self.futures:
            figures["margin"] = money(need)
            figures["leverage"] = lev
            figures["liquidationPrice"] = money(full["liquidationPrice"])
            figures["liquidationPriceAfterBaseOrder"] = money(stages[0]["liquidationPrice"])
        else:
            figures["capital"] = {"quote": money(need), "base": 0.0}
        return Plan(state, actions, figures)

    # ---- running --------------------------------------------------------------------------

    def on_fill(self, state: dict, fill: Fill, rules: Rules, bar: Bar, ctx: Any) -> List[dict]:
        tag = fill.tag
        bo = state.get("bo")
        if bo is not None and tag == f"bo{state['deal']}":
            est_price, est_qty, est_fee = bo
            state["bo"] = None
            state["qty"] += fill.qty - est_qty
            state["cost"] += fill.qty * fill.price - est_qty * est_price
            state["dfee"] += fill.fee - est_fee
            add_fee(state, fill.fee, fill.price)
            return []
        rec = state["o"].pop(tag, None)
        if rec is None:
            return []
        add_fee(state, fill.fee, fill.price)
        if tag.startswith("so"):
            state["qty"] += fill.qty
            state["cost"] += fill.qty * fill.price
            state["dfee"] += fill.fee
            state["f"] += 1
            place_next(state, state["cfg"], rules)
        else:  # take-profit or stop-loss: the position shrinks
            reduce(state, fill)
            if tag.startswith("sl"):
                state["stop"] = "stop-loss"
        return []

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        cfg = state["cfg"]
        close = bar.close
        if state.get("stop"):
            return self._close_position(state, close, rules, state["stop"])
        if state["ph"] == "on":
            if state["bo"] is None and _gone(state, rules, close):
                end_deal(state, bar.time)
            else:
                long = _dir(cfg) == "long"
                avg = state["cost"] / state["qty"]
                sl = cfg["stopLoss"]
                if sl is not None and not self.futures and close <= avg * (1 - sl):
                    return self._close_position(state, close, rules, "stop-loss")
                td = cfg["trailingDeviation"]
                if td is not None and self._trailing_exit(state, close, avg, long, td):
                    return self._exit_deal(state, bar, rules)
                set_exits(state, cfg, rules)
                if self.futures:
                    margin = state["cost"] / cfg.get("leverage", 1.0)
                    state["lp"] = liquidation_price(_dir(cfg), state["qty"], avg, margin, rules.mmr)
                return []
        if state["ph"] == "wait" and self._may_start(state, cfg, bar, ctx):
            return open_deal(state, cfg, close, rules)
        return []

    def on_liquidation(self, state: dict, fill: Fill) -> None:
        margin = state.get("cost", 0.0) / state["cfg"].get("leverage", 1.0)
        realise(state, -(margin + state.get("dfee", 0.0) + fill.fee))
        add_fee(state, fill.fee, fill.price or 1.0)
        state["qty"] = state["cost"] = 0.0

    # ---- pieces ---------------------------------------------------------------------------

    def _trailing_exit(self, state: dict, close: float, avg: float, long: bool, td: float) -> bool:
        """Trailing take-profit: arm once a close reaches the TP price, follow the best close,
        exit when a close falls `td` back from it."""
        tp = state["cfg"]["takeProfit"]
        trail = state.get("trail")
        if trail is None:
            if (long and close >= avg * (1 + tp)) or (not long and close <= avg * (1 - tp)):
                state["trail"] = close
            return False
        trail = max(trail, close) if long else min(trail, close)
        state["trail"] = trail
        return close <= trail * (1 - td) if long else close >= trail * (1 + td)

    def _exit_deal(self, state: dict, bar: Bar, rules: Rules) -> List[dict]:
        tag = f"tx{state['deal']}"
        action = self._market_close(state, bar.close, rules, tag)
        end_deal(state, bar.time)
        return action

    def _close_position(self, state: dict, close: float, rules: Rules, reason: str) -> Ending:
        actions = [CANCEL_ALL] + self._market_close(state, close, rules, "close")
        realise(state, 0.0)  # the deal is over
        return Ending(reason, actions)

    def _market_close(self, state: dict, close: float, rules: Rules, tag: str) -> List[dict]:
        """Close the position at market, booked at the close until the fill comes."""
        qty = rules.qty(state.get("qty", 0.0))
        if qty <= 0:
            return []
        long = _dir(state["cfg"]) == "long"
        fee = qty * close * rules.taker_fee
        reduce(state, Fill(tag, "", close, qty, fee, 0))
        state["stats"]["fees"] += fee
        expect_exit(state, tag, "s" if long else "b", close, qty, fee)
        return [market("SELL" if long else "BUY", tag, quantity=qty, reduce_only=self.futures)]

    def _may_start(self, state: dict, cfg: dict, bar: Bar, ctx: Any) -> bool:
        end = state.get("end")
        if end is not None and bar.time - end < cfg["cooldown"] * timeframe_ms(ctx.timeframe):
            return False
        if cfg["start"] == "immediate":
            return True
        want = "BUY" if _dir(cfg) == "long" else "SELL"
        return any(s.get("action") == want for s in getattr(ctx, "signals", None) or ())


def _dir(cfg: dict) -> str:
    return cfg.get("direction", "long")


def _tp_price(avg: float, cfg: dict, rules: Rules) -> float:
    if _dir(cfg) == "long":
        return rules.price(avg * (1 + cfg["takeProfit"]), "up")
    return rules.price(avg * (1 - cfg["takeProfit"]), "down")


def _gone(state: dict, rules: Rules, close: float) -> bool:
    """The position is closed, or what is left cannot be sold (dust under the minimums)."""
    qty = rules.qty(state["qty"])
    return qty <= 0 or rules.problem(qty, close) is not None


def open_deal(state: dict, cfg: dict, price: float, rules: Rules) -> List[dict]:
    """Start the next deal at `price`: the base order at market, the first safety orders and the
    exits. Returns the market intent."""
    k = state["deal"] + 1
    qty = rules.qty(cfg["baseOrder"] * state["scale"] / price)
    fee = qty * price * rules.taker_fee
    state.update({"deal": k, "ph": "on", "p0": price, "f": 0, "placed": 0, "qty": qty,
                  "cost": qty * price, "dfee": fee, "bo": [price, qty, fee], "ex": [None, None],
                  "tv": 0, "trail": None, "dp": 0.0, "o": {}})
    for _ in range(cfg["activeSafetyOrders"]):
        place_next(state, cfg, rules)
    set_exits(state, cfg, rules)
    side = "BUY" if _dir(cfg) == "long" else "SELL"
    return [market(side, f"bo{k}", quantity=qty)]


def place_next(state: dict, cfg: dict, rules: Rules) -> None:
    """Place the next safety order of the deal, if any is left."""
    n = state["placed"] + 1
    if n > cfg["maxSafetyOrders"]:
        return
    so = safety_order(n, state["p0"], cfg["safetyOrder"] * state["scale"], cfg["deviation"],
                      cfg["stepScale"], cfg["volumeScale"], _dir(cfg), rules)
    state["placed"] = n
    if so.qty > 0 and so.price > 0:
        code = "b" if _dir(cfg) == "long" else "s"
        state["o"][f"so{state['deal']}.{n}"] = [code, so.price, so.qty, None, n]


def set_exits(state: dict, cfg: dict, rules: Rules) -> None:
    """Move the take-profit (and, on futures, the reduce-only stop-loss) to the position's
    average; a change gets new tags (`tp<deal>.<version>`), so the old order is cancelled."""
    qty = rules.qty(state["qty"])
    long = _dir(cfg) == "long"
    ro = "r" if state.get("fut") else ""
    want: List[Optional[list]] = [None, None]
    if qty > 0:
        avg = state["cost"] / state["qty"]
        if cfg["trailingDeviation"] is None:
            want[0] = ["s" if long else "b", _tp_price(avg, cfg, rules), qty]
        if cfg["stopLoss"] is not None and state.get("fut"):
            sl = avg * (1 - cfg["stopLoss"]) if long else avg * (1 + cfg["stopLoss"])
            want[1] = ["S" if long else "B", rules.price(sl), qty]
    book, ex = state["o"], state["ex"]
    have = [book.get(t) if t else None for t in ex]
    if all((h is None and w is None) or (h is not None and w is not None and h[:3] == [w[0] + ro, w[1], w[2]])
           for h, w in zip(have, want)):
        return
    for t in ex:
        if t:
            book.pop(t, None)
    state["tv"] += 1
    for i, (prefix, w) in enumerate(zip(("tp", "sl"), want)):
        if w is None:
            ex[i] = None
            continue
        tag = f"{prefix}{state['deal']}.{state['tv']}"
        book[tag] = [w[0] + ro, w[1], w[2], None, None]
        ex[i] = tag


def reduce(state: dict, fill: Fill) -> None:
    """The position shrinks by `fill` (average-cost accounting): realise that share."""
    qty = state["qty"]
    if qty <= 0:
        return
    x = min(fill.qty, qty)
    share = x / qty
    cost, dfee = state["cost"] * share, state["dfee"] * share
    if _dir(state["cfg"]) == "long":
        profit = x * fill.price - fill.fee - cost - dfee
    else:
        profit = cost - x * fill.price - fill.fee - dfee
    realise(state, profit, trip=False)
    state["dp"] = state.get("dp", 0.0) + profit
    state["qty"], state["cost"], state["dfee"] = qty - x, state["cost"] - cost, state["dfee"] - dfee


def end_deal(state: dict, time: int) -> None:
    """The deal is over: count it, drop its orders, start the cooldown, grow the next deal by
    the profit so far when reinvest is on."""
    realise(state, 0.0)
    state.update({"ph": "wait", "end": time, "o": {}, "qty": 0.0, "cost": 0.0, "dfee": 0.0,
                  "trail": None, "bo": None})
    if state["cfg"]["reinvest"]:
        state["scale"] = 1.0 + max(0.0, state["stats"]["realised"]) / state["base"]
