"""The life of a bot, shared by all six: start, fills, the close, endings, validation, preview.

A bot subclasses `Bot` and implements `config` (read and check params), `plan` (the initial
orders and state, from the same code for the preview, the validation and the start),
`on_fill`, `on_close` and, for futures, `on_liquidation`. `Bot.main(data, ctx)` is the
strategy entry point the platform calls at every candle close.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

from tradekit.bars import Bar, last_bar
from tradekit.bots.accounting import new_stats, settle_exit
from tradekit.bots.errors import BotConfigError
from tradekit.bots.fills import Fill, completed
from tradekit.bots.orders import CANCEL_ALL, is_buy, reconcile
from tradekit.bots.params import Params
from tradekit.bots.rules import Rules

STATE_VERSION = 1
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def timeframe_ms(tf: str) -> int:
    """Length of a timeframe such as "1m", "4h", "1d", "1w" in ms."""
    try:
        return int(tf[:-1]) * _UNIT_MS[tf[-1]]
    except (KeyError, ValueError, IndexError, TypeError):
        raise BotConfigError("timeframe", f"unknown timeframe {tf!r}") from None


class Ending(NamedTuple):
    """The bot ends itself: why, and the intents that close it (CANCEL_ALL first)."""
    reason: str
    actions: List[dict]


class Plan(NamedTuple):
    """What a bot starts with: its first state (book included), the market orders of the start
    and the figures a preview shows."""
    state: dict
    market: List[dict]
    figures: dict


class Bot:
    """Base class of the six bots."""

    name = ""
    market = "spot"          # "spot" | "futures"
    currency = "quote"       # profit currency
    counter = "round_trips"  # or "deals"
    known: Sequence[str] = ()

    # ---- what each bot implements ---------------------------------------------------------

    def config(self, p: Params) -> dict:
        """Checked, normalised parameters (JSON-serialisable, kept in state["cfg"])."""
        raise NotImplementedError

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        """The start at `price`: every order checked against `rules` (BotConfigError)."""
        raise NotImplementedError

    def profit_currency(self, cfg: dict) -> str:
        """"quote" or "base": what `stats.realised` counts."""
        return self.currency

    def on_fill(self, state: dict, fill: Fill, rules: Rules, bar: Bar, ctx: Any) -> List[dict]:
        """Process one completed fill; returns market intents. Must ignore a fill it has already
        processed (its record left the book)."""
        raise NotImplementedError

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        """After the fills: trailing, take-profit, stop-loss, new deals."""
        return []

    def on_liquidation(self, state: dict, fill: Fill) -> None:
        """Book the loss of a liquidation (futures)."""

    # ---- the strategy entry point ---------------------------------------------------------

    def main(self, data: Any, ctx: Any) -> Optional[List[dict]]:
        state = ctx.state
        account = ctx.account
        if "ended" in state:
            for f in completed(account.fills, set(), state):
                settle_exit(state, f)
            return None
        bar = last_bar(data)
        rules = Rules.of(ctx.rules)
        if "v" not in state:
            cfg = self.config(Params(ctx.params, self.known))
            plan = self.plan(cfg, rules, bar.close)
            state.update(plan.state)
            state["v"] = STATE_VERSION
            state["cfg"] = cfg
            state["stats"] = new_stats(self.profit_currency(cfg), self.counter)
            market = _unless_applied(plan.market, state["o"], (), account.open_orders)
            return reconcile(state["o"], account.open_orders, market)
        before = set(state["o"])
        actions: List[dict] = []
        fills = account.fills
        if fills or state.get("pf"):
            tags = {o["tag"] for o in account.open_orders}
            for f in completed(fills, tags, state):
                if f.liquidation:
                    self.on_liquidation(state, f)
                    return self._end(state, Ending("liquidation", [CANCEL_ALL]), bar, ctx)
                if not settle_exit(state, f):
                    actions += self.on_fill(state, f, rules, bar, ctx)
        outcome = self.on_close(state, bar, rules, ctx)
        if isinstance(outcome, Ending):
            return self._end(state, outcome, bar, ctx)
        if outcome:
            actions += outcome
        if actions:
            actions = _unless_applied(actions, state["o"], before, account.open_orders)
        return reconcile(state["o"], account.open_orders, actions)

    def _end(self, state: dict, ending: Ending, bar: Bar, ctx: Any) -> List[dict]:
        state["o"] = {}
        state["ended"] = {"reason": ending.reason, "time": bar.time + timeframe_ms(ctx.timeframe)}
        return ending.actions

    # ---- validation and preview -----------------------------------------------------------

    def validate(self, params: Optional[Mapping[str, Any]], rules: Any, price: float) -> dict:
        """Check `params` for a start at `price` under `rules`; returns the normalised params.
        Raises BotConfigError naming the field."""
        return self._checked(params, rules, price)[0]

    def preview(self, params: Optional[Mapping[str, Any]], rules: Any, price: float) -> dict:
        """What starting at `price` would do, without placing anything (JSON-serialisable)."""
        cfg, plan = self._checked(params, rules, price)
        out = {"type": self.name, "market": self.market, "price": float(price), "params": cfg,
               "profitCurrency": self.profit_currency(cfg),
               "orders": order_rows(plan.state["o"], plan.market, float(price))}
        out.update(plan.figures)
        return out

    def _checked(self, params: Any, rules: Any, price: float):
        checked = Rules.of(rules)
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price) \
                or price <= 0:
            raise BotConfigError("price", f"must be a finite number > 0, got {price!r}")
        cfg = self.config(Params(params, self.known))
        return cfg, self.plan(cfg, checked, float(price))


def _unless_applied(actions: List[dict], book: dict, before: Any, open_orders: List[dict]) -> List[dict]:
    """Drop the market orders of a transition that was already applied. The book orders this
    call adds carry tags never used before; if all of them are already open, this very call ran
    before and its intents were applied (a replay with a state whose commit was lost), so its
    market orders filled then and must not be sent again."""
    new = [t for t in book if t not in before]
    if not new:
        return actions
    held = {o["tag"] for o in open_orders}
    if all(t in held for t in new):
        return [a for a in actions if a.get("type") != "market"]
    return actions


def order_rows(book: dict, market: List[dict], price: float) -> List[Dict[str, Any]]:
    """The preview's view of orders: the market orders (at `price`), then the book's."""
    return [_market_row(m, price) for m in market] + [_row(t, r) for t, r in book.items()]


def _row(tag: str, rec: list) -> Dict[str, Any]:
    code, price, qty = rec[0], rec[1], rec[2]
    row = {"tag": tag, "side": "buy" if is_buy(code) else "sell",
           "type": "limit" if code[0] in "bs" else "stop", "price": price, "quantity": qty,
           "quote": money(price * qty)}
    if code[-1] == "r":
        row["reduceOnly"] = True
    return row


def _market_row(m: dict, price: float) -> Dict[str, Any]:
    qty = m.get("quantity")
    quote = float(m["quote"]) if qty is None else money(qty * price)
    row = {"tag": m["tag"], "side": m["action"].lower(), "type": "market", "price": price,
           "quantity": qty if qty is not None else money(quote / price), "quote": quote}
    if m.get("reduceOnly"):
        row["reduceOnly"] = True
    return row


def check_order(rules: Rules, qty: float, price: float, field: str, what: str, hint: str = "") -> None:
    """BotConfigError on `field` when an order of `qty` at `price` breaks the symbol's minimums."""
    problem = rules.problem(qty, price)
    if problem:
        raise BotConfigError(field, f"{what}: {problem}{hint}")


def money(x: float) -> float:
    """A figure for a preview: 10 significant digits."""
    return float(f"{x:.10g}")
