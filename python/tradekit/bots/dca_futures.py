"""DCA Futures bot (USDT-M perpetual, isolated margin; long or short; profit in quote).

DCA's deals (see dca.py) on futures: amounts are notional, each fill adds `notional / leverage`
margin, the take-profit (`avg·(1 ± tp)`) and the stop-loss (`avg·(1 ∓ sl)`, a stop-market) are
reduce-only orders resting on the exchange and moved after every fill. A short mirrors a long:
safety orders above the base order, take-profit below the average. The liquidation price
(ORDERS.md, isolated) is in the preview for every step and at full size, and kept in
`state["lp"]` after every fill; a liquidation ends the bot ("liquidation"), its margin lost.

Parameters: DCA's, as in dca.py (`baseOrder` and `safetyOrder` are notional; `maxSafetyOrders`,
`activeSafetyOrders`, `deviation`, `stepScale`, `volumeScale`, `takeProfit`,
`trailingDeviation`, `stopLoss`, `cooldown`, `start`, `strategy`, `reinvest`), plus
- `direction`: "long" (default) or "short";
- `leverage` (1–125, default 1);
- `investment` (the margin, quote): must cover the maximum margin plus fees.

Validation adds: after each fill the liquidation price must lie beyond the next safety order
(field "leverage"), and the stop-loss before the liquidation price ("stopLoss").

Example params:
    {"direction": "long", "leverage": 5, "baseOrder": 1000, "safetyOrder": 1000,
     "maxSafetyOrders": 3, "activeSafetyOrders": 3, "deviation": 0.02, "stepScale": 1,
     "volumeScale": 1.5, "takeProfit": 0.01, "investment": 1200}

Choices where BOTS.md is silent: as dca.py; the stop-loss here is a resting reduce-only stop
order (there is no base to reserve on futures); a liquidation realises the loss of the margin
and the fees paid in the deal.
"""
from __future__ import annotations

from tradekit.bots.dealcore import DEAL_PARAMS, DealBot


class DcaFuturesBot(DealBot):
    name = "dca_futures"
    market = "futures"
    currency = "quote"
    futures = True
    known = DEAL_PARAMS + ("direction", "leverage")


BOT = DcaFuturesBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
