"""BTD — buy the dip (spot; profit in base): GRID's mirror for holders who want more coins.

Lines as GRID (arithmetic or geometric, `levels` N from `lower` to `upper`). Every order is
worth the same quote `Q` (investment / (N − 1), the investment valued at the start price when it
is in base). At the start the line nearest the price stays empty, sells of `Q / p_i` rest above
from base, and buys of `Q / p_i` below with quote obtained by selling base at market (or, for an
investment in quote, the sells' base is bought at market). A sell filled at p_i is answered by a
buy at p_{i−1} spending all it received; that buy, once filled, by a sell at p_i of only enough
base to get that quote back: the rest of the base is the profit. One round trip gains about
`Q·(1/p_{i−1} − 1/p_i)` base minus fees.

Parameters (`ctx.params`):
- `lower`, `upper` (required), `levels` (int 3–200, default 10), `spacing` ("arithmetic" |
  "geometric");
- `investment` (required) in `investmentCurrency` ("base", the default, or "quote");
- `trailingDown` (default false): at a close below `lower − step` (once every buy has filled),
  drop the highest line and its sell, add a line one step below and sell the freed base on the
  old bottom line; repeats while the close stays below; never below `floor`;
- `floor` (optional price below `lower`): where trailing down stops;
- `stopLoss`, `takeProfit` (optional prices): a close at or below / at or above cancels every
  order and buys base with all the quote at market, then ends the bot.

Example params:
    {"lower": 90, "upper": 110, "levels": 6, "investment": 5, "investmentCurrency": "base",
     "trailingDown": true, "floor": 60}

Choices where BOTS.md is silent:
- with fees, a buy spends what its sell received net of the fee (`R / (p·(1 + fee))` base) and
  the following sell returns exactly the quote the buy spent (`S / (p·(1 − fee))` base), so the
  quote in the grid never drifts; with no fee these are BOTS.md's `Q / p_{i−1}` and `Q / p_i`;
- a round trip is a sell then its buy; profit is realised when the buy fills; the initial buys
  realise against the base their quote was worth at the start fill;
- the market sell that funds the buys is rounded up to the lot, so the buys' reservations
  (price × qty × (1 + fee)) are covered; the preview's `capital` says what the account needs;
- trailing down uses the freed base as it is (the new sell is worth a little less than Q);
- stop-loss and take-profit trigger on the candle close and are not counted as round trips.
"""
from __future__ import annotations

from typing import Any, List, Union

from tradekit.bars import Bar
from tradekit.bots import gridcore
from tradekit.bots.orders import market
from tradekit.bots.params import Params, fmt, require
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Ending, Plan, check_order, money


class BtdBot(gridcore.GridLike):
    name = "btd"
    currency = "base"
    known = gridcore.RANGE_PARAMS + ("investmentCurrency", "trailingDown", "floor")

    def config(self, p: Params) -> dict:
        cfg = gridcore.range_config(p)
        floor = p.number("floor", None, above=0)
        require(floor is None or floor < cfg["lower"], "floor", f"must be below lower ({fmt(cfg['lower'])})")
        cfg.update({"investmentCurrency": p.choice("investmentCurrency", "base", ("base", "quote")),
                    "trailingDown": p.flag("trailingDown", False), "floor": floor})
        return cfg

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        lad, prices, empty = gridcore.range_lines(cfg, rules, price)
        n = cfg["levels"]
        in_base = cfg["investmentCurrency"] == "base"
        worth = cfg["investment"] * price if in_base else cfg["investment"]
        q = worth / (n - 1)
        state = gridcore.draft(lad, 0, n - 1, q, "base", False, price, rules.taker_fee)
        need = gridcore.min_investment(prices, rules, n - 1)
        hint = f"; raise the investment to about {fmt(need / price if in_base else need)} or use fewer levels"
        sells, buys = gridcore.seed(state, empty, rules, "investment", hint)
        buy_quote = sum(r[1] * r[2] for r in state["o"].values() if r[0] == "b") * (1 + rules.maker_fee)
        actions: List[dict] = []
        if in_base and buy_quote > 0:
            qty = rules.qty(buy_quote / (price * (1 - rules.taker_fee)), up=True)
            check_order(rules, qty, price, "investment", "the market sell that funds the buys", hint)
            actions.append(market("SELL", gridcore.INIT, quantity=qty))
            capital = {"base": money(sells + qty), "quote": 0.0}
        elif not in_base and sells > 0:
            qty = rules.qty(sells)
            check_order(rules, qty, price, "investment", "the market buy of the sells' base", hint)
            actions.append(market("BUY", gridcore.INIT, quantity=qty))
            capital = {"base": 0.0, "quote": money(qty * price * (1 + rules.taker_fee) + buy_quote)}
        else:
            capital = {"base": money(sells), "quote": money(buy_quote)}
        figures = {"investment": cfg["investment"], "investmentCurrency": cfg["investmentCurrency"],
                   "perOrder": money(q), "lines": prices, "capital": capital,
                   "maxPosition": {"quantity": money(sells + buys), "atPrice": prices[0]},
                   "floor": cfg["floor"], "stopLoss": cfg["stopLoss"], "takeProfit": cfg["takeProfit"]}
        return Plan(state, actions, figures)

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        cfg = state["cfg"]
        close = bar.close
        sl, tp = cfg["stopLoss"], cfg["takeProfit"]
        end = gridcore.price_ending(state, bar, rules, ctx.account, sl is not None and close <= sl,
                                    tp is not None and close >= tp)
        if end:
            return end
        if cfg["trailingDown"]:
            gridcore.trail_down(state, close, cfg["floor"] or 0.0, rules)
        return []


BOT = BtdBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
