"""pytest for python/tradectl_host.py, the host's Python side (embedded in the runtime)."""
import json
import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import tradectl_host as host  # noqa: E402


def test_output_cap_keeps_the_limit_and_counts_the_rest():
    cap = host.OutputCap(10)
    assert cap.write("hello ") == 6
    cap.write("world, and more")
    assert cap.value() == "hello worl"
    assert cap.size == 21
    with pytest.raises(TypeError):
        cap.write(b"bytes")


@pytest.mark.parametrize("source,arity", [
    ("def main(data): pass", 1),
    ("def main(data, ctx): pass", 2),
    ("def main(data, ctx=None): pass", 2),
    ("def main(*args): pass", 2),
    ("def main(data, *, debug=False): pass", 1),
])
def test_signature_detection(source, arity):
    _, _, got = host.load("m", source + "\n", "<strategy t>")
    assert got == arity


@pytest.mark.parametrize("source,message", [
    ("def main(): pass", "takes no positional parameter"),
    ("def main(a, b, c): pass", "requires 3 parameters"),
    ("def main(data, *, flag): pass", "required keyword-only parameter"),
    ("x = 1", "defines no main"),
    ("main = 3", "main is a int"),
])
def test_contract_violations_are_load_problems(source, message):
    with pytest.raises(host.LoadProblem, match=message):
        host.load("m", source + "\n", "<strategy t>")


def test_describe_gives_the_strategy_line_and_the_kind():
    try:
        host.load("m", "x = 1\ny = 1 / 0\n", "<strategy t>")
    except ZeroDivisionError as exc:
        name, msg, text, line, kind = host.describe(exc)
    assert (name, line, kind) == ("ZeroDivisionError", 2, "other")
    assert "division by zero" in msg and "Traceback" in text
    try:
        host.load("m", "def main(data:\n", "<strategy t>")
    except SyntaxError as exc:
        assert host.describe(exc)[3] == 1
        assert host.describe(exc)[4] == "syntax"


def test_classes_are_classified_by_identity_not_name():
    class StrategyTimeout(BaseException):
        pass

    class MemoryError(Exception):  # noqa: A001 - the point of the test
        pass

    assert host.kind_of(StrategyTimeout()) == "other"
    assert host.kind_of(MemoryError()) == "other"
    assert host.kind_of(host.StrategyTimeout()) == "timeout"
    assert host.kind_of(__builtins__["MemoryError"]() if isinstance(__builtins__, dict) else __import__("builtins").MemoryError()) == "memory"
    assert host.kind_of(host.StateProblem()) == "state"
    assert host.kind_of(SystemExit(3)) == "exit"


def test_describe_survives_an_exception_whose_str_raises():
    class Nasty(Exception):
        def __str__(self):
            raise RuntimeError("no")

    name, msg, _, _, kind = host.describe(Nasty())
    assert name == "Nasty" and "unprintable" in msg and kind == "other"


def frame(n=50, symbol="BTCUSDT"):
    times = (np.arange(n, dtype=np.int64) * 60_000 + 1_700_000_000_000) * 1_000_000
    values = np.arange(5 * n, dtype=np.float64) + 1.0
    return host.build_frame(times.tobytes(), values.tobytes(), n, symbol), values.reshape(5, n)


def test_the_fast_frame_path_is_live_on_the_pinned_pandas():
    # A pandas whose internals changed would make every frame about five times slower: fail here.
    assert host.frame_path() == "fast", pd.__version__


def test_frames_have_the_contract_columns_index_and_values():
    shared, values = frame()
    df = shared.view()
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "symbol"]
    assert str(df.index.tz) == "UTC" and len(df) == 50
    assert df["close"].iloc[-1] == values[3, -1]
    assert (df["symbol"] == "BTCUSDT").all()


def test_one_view_cannot_change_what_another_sees():
    shared, values = frame()
    a = shared.view()
    a["sma"] = a["close"].rolling(3).mean()
    a.rename(columns={"open": "o"}, inplace=True)
    a.index.name = "t"
    with pytest.raises(ValueError):
        a.iloc[-1, 1] = 0.0          # the shared float buffers are read-only
    a["symbol"].values[0] = "ETHUSDT"  # the symbol column is writable (pandas 1.5 compares only those)
    b = shared.view()
    assert (b["symbol"] == "BTCUSDT").all()
    assert list(b.columns) == ["open", "high", "low", "close", "volume", "symbol"]
    assert b.index.name is None
    assert b["high"].iloc[-1] == values[1, -1]


def test_invoke_round_trips_state_and_captures_output():
    _, main, arity = host.load("m", "def main(data, ctx):\n    print('hi')\n    ctx.state['n'] = ctx.state.get('n', 0) + 1\n"
                                    "    return {'action': 'BUY'}\n", "<strategy t>")
    shared, _ = frame()
    ok, result, state, out, err, total = host.invoke(main, arity, shared.view(), "BTCUSDT", "1m", 0, "{}", '{"n": 2}', 100, 1000)
    assert ok and result == {"action": "BUY"}
    assert json.loads(state) == {"n": 3}
    assert out == "hi\n" and err == "" and total == 3


def test_a_state_that_is_not_json_is_a_state_problem():
    _, main, arity = host.load("m", "def main(data, ctx):\n    ctx.state['x'] = object()\n", "<strategy t>")
    ok, exc, *_ = host.invoke(main, arity, None, "S", "1m", 0, "{}", "{}", 100, 1000)
    assert not ok and host.kind_of(exc) == "state"


def test_ctx_carries_the_reference_account_and_the_rules():
    source = ("def main(data, ctx):\n"
              "    a = ctx.account\n"
              "    return {'seen': [a.market, a.balances['quote']['free'], len(a.open_orders), a.fills[0]['tag'],"
              " ctx.rules['tick_size']]}\n")
    _, main, arity = host.load("m", source, "<strategy t>")
    account = json.dumps({"market": "spot", "balances": {"base": {"free": 0, "reserved": 0}, "quote": {"free": 500.0, "reserved": 0}},
                          "position": None, "open_orders": [], "fills": [{"tag": "g1", "side": "buy", "price": 94.0, "quantity": 1.0,
                                                                          "fee": 0.1, "time": 0, "liquidation": False}],
                          "rejected": []})
    ok, result, *_ = host.invoke(main, arity, None, "S", "1m", 0, "{}", "{}", 100, 1000, account, '{"tick_size": 0.01}')
    assert ok and result == {"seen": ["spot", 500.0, 0, "g1", 0.01]}
    ok, result, *_ = host.invoke(*host.load("m", "def main(data, ctx):\n    return {'x': ctx.account}\n", "<strategy t>")[1:],
                                 None, "S", "1m", 0, "{}", "{}", 100, 1000)
    assert ok and result == {"x": None}
