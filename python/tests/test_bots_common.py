"""The bots' shared pieces: the last bar, rules and rounding, ladders, liquidation prices, the
book's reconciliation, fills, the registry, restart guards, and every module's docs."""
import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
from pytest import approx

from botsim import Sim, frame
from test_bots_grid import replay_ctx
from tradekit.bars import Bar, _from_block, last_bar
from tradekit.bots import TYPES, BotConfigError, dca, grid, module
from tradekit.bots.fills import completed
from tradekit.bots.futures import ladder_liquidations, liquidation_price
from tradekit.bots.ladder import deviation, max_capital
from tradekit.bots.orders import reconcile
from tradekit.bots.params import Params
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import timeframe_ms

T = 1_700_000_040_000


# ---- the last bar ----------------------------------------------------------------------------

def test_last_bar_of_the_platform_frame_reads_the_block():
    df = frame([T - 60_000, T], [10.0, 11.0], [12.0, 13.0], [9.0, 8.5])
    assert _from_block(df._mgr) == Bar(T, 11.0, 13.0, 8.5)  # the fast path applies
    assert last_bar(df) == Bar(T, 11.0, 13.0, 8.5)


def test_last_bar_of_other_frames_and_structures():
    idx = pd.DatetimeIndex(np.array([T], dtype="datetime64[ms]").astype("datetime64[ns]"), tz="UTC")
    reordered = pd.DataFrame({"close": [11.0], "low": [8.5], "high": [13.0]}, index=idx)
    assert _from_block(reordered._mgr) is None  # not the platform layout: the public path
    assert last_bar(reordered) == Bar(T, 11.0, 13.0, 8.5)
    timed = pd.DataFrame({"time": [T], "close": [11.0], "high": [13.0], "low": [8.5]})
    assert last_bar(timed) == Bar(T, 11.0, 13.0, 8.5)

    class PureFrame:  # what sub-interpreters get: tuples, epoch-ms index
        index = (T - 60_000, T)

        def __getitem__(self, key):
            return {"close": (1.0, 11.0), "high": (1.0, 13.0), "low": (1.0, 8.5)}[key]
    assert last_bar(PureFrame()) == Bar(T, 11.0, 13.0, 8.5)
    assert last_bar({"time": [T], "close": np.array([11.0]), "high": [13.0], "low": [8.5]}) == Bar(T, 11.0, 13.0, 8.5)
    with pytest.raises(ValueError, match="no candles"):
        last_bar({"time": [], "close": [], "high": [], "low": []})
    with pytest.raises(ValueError, match="close, high and low"):
        last_bar({"time": [T], "close": [1.0]})
    with pytest.raises(ValueError, match="candle times"):
        last_bar({"close": [1.0], "high": [1.0], "low": [1.0]})


# ---- rules, ladders, futures -----------------------------------------------------------------

def test_rounding():
    r = Rules(tick_size=0.1, lot_step=0.001)
    assert r.price(0.1 + 0.2) == 0.3 and r.price(98.8199) == 98.8
    assert r.price(101.5523, "up") == 101.6 and r.price(101.5999, "down") == 101.5
    assert r.price(101.6, "up") == 101.6 and r.price(101.6, "down") == 101.6  # already on the tick
    assert r.qty(1.0695187) == 1.069 and r.qty(1.0001, up=True) == 1.001
    assert Rules(lot_step=0.1).qty(0.3) == 0.3  # 0.3 / 0.1 = 2.9999999999999996 lots is 3 lots
    assert Rules(tick_size=0.25).price(10.13) == 10.25 and Rules(tick_size=0.25).price(10.1) == 10.0
    assert Rules(lot_step=1).qty(7.9) == 7.0
    assert Rules().price(109.99999999999999) == 110.0 and Rules().qty(1.0638297872340425) == 1.0638297872340425
    assert Rules(min_qty=0.01).problem(0.009, 100) == "its quantity 0.009 is below the minimum quantity 0.01"
    assert Rules(min_notional=5).problem(0.04, 100) == "0.04 at 100 = 4 is below the minimum notional 5"
    assert Rules(lot_step=0.1).problem(0.0, 100).startswith("its quantity rounds to 0")
    assert Rules.of({"tick_size": 0.1}) is Rules.of({"tick_size": 0.1})  # cached per rule set
    with pytest.raises(BotConfigError) as err:
        Rules.of({"lot_step": float("inf")})
    assert err.value.field == "rules.lot_step"


def test_safety_order_ladder():
    assert [deviation(n, 0.01, 2) for n in (1, 2, 3)] == approx([0.01, 0.03, 0.07])
    assert [deviation(n, 0.02, 1) for n in (1, 2, 3)] == approx([0.02, 0.04, 0.06])
    assert max_capital(100, 100, 3, 2) == 800 and max_capital(100, 50, 4, 1) == 300
    assert max_capital(100, 50, 0, 2) == 100


def test_liquidation_price():
    assert liquidation_price("long", 10, 2000, 2000, 0.005) == approx(1809.045, abs=1e-3)  # ORDERS.md
    assert liquidation_price("short", 10, 2000, 2000, 0.005) == approx(22000 / 10.05)
    assert liquidation_price("long", 10, 100, 1000, 0.005) == 0.0  # 1x long: never
    assert liquidation_price("long", 0, 100, 0, 0.005) == 0.0
    stages = ladder_liquidations("long", [(100, 10), (98, 1000 / 98)], 5, 0.005)
    assert stages[0]["liquidationPrice"] == approx(80.4020, abs=5e-5)
    with pytest.raises(BotConfigError) as err:
        ladder_liquidations("long", [(100, 10), (98, 10)], 60, 0.005)
    assert err.value.field == "leverage" and "before its order at 98 fills" in err.value.message


# ---- book, fills, params ------------------------------------------------------------------

def test_reconcile_cancels_first_then_markets_then_missing_orders():
    book = {"b1.2": ["b", 94.0, 1.0, None, 1], "s3.3": ["sr", 102.0, 1.0, 94.0, 3]}
    opened = [{"tag": "b1.2"}, {"tag": "old"}]
    out = reconcile(book, opened, [{"action": "BUY", "type": "market", "tag": "m", "quantity": 1.0}])
    assert out == [{"action": "CANCEL", "tag": "old"},
                   {"action": "BUY", "type": "market", "tag": "m", "quantity": 1.0},
                   {"action": "SELL", "type": "limit", "price": 102.0, "quantity": 1.0, "tag": "s3.3",
                    "reduceOnly": True}]
    assert reconcile(book, [{"tag": "b1.2"}, {"tag": "s3.3"}], []) == []
    stop = reconcile({"sl1.1": ["Sr", 95.0, 2.0, None, None]}, [], [])
    assert stop == [{"action": "SELL", "type": "stop", "stopPrice": 95.0, "quantity": 2.0, "tag": "sl1.1",
                     "reduceOnly": True}]


def test_fills_merge_parts_and_pass_liquidations():
    state = {}
    part = {"tag": "a", "side": "buy", "price": 10.0, "quantity": 1.0, "fee": 0.01, "time": 1}
    assert completed([part], {"a"}, state) == []
    assert completed([part], {"a"}, state) == []  # a replayed part counts once
    done = completed([dict(part, price=12.0, time=2)], set(), state)
    assert [(f.tag, f.qty, f.price, f.fee, f.time) for f in done] == [("a", 2.0, 11.0, 0.02, 2)]
    assert state == {}
    # an order cancelled after a part: the part is handed over when the order leaves
    assert completed([dict(part, tag="b")], {"b"}, state) == []
    assert [f.qty for f in completed([], set(), state)] == [1.0]
    liq = completed([{"tag": "liquidation", "side": "sell", "price": 80.0, "quantity": 3.0, "fee": 0,
                      "time": 5, "liquidation": True}], set(), state)
    assert liq[0].liquidation and liq[0].qty == 3.0


def test_params_errors_name_the_field():
    p = Params({"a": 1, "b": None, "c": True}, ("a", "b", "c"))
    assert not p.has("b") and p.number("b", 7.0) == 7.0
    with pytest.raises(BotConfigError) as err:
        p.number("c")
    assert err.value.field == "c" and "must be a number, got bool" in err.value.message
    with pytest.raises(BotConfigError) as err:
        Params({"x": 1}, ("a",))
    assert err.value.field == "x" and "unknown parameter (known: a)" == err.value.message
    with pytest.raises(BotConfigError) as err:
        Params([1], ("a",))
    assert err.value.field == "params"
    assert timeframe_ms("4h") == 14_400_000 and timeframe_ms("1w") == 604_800_000
    with pytest.raises(BotConfigError):
        timeframe_ms("1y")


# ---- registry, docs -------------------------------------------------------------------------

def test_registry():
    assert module("grid") is grid
    with pytest.raises(BotConfigError) as err:
        module("martingale")
    assert err.value.field == "type"
    from tradekit import bots
    assert bots.preview("dca", {"baseOrder": 10}, {}, 100)["orders"][0]["tag"] == "bo1"
    with pytest.raises(BotConfigError):
        bots.validate("grid", {"lower": 1}, {}, 100)


EXAMPLE_PRICES = {"grid": 100, "dca": 100, "btd": 99, "loop": 100, "dca_futures": 100, "combo": 100}


@pytest.mark.parametrize("kind", TYPES)
def test_every_module_documents_a_working_example(kind):
    mod = module(kind)
    assert callable(mod.main) and callable(mod.validate) and callable(mod.preview)
    doc = mod.__doc__
    for section in ("Parameters", "Example params", "Choices where BOTS.md is silent"):
        assert section in doc, (kind, section)
    example = json.loads(re.search(r"Example params:\n(.*?)\n\n", doc, re.S).group(1))
    for key in example:
        assert f"`{key}`" in doc, (kind, key)  # every parameter of the example is documented
    rules = {"maker_fee": 0.001, "taker_fee": 0.001, "mmr": 0.005}
    normalised = mod.validate(example, rules, EXAMPLE_PRICES[kind])
    assert mod.validate(normalised, rules, EXAMPLE_PRICES[kind]) == normalised  # a fixed point
    json.dumps(mod.preview(example, {}, EXAMPLE_PRICES[kind]), allow_nan=False)


# ---- restart guards ------------------------------------------------------------------------

def test_a_replayed_start_with_a_lost_state_sends_no_second_market_order():
    sim = Sim(grid, {"lower": 90, "upper": 110, "levels": 6, "investment": 500})
    ctx = sim.ctx()
    data = sim.data(99, None, None)
    first = grid.main(data, ctx)
    sim.apply(first, 99)
    again = replay_ctx(ctx, sim, {})  # the commit of the state was lost, the orders were not
    assert grid.main(data, again) == []
    assert again.state["o"] == sim.state["o"]


def test_a_replayed_deal_start_sends_no_second_base_order():
    sim = Sim(dca, {"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 2, "activeSafetyOrders": 2,
                    "takeProfit": 0.01})
    sim.step(100)
    sim.fill("tp1.1")
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(101, None, None)
    first = dca.main(data, ctx)
    sim.apply(first, 101)
    assert [i["tag"] for i in first] == ["so1.1", "so1.2", "bo2", "so2.1", "so2.2", "tp2.1"]
    assert dca.main(data, replay_ctx(ctx, sim, sim.state)) == []
    assert dca.main(data, replay_ctx(ctx, sim, copy.deepcopy(before))) == []


def test_the_bots_import_neither_numpy_nor_pandas():
    """So they can run in a sub-interpreter (pure Python) as well as in the main one."""
    import os
    import subprocess
    import sys
    code = ("import sys\n"
            "from tradekit.bots import grid, dca, btd, loop, dca_futures, combo\n"
            "from tradekit.bars import last_bar\n"
            "bar = last_bar({'time': [1], 'close': [2.0], 'high': [3.0], 'low': [1.0]})\n"
            "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules), bar.close)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {root!r})\n" + code],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] 2.0"
