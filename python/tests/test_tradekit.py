import math

import numpy as np
import pandas as pd
import pytest

import tradekit
from tradekit import indicators


def series(values):
    return pd.Series(values, dtype="float64")


def test_buy_builds_contract_dict():
    assert tradekit.buy(100, stop_loss=95, take_profit=110) == {
        "action": "BUY", "entryPrice": 100.0, "stopLoss": 95.0, "takeProfit": 110.0}


def test_sell_rejects_stop_below_entry():
    with pytest.raises(ValueError, match="stopLoss"):
        tradekit.sell(100, stop_loss=90)


def test_prices_must_be_finite_positive_numbers():
    with pytest.raises(ValueError):
        tradekit.buy(float("nan"))
    with pytest.raises(TypeError):
        tradekit.buy("100")
    with pytest.raises(TypeError):
        tradekit.buy(True)


def test_close_and_hold():
    assert tradekit.close() == {"action": "CLOSE"}
    assert tradekit.hold() == {"action": "HOLD"}


def test_sma_matches_hand_computation():
    out = indicators.sma(series([1, 2, 3, 4, 5]), 3)
    assert math.isnan(out.iloc[1])
    assert out.iloc[2] == pytest.approx(2.0)
    assert out.iloc[4] == pytest.approx(4.0)


def test_ema_first_value_is_seed_and_converges():
    out = indicators.ema(series([10, 10, 10, 20]), 3)
    assert out.iloc[0] == 10
    assert out.iloc[3] == pytest.approx(15.0)  # alpha = 2 / (3 + 1) = 0.5


def test_rsi_is_100_for_rising_and_bounded():
    rising = indicators.rsi(series(np.arange(1, 40)), 14)
    assert rising.iloc[-1] == pytest.approx(100.0)
    mixed = indicators.rsi(series([1, 2, 1, 2, 1, 3, 2, 4, 3, 5, 4, 6, 5, 7, 6, 8]), 5).dropna()
    assert ((mixed >= 0) & (mixed <= 100)).all()


def test_atr_of_constant_range_is_that_range():
    n = 30
    data = pd.DataFrame({"high": [11.0] * n, "low": [9.0] * n, "close": [10.0] * n})
    assert indicators.atr(data, 14).iloc[-1] == pytest.approx(2.0)


def test_indicators_load_lazily_from_package():
    assert tradekit.sma is indicators.sma
