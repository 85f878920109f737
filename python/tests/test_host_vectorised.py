"""pytest for prepare(data, ctx) and signals(data, ctx) in python/tradectl_host.py."""
import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import tradectl_host as host  # noqa: E402

SMA = """
def prepare(data, ctx):
    data["fast"] = data["close"].rolling(3).mean()
    data["slow"] = data["close"].rolling(5).mean()
    return data
"""
SIGNALS = SMA + """
import numpy as np
def signals(data, ctx):
    up = (data["fast"] > data["slow"]) & (data["fast"].shift(1) <= data["slow"].shift(1))
    down = (data["fast"] < data["slow"]) & (data["fast"].shift(1) >= data["slow"].shift(1))
    return np.where(up, "BUY", np.where(down, "SELL", None))
"""


def shared(n=40, seed=3):
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    values = np.concatenate([close, close + 1, close - 1, close, np.ones(n)])
    times = (np.arange(n, dtype=np.int64) * 60_000 * 1_000_000).tobytes()
    return host.build_frame(times, values.tobytes(), n, "BTCUSDT")


def ctx():
    return host.Context("BTCUSDT", "1m", None, {}, {})


def test_contract_of_names_the_functions():
    assert host.contract_of(host.load("m", "def main(data): pass\n", "<strategy t>")[1]) == "main"
    assert host.contract_of(host.load("m", SMA + "def main(data, ctx): pass\n", "<strategy t>")[1]) == "prepare+main"
    assert host.contract_of(host.load("m", SIGNALS, "<strategy t>")[1]) == "prepare+signals"


@pytest.mark.parametrize("source,message", [
    ("def main(data): pass\ndef signals(data): pass", "defines both main and signals"),
    ("def prepare(data): pass", "defines no main"),
    ("prepare = 1\ndef main(data): pass", "prepare is a int"),
    ("def prepare(): pass\ndef main(data): pass", "prepare\\(\\) takes no positional parameter"),
])
def test_contract_violations_are_load_problems(source, message):
    with pytest.raises(host.LoadProblem, match=message):
        host.load("m", source + "\n", "<strategy t>")


def test_live_signals_is_the_last_row_of_the_column():
    _, main, arity = host.load("m", SIGNALS, "<strategy t>")
    frame = shared()
    whole = main.prepared(frame.view(), ctx())
    codes, _, _ = main.columns(whole, ctx())
    last = int(np.flatnonzero(codes)[-1])
    window = host._rows(frame.template, 0, last + 1)
    assert arity == 2
    assert main(window, ctx()) == {"action": host.ACTIONS[codes[last]]}
    assert main(host._rows(frame.template, 0, 5), ctx()) is None


def test_backtest_windows_are_views_of_the_prepared_frame_and_read_only():
    _, main, _ = host.load("m", SMA + "def main(data, ctx): pass\n", "<strategy t>")
    bt = host.Backtest(main, shared())
    assert bt.prepare(bt.source.copy(deep=False), ctx())[-2:] == ["fast", "slow"]
    w = bt.window(20, 10)
    assert len(w) == 10 and w.index[-1] == bt.frame.index[20]
    assert np.shares_memory(w["fast"].to_numpy(), bt.frame["fast"].to_numpy())
    with pytest.raises(ValueError):
        w.iloc[-1, 0] = 1.0
    w["mine"] = 1.0  # a column insert stays in the window
    assert "mine" not in bt.frame.columns
    assert bt.window(20, 10).equals(bt.frame.iloc[11:21]) and bt.window(3, 10).equals(bt.frame.iloc[0:4])


@pytest.mark.parametrize("result,codes", [
    (["BUY", "sell", None, "close", "HOLD"], [1, 2, 0, 3, 0]),
    (pd.Series([1, -1, 0, np.nan, 1.0]), [1, 2, 0, 0, 1]),
    (pd.DataFrame({"action": ["BUY", None, None, None, "SELL"], "stopLoss": [90, np.nan, np.nan, np.nan, 110]}),
     [1, 0, 0, 0, 2]),
])
def test_signal_columns_take_strings_numbers_and_frames(result, codes):
    got, stop, _ = host.signal_columns(result, 5)
    assert got.tolist() == codes
    if stop is not None:
        assert stop[0] == 90 and np.isnan(stop[1])


@pytest.mark.parametrize("result,message", [
    (["BUY"], "1 actions for 5 candles"),
    (["BUY", "JUMP", None, None, None], "action 'JUMP' at candle 1"),
    ([1, 2, 0, 0, 0], "action 2 at candle 1"),
    (pd.DataFrame({"action": [None] * 5, "size": [1] * 5}), "expected action and optionally"),
    (pd.DataFrame({"action": ["BUY"] * 5, "stopLoss": [1, 1, -1, 1, 1]}), "stopLoss at candle 2"),
    ({"action": "BUY"}, "returned a dict"),
])
def test_bad_signal_columns_are_contract_problems(result, message):
    with pytest.raises(host.ContractProblem, match=message):
        host.signal_columns(result, 5)


def lookahead(prepare_body):
    source = "def prepare(data, ctx):\n    " + prepare_body + "\n    return data\ndef main(data, ctx): pass\n"
    _, main, _ = host.load("m", source, "<strategy t>")
    bt = host.Backtest(main, shared())
    bt.prepare(bt.source.copy(deep=False), ctx())
    return [bt.check(t, ctx()) for t in (10, 20, 30)]


def test_lookahead_catches_a_centred_mean_and_a_negative_shift():
    centred = lookahead('data["m"] = data["close"].rolling(5, center=True).mean()')
    assert centred[0][:2] == ("m", 9) and centred[0][3] == "nan"  # row 9 of a cut at 10 lacks row 11
    ahead = lookahead('data["next"] = data["close"].shift(-1)')
    assert all(c is not None and c[0] == "next" for c in ahead)


def test_lookahead_compares_the_rows_before_the_cut_too():
    found = lookahead('data["m"] = data["close"] - data["close"].mean()')  # demeaned over the whole frame
    assert found[0][:2] == ("m", 0)


def test_lookahead_passes_trailing_indicators():
    assert lookahead('data["m"] = data["close"].rolling(5).mean(); data["e"] = data["close"].ewm(span=4).mean()') \
        == [None, None, None]


def test_lookahead_compares_signal_columns_too():
    _, main, _ = host.load("m", "def signals(data, ctx):\n    return (data['close'].shift(-1) > data['close']).map({True: 'BUY', False: None})\n",
                           "<strategy t>")
    bt = host.Backtest(main, shared())
    bt.prepare(bt.source.copy(deep=False), ctx())
    bt.signals(None, ctx())
    found = [bt.check(t, ctx()) for t in range(5, 39)]
    assert any(f is not None and f[0] == "action" for f in found)
