"""pytest for python/strategies/breakout_trailing.py: a resting stop entry above the breakout
level, replaced by tag when the level moves, then a trailing stop that only moves up."""
import importlib.util
import os
from types import SimpleNamespace

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("breakout_trailing", os.path.join(HERE, "..", "strategies", "breakout_trailing.py"))
strategy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(strategy)


def frame(highs, closes):
    index = pd.date_range("2024-01-01", periods=len(closes), freq="1min", tz="UTC")
    return pd.DataFrame({"open": closes, "high": highs, "low": [c - 1 for c in closes], "close": closes,
                         "volume": 1.0, "symbol": "BTCUSDT"}, index=index)


def spot(quote=1000.0, reserved=0.0, base=0.0, base_reserved=0.0, open_orders=()):
    return SimpleNamespace(market="spot", position=None, open_orders=list(open_orders), fills=[], rejected=[],
                           balances={"base": {"free": base, "reserved": base_reserved},
                                     "quote": {"free": quote, "reserved": reserved}})


def ctx(account, state=None, **params):
    return SimpleNamespace(symbol="BTCUSDT", timeframe="1m", params={"lookback": 3, "buffer": 0.01, "trail": 0.1, **params},
                           state={} if state is None else state, account=account, rules={"tick_size": 0.01})


def resting(tag, side, stop, qty):
    return {"tag": tag, "side": side, "type": "stop", "price": None, "stop_price": stop, "quantity": qty, "filled": 0.0,
            "reduce_only": False}


def test_flat_places_a_stop_entry_above_the_highest_high():
    out = strategy.main(frame([100, 102, 101], [99, 101, 100]), ctx(spot()))
    assert out == [{"action": "BUY", "type": "stop", "stopPrice": 103.02, "quote": 950.0, "tag": "entry"}]


def test_an_unchanged_level_keeps_the_resting_entry():
    entry = resting("entry", "buy", 103.02, 9.2)
    assert strategy.main(frame([100, 102, 101], [99, 101, 100]), ctx(spot(quote=50, reserved=950, open_orders=[entry]))) is None


def test_a_moved_level_cancels_and_replaces_the_entry_by_tag_with_the_funds_it_held():
    entry = resting("entry", "buy", 103.02, 9.2)
    out = strategy.main(frame([102, 101, 104], [101, 100, 103]), ctx(spot(quote=50, reserved=950, open_orders=[entry])))
    assert out[0] == {"action": "CANCEL", "tag": "entry"}
    assert out[1]["tag"] == "entry" and out[1]["stopPrice"] == 105.04
    assert out[1]["quote"] == 950.0  # 95 % of free + reserved: the cancel frees the old reservation first


def test_after_the_entry_fills_a_trailing_stop_follows_the_highest_close_up_only():
    state = {}
    held = spot(quote=50, base=9.0)
    out = strategy.main(frame([100, 102, 104], [99, 101, 104]), ctx(held, state))
    assert out == [{"action": "SELL", "type": "stop", "stopPrice": 93.6, "quantity": 9.0, "tag": "trail"}]
    trail = resting("trail", "sell", 93.6, 9.0)
    with_trail = spot(quote=50, base=0.0, base_reserved=9.0, open_orders=[trail])
    # A lower close leaves the stop where it is.
    assert strategy.main(frame([102, 104, 103], [101, 104, 102]), ctx(with_trail, state)) is None
    # A new high moves it up: cancelled and replaced under the same tag, for everything held.
    out = strategy.main(frame([104, 103, 111], [104, 102, 110]), ctx(with_trail, state))
    assert out == [{"action": "CANCEL", "tag": "trail"},
                   {"action": "SELL", "type": "stop", "stopPrice": 99.0, "quantity": 9.0, "tag": "trail"}]
    assert state["peak"] == 110


def test_futures_trail_is_reduce_only_and_flat_resets():
    account = SimpleNamespace(market="futures", open_orders=[], fills=[], rejected=[],
                              balances={"quote": {"free": 800.0, "reserved": 200.0}},
                              position={"qty": 2.0, "entry_price": 100.0, "margin": 200.0, "leverage": 1.0, "liquidation_price": 0.0})
    state = {}
    out = strategy.main(frame([100, 102, 104], [99, 101, 104]), ctx(account, state))
    assert out[-1]["reduceOnly"] is True and out[-1]["quantity"] == 2.0
    account.position = None
    account.balances = {"quote": {"free": 1000.0, "reserved": 0.0}}
    out = strategy.main(frame([100, 102, 104], [99, 101, 104]), ctx(account, state, leverage=2))
    assert "peak" not in state
    assert out[-1]["tag"] == "entry" and out[-1]["quote"] == 1900.0  # 95 % of the wallet × leverage 2


def test_without_an_account_or_enough_candles_it_does_nothing():
    assert strategy.main(frame([1, 2, 3], [1, 2, 3]), None) is None
    assert strategy.main(frame([1, 2], [1, 2]), ctx(spot())) is None
