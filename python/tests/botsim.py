"""Test scaffolding for the bots: a ctx as the platform builds it, an open-order list the bot's
intents are applied to, and fills the test declares ("the order tagged X filled at P").

Not a matching engine: nothing fills unless a test says so, except market orders, which fill at
the close of the call that placed them (reported with the next call, as the contract says).
Every intent is checked against the contract (fields, numbers, tags, duplicate open tags).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from types import ModuleType, SimpleNamespace
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

TAG = re.compile(r"^[A-Za-z0-9_.:-]{1,36}$")
T0 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000
TF_MS = {"1m": 60_000, "1h": 3_600_000}


def frame(times_ms: List[int], closes: List[float], highs: Optional[List[float]] = None,
          lows: Optional[List[float]] = None) -> pd.DataFrame:
    """A candle DataFrame laid out as the platform's: one float block, a symbol column, a UTC
    DatetimeIndex of open times."""
    highs = highs or closes
    lows = lows or closes
    opens = closes
    index = pd.DatetimeIndex(np.array(times_ms, dtype="datetime64[ms]").astype("datetime64[ns]"), tz="UTC")
    return pd.DataFrame({"open": opens, "high": highs, "low": lows, "close": closes,
                         "volume": [1.0] * len(closes), "symbol": ["BTCUSDT"] * len(closes)},
                        index=index)


class Sim:
    """One bot, its reference account as the bot sees it, and a log of every intent."""

    def __init__(self, bot: ModuleType, params: dict, rules: Optional[dict] = None,
                 market: str = "spot", timeframe: str = "1m", base: float = 0.0,
                 quote: float = 1e9, leverage: float = 1.0, frames: bool = True) -> None:
        self.bot, self.params, self.market, self.tf = bot, params, market, timeframe
        self.rules = {"tick_size": 0, "lot_step": 0, "min_qty": 0, "min_notional": 0,
                      "maker_fee": 0, "taker_fee": 0, "mmr": 0.005}
        self.rules.update(rules or {})
        self.state: Dict[str, Any] = {}
        self.open: List[dict] = []
        self.pending: List[dict] = []
        self.calls: List[List[dict]] = []
        self.time = T0
        self.base, self.quote = base, quote
        self.pos_qty, self.pos_entry, self.leverage = 0.0, 0.0, leverage
        self.signals: List[dict] = []
        self.frames = frames
        self.last_ctx: Any = None

    # ---- the ctx ----------------------------------------------------------------------------

    def ctx(self) -> SimpleNamespace:
        account = SimpleNamespace(market=self.market, open_orders=[dict(o) for o in self.open],
                                  fills=list(self.pending))
        if self.market == "spot":
            account.balances = {"base": {"free": self.base, "reserved": 0.0},
                                "quote": {"free": self.quote, "reserved": 0.0}}
            account.position = None
        else:
            account.balances = {"quote": {"free": self.quote, "reserved": 0.0}}
            account.position = None if abs(self.pos_qty) < 1e-12 else {
                "qty": self.pos_qty, "entry_price": self.pos_entry, "margin": None,
                "leverage": self.leverage, "liquidation_price": None}
        return SimpleNamespace(symbol="BTCUSDT", timeframe=self.tf,
                               candle_time=dt.datetime.fromtimestamp(self.time / 1000, dt.timezone.utc),
                               params=self.params, state=self.state, rules=self.rules,
                               account=account, signals=list(self.signals))

    def data(self, close: float, high: Optional[float], low: Optional[float]) -> Any:
        high = max(close, high if high is not None else close)
        low = min(close, low if low is not None else close)
        if self.frames:
            return frame([self.time - 60_000, self.time], [close, close], [high, high], [low, low])
        return {"time": [self.time], "close": [close], "high": [high], "low": [low]}

    # ---- a call -----------------------------------------------------------------------------

    def step(self, close: float, high: Optional[float] = None, low: Optional[float] = None,
             ctx: Any = None) -> List[dict]:
        """Call main at this candle's close, apply what it returns, advance one candle."""
        ctx = ctx or self.ctx()
        self.last_ctx = ctx
        self.pending = []
        out = self.bot.main(self.data(close, high, low), ctx)
        out = [] if out is None else out
        assert isinstance(out, list)
        self.apply(out, close)
        self.calls.append(out)
        encoded = json.dumps(self.state, allow_nan=False)
        assert len(encoded) <= 64 * 1024
        self.signals = []
        self.time += TF_MS[self.tf]
        return out

    def apply(self, intents: List[dict], close: float) -> None:
        for it in intents:
            action = it["action"]
            if action == "CANCEL_ALL":
                self.open = []
                continue
            tag = it["tag"]
            assert TAG.match(tag), tag
            if action == "CANCEL":
                before = len(self.open)
                self.open = [o for o in self.open if o["tag"] != tag]
                assert len(self.open) == before - 1, f"cancel of {tag}, which is not open"
                continue
            assert action in ("BUY", "SELL"), it
            kind = it["type"]
            assert ("quantity" in it) != ("quote" in it), it
            for key in ("quantity", "quote", "price", "stopPrice"):
                if key in it:
                    v = it[key]
                    assert isinstance(v, float) or isinstance(v, int), it
                    assert math.isfinite(v) and v > 0, it
            if "reduceOnly" in it:
                assert self.market == "futures", it
            assert all(o["tag"] != tag for o in self.open), f"duplicate-tag {tag}"
            side = action.lower()
            if kind == "market":
                qty = it["quantity"] if "quantity" in it else it["quote"] / close
                self._fill(tag, side, close, qty, qty * close * self.rules["taker_fee"])
                continue
            assert kind in ("limit", "stop"), it
            self.open.append({"tag": tag, "side": side, "type": kind,
                              "price": it.get("price"), "stop_price": it.get("stopPrice"),
                              "quantity": it["quantity"], "filled": 0.0,
                              "reduce_only": bool(it.get("reduceOnly"))})

    def fill(self, tag: str, price: Optional[float] = None) -> dict:
        """Declare the open order `tag` filled (at its limit or stop price, or `price`)."""
        order = self.order(tag)
        assert order is not None, f"{tag} is not open"
        self.open.remove(order)
        p = price if price is not None else (order["price"] or order["stop_price"])
        rate = self.rules["maker_fee"] if order["type"] == "limit" else self.rules["taker_fee"]
        return self._fill(tag, order["side"], p, order["quantity"], order["quantity"] * p * rate)

    def liquidate(self, price: float) -> None:
        qty = abs(self.pos_qty)
        self.open = []
        self.pending.append({"tag": "liquidation", "side": "sell" if self.pos_qty > 0 else "buy",
                             "price": price, "quantity": qty, "fee": 0.0, "time": self.time,
                             "liquidation": True})
        self.pos_qty = 0.0

    def _fill(self, tag: str, side: str, price: float, qty: float, fee: float) -> dict:
        f = {"tag": tag, "side": side, "price": price, "quantity": qty, "fee": fee,
             "time": self.time, "liquidation": False}
        self.pending.append(f)
        signed = qty if side == "buy" else -qty
        if self.market == "spot":
            self.base += signed
            self.quote -= signed * price + fee
        else:
            new = self.pos_qty + signed
            if self.pos_qty == 0 or (self.pos_qty > 0) == (signed > 0):
                self.pos_entry = (self.pos_entry * abs(self.pos_qty) + price * qty) / abs(new)
            elif abs(new) > 1e-12 and (new > 0) != (self.pos_qty > 0):
                self.pos_entry = price
            self.pos_qty = new
            self.quote -= fee
        return f

    # ---- looking --------------------------------------------------------------------------

    def order(self, tag: str) -> Optional[dict]:
        return next((o for o in self.open if o["tag"] == tag), None)

    def orders(self, side: Optional[str] = None) -> List[tuple]:
        """(side, price, quantity) of the open orders, sorted by price."""
        rows = [(o["side"], o["price"] or o["stop_price"], o["quantity"]) for o in self.open
                if side is None or o["side"] == side]
        return sorted(rows, key=lambda r: r[1])

    def tag_at(self, side: str, price: float) -> str:
        hits = [o["tag"] for o in self.open if o["side"] == side and
                abs((o["price"] or o["stop_price"]) - price) < 1e-9]
        assert len(hits) == 1, (side, price, self.open)
        return hits[0]

    @property
    def stats(self) -> dict:
        return self.state["stats"]


def placed(intents: List[dict]) -> List[tuple]:
    """(action, type, price, quantity) of the orders placed by a call, in order."""
    return [(i["action"], i["type"], i.get("price", i.get("stopPrice")), i.get("quantity", i.get("quote")))
            for i in intents if i["action"] in ("BUY", "SELL")]


def cancelled(intents: List[dict]) -> List[str]:
    return [i["tag"] for i in intents if i["action"] == "CANCEL"]
