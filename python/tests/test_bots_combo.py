"""COMBO: a long walk through the grid and DCA cycles to its take-profit, the trailing
stop-loss, a short, a liquidation, restart, validation and preview."""
import copy
import json

import pytest
from pytest import approx

from botsim import Sim, placed
from test_bots_grid import replay_ctx
from tradekit.bots import BotConfigError, combo
from tradekit.bots.futures import liquidation_price

PARAMS = {"lower": 90, "upper": 110, "step": 0.01, "levels": 10, "leverage": 3, "investment": 1000}
UP = [101.0, 102.01, 103.0301, 104.060401, 105.10100501]
DOWN = [99.0, 98.01, 97.0299, 96.059601, 95.09900499]


def futures(params=None, rules=None):
    return Sim(combo, dict(PARAMS, **(params or {})), rules=rules, market="futures", leverage=3)


def orders_of(intents):
    return [(i["action"], i["type"], i.get("price"), i["quantity"], i.get("reduceOnly", False))
            for i in intents if i["action"] in ("BUY", "SELL")]


def test_long_walk_grid_and_dca_cycles_to_take_profit():
    sim = futures({"takeProfit": 104})
    first = sim.step(100)
    assert orders_of(first) == (
        [("BUY", "market", None, approx(sum(300 / p for p in UP)), False)]
        + [("BUY", "limit", p, approx(300 / p), False) for p in sorted(DOWN)]
        + [("SELL", "limit", p, approx(300 / p), True) for p in UP])
    sim.step(100)
    # a grid sell fills -> a buy one line below it; the first order's lot realises vs 100
    sim.fill(sim.tag_at("sell", 101.0))
    assert orders_of(sim.step(101.5, high=101.5)) == [("BUY", "limit", 100.0, approx(3.0), False)]
    assert sim.stats["realised"] == approx(300 / 101 * 1.0)
    # a DCA buy fills -> the position grows, a reduce-only sell one line above it
    sim.fill(sim.tag_at("buy", 99.0))
    assert orders_of(sim.step(99.2, low=99.0)) == [("SELL", "limit", 100.0, approx(300 / 99), True)]
    assert sim.pos_qty == approx(sum(300 / p for p in UP) - 300 / 101 + 300 / 99)
    # the grid cycle's buy fills -> its sell at 101
    sim.fill(sim.tag_at("buy", 100.0))
    assert orders_of(sim.step(99.9)) == [("SELL", "limit", 101.0, approx(3.0), True)]
    # the take-profit price closes everything with a reduce-only market sell
    out = sim.step(104.2, high=104.2)
    assert out[0] == {"action": "CANCEL_ALL"}
    position = sum(300 / p for p in UP) - 300 / 101 + 300 / 99 + 3.0
    assert out[1] == {"action": "SELL", "type": "market", "tag": "close", "quantity": approx(position),
                      "reduceOnly": True}
    assert sim.pos_qty == approx(0.0, abs=1e-9)
    assert sim.state["ended"]["reason"] == "take-profit"
    lots = [(p, 300 / p, 300 / p * 100) for p in UP[1:]] + [(100.0, 300 / 99, 300.0), (101.0, 3.0, 300.0)]
    expected = 300 / 101 + sum(q * 104.2 - cost for _, q, cost in lots)
    assert sim.stats["realised"] == approx(expected)


def test_trailing_stop_loss_follows_the_best_close():
    sim = futures({"stopLoss": 0.05})
    sim.step(100)
    assert sim.step(103) == [] and sim.state["best"] == 103
    assert sim.step(101) == [] and sim.state["best"] == 103
    assert sim.step(97.9) == []  # above 103 · 0.95 = 97.85
    out = sim.step(97.8)
    assert out[0] == {"action": "CANCEL_ALL"} and out[1]["reduceOnly"] is True
    assert sim.state["ended"]["reason"] == "stop-loss"


def test_short_mirrors_the_long():
    sim = futures({"direction": "short"}, rules={"maker_fee": 0.0002, "taker_fee": 0.0005})
    first = sim.step(100)
    assert orders_of(first) == (
        [("SELL", "market", None, approx(sum(300 / p for p in DOWN)), False)]
        + [("BUY", "limit", p, approx(300 / p), True) for p in sorted(DOWN)]
        + [("SELL", "limit", p, approx(300 / p), False) for p in UP])
    sim.step(100)
    sim.fill(sim.tag_at("buy", 99.0))  # a grid buy (reduce-only) -> a sell one line above
    assert orders_of(sim.step(98.8)) == [("SELL", "limit", 100.0, approx(3.0), False)]
    entry_fee = 100 * 0.0005
    assert sim.stats["realised"] == approx(300 / 99 * (100 - entry_fee - 99) - 300 * 0.0002, rel=1e-6)
    sim.fill(sim.tag_at("sell", 101.0))  # a DCA sell -> a reduce-only buy one line below
    assert orders_of(sim.step(101.3)) == [("BUY", "limit", 100.0, approx(300 / 101), True)]


def test_a_liquidation_ends_the_bot():
    sim = futures({"leverage": 10})
    sim.step(100)
    sim.step(100)
    sim.liquidate(92)
    assert sim.step(91) == [{"action": "CANCEL_ALL"}]
    assert sim.state["ended"]["reason"] == "liquidation"
    first = sum(300 * 10 / 3 / p for p in UP)  # A = 1000 · 10 / 10
    assert sim.stats["realised"] == approx(-first * 100 / 10)


def test_restart_replays_nothing():
    sim = futures()
    sim.step(100)
    sim.fill(sim.tag_at("buy", 99.0))
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(99, None, None)
    first = combo.main(data, ctx)
    sim.apply(first, 99)
    assert len(placed(first)) == 1
    assert combo.main(data, replay_ctx(ctx, sim, sim.state)) == []
    assert combo.main(data, replay_ctx(ctx, sim, copy.deepcopy(before))) == []


@pytest.mark.parametrize("params, field, words", [
    ({"levels": 9}, "levels", "between 10 and 40"),
    ({"levels": 41}, "levels", "between 10 and 40"),
    ({"step": 0.0009}, "step", "at least 0.001"),
    ({"step": 0.021}, "step", "at most 0.02"),
    ({"leverage": 126}, "leverage", "at most 125"),
    ({"leverage": 30}, "leverage", "liquidated at"),
    ({"step": 0.02}, "levels", "holds only 9 lines"),
    ({"lower": 101}, "lower", "below the price"),
    ({"takeProfit": 99}, "takeProfit", "above the price"),
    ({"stopLoss": 1}, "stopLoss", "below 1"),
    ({"investment": 10}, "investment", "minimum notional"),
])
def test_validation_names_the_field(params, field, words):
    with pytest.raises(BotConfigError) as err:
        combo.validate(dict(PARAMS, **params), {"min_notional": 5}, 100)
    assert err.value.field == field
    assert words in err.value.message


def test_step_must_beat_the_fees():
    with pytest.raises(BotConfigError) as err:
        combo.validate(dict(PARAMS, step=0.001, upper=101, lower=99), {"maker_fee": 0.0005}, 100)
    assert err.value.field == "step"


def test_preview():
    out = combo.preview(dict(PARAMS, takeProfit=108), {"mmr": 0.005}, 100)
    json.dumps(out, allow_nan=False)
    assert out["type"] == "combo" and out["market"] == "futures"
    assert out["gridOrders"] == 5 and out["dcaOrders"] == 5 and out["perOrderNotional"] == 300
    assert out["lines"] == approx(sorted(DOWN) + [100.0] + UP)
    first = sum(300 / p for p in UP)
    qty = first + sum(300 / p for p in DOWN)
    notional = first * 100 + 1500
    assert out["maxPosition"] == {"quantity": approx(qty), "notional": approx(notional),
                                  "averageEntry": approx(notional / qty)}
    assert out["margin"] == approx(notional / 3)
    assert out["liquidationPrice"] == approx(liquidation_price("long", qty, notional / qty, notional / 3, 0.005))
    assert out["liquidationPrice"] < DOWN[-1]
    assert len(out["orders"]) == 11
    defaults = combo.preview({"investment": 1000, "leverage": 2}, {}, 100)
    assert defaults["lower"] == 90 and defaults["upper"] == approx(110)
    assert defaults["gridOrders"] + defaults["dcaOrders"] == 20
