"""tradekit: the strategy SDK for tradectl.

Signal helpers (`buy`, `sell`, `close`, `hold`) and order-intent helpers (`limit_buy`, `stop_sell`,
`cancel`, ... in tradekit.orders) build the dicts the platform validates. The pandas
indicators (`sma`, `ema`, `rsi`, `atr`) load on first use, so pure-Python strategies at isolation
'subinterpreter' can import tradekit without pulling in pandas.
"""
from tradekit.signals import buy, sell, close, hold, ACTIONS
from tradekit.orders import (market_buy, market_sell, limit_buy, limit_sell, stop_buy, stop_sell, cancel,
                             cancel_all)

__all__ = ["buy", "sell", "close", "hold", "ACTIONS", "market_buy", "market_sell", "limit_buy", "limit_sell",
           "stop_buy", "stop_sell", "cancel", "cancel_all", "sma", "ema", "rsi", "atr"]
__version__ = "0.1.0"

_INDICATORS = ("sma", "ema", "rsi", "atr")


def __getattr__(name):
    if name in _INDICATORS:
        from tradekit import indicators
        return getattr(indicators, name)
    raise AttributeError(f"module 'tradekit' has no attribute {name!r}")
