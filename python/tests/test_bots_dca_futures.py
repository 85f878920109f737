"""DCA Futures: BOTS.md's worked example with its liquidation prices, a short, the reduce-only
stop-loss, a liquidation ending the bot, validation and preview."""
import json

import pytest
from pytest import approx

from botsim import Sim, cancelled, placed
from tradekit.bots import BotConfigError, dca_futures
from tradekit.bots.futures import liquidation_price

EXAMPLE = {"direction": "long", "leverage": 5, "baseOrder": 1000, "safetyOrder": 1000,
           "maxSafetyOrders": 3, "activeSafetyOrders": 3, "deviation": 0.02, "stepScale": 1,
           "volumeScale": 1.5, "takeProfit": 0.01}
RULES = {"mmr": 0.005}


def futures(params=None, rules=None):
    return Sim(dca_futures, dict(EXAMPLE, **(params or {})), rules=rules or RULES, market="futures",
               leverage=5)


def test_orders_liquidation_formula_check():
    assert liquidation_price("long", 10, 2000, 2000, 0.005) == approx(1809.05, abs=0.005)


def test_worked_example():
    sim = futures()
    first = sim.step(100)
    assert [(i["action"], i["type"], i.get("price"), i["quantity"], i.get("reduceOnly", False))
            for i in first] == [
        ("BUY", "market", None, 10.0, False),
        ("BUY", "limit", 98.0, approx(1000 / 98), False),
        ("BUY", "limit", 96.0, approx(1500 / 96), False),
        ("BUY", "limit", 94.0, approx(2250 / 94), False),
        ("SELL", "limit", 101.0, 10.0, True)]
    sim.step(100)  # after the base order
    st = sim.state
    assert st["qty"] == 10.0 and st["cost"] / 5 == approx(200)
    assert st["lp"] == approx(80.4020, abs=5e-5)
    assert sim.order("tp1.1")["price"] == approx(101.00)
    for tag in ("so1.1", "so1.2", "so1.3"):
        sim.fill(tag)
    out = sim.step(94, low=94)
    assert st["qty"] == approx(59.765252, abs=5e-7)
    assert st["cost"] / st["qty"] == approx(96.2098, abs=5e-5)
    assert st["cost"] / 5 == approx(1150)
    assert st["lp"] == approx(77.3546, abs=5e-5)
    assert cancelled(out) == ["tp1.1"]
    assert placed(out) == [("SELL", "limit", approx(97.1718, abs=5e-5), approx(59.765252, abs=5e-7))]
    assert out[-1]["reduceOnly"] is True
    sim.fill("tp1.2")
    sim.step(97.5)
    assert sim.stats["deals"] == 1
    assert sim.stats["realised"] == approx(59.765252 * 97.1718 - 5750, abs=1e-2)


def test_a_liquidation_ends_the_bot():
    sim = futures()
    sim.step(100)
    for tag in ("so1.1", "so1.2", "so1.3"):
        sim.fill(tag)
    sim.step(94, low=94)
    sim.liquidate(77.3546)
    out = sim.step(77, low=77)
    assert out == [{"action": "CANCEL_ALL"}]
    assert sim.state["ended"]["reason"] == "liquidation"
    assert sim.stats["realised"] == approx(-1150)
    assert sim.stats["deals"] == 1
    assert sim.step(80) == []


def test_short_mirrors_the_long():
    sim = futures({"direction": "short", "maxSafetyOrders": 1, "activeSafetyOrders": 1},
                  rules={"mmr": 0.005, "maker_fee": 0.0002, "taker_fee": 0.0005})
    first = sim.step(100)
    assert placed(first) == [("SELL", "market", None, 10.0), ("SELL", "limit", 102.0, approx(1000 / 102)),
                             ("BUY", "limit", 99.0, 10.0)]
    assert first[-1]["reduceOnly"] is True
    sim.fill("so1.1")
    out = sim.step(102, high=102)
    qty = 10 + 1000 / 102
    avg = 2000 / qty
    assert sim.state["lp"] == approx(liquidation_price("short", qty, avg, 400, 0.005))
    assert sim.state["lp"] == approx((qty * avg + 400) / (qty * 1.005))
    assert placed(out) == [("BUY", "limit", approx(avg * 0.99), approx(qty))]
    sim.fill(out[-1]["tag"])
    sim.step(99.5)
    fees = 1000 * 0.0005 + 1000 * 0.0002 + qty * out[-1]["price"] * 0.0002
    assert sim.stats["realised"] == approx(2000 - qty * out[-1]["price"] - fees)
    assert sim.stats["deals"] == 1


def test_stop_loss_is_a_resting_reduce_only_stop():
    sim = futures({"stopLoss": 0.015, "maxSafetyOrders": 1, "activeSafetyOrders": 1})
    first = sim.step(100)
    stop = [i for i in first if i["type"] == "stop"]
    assert stop == [{"action": "SELL", "type": "stop", "stopPrice": 98.5, "quantity": 10.0,
                     "tag": "sl1.1", "reduceOnly": True}]
    sim.fill("sl1.1")
    out = sim.step(98, low=98)
    assert out == [{"action": "CANCEL_ALL"}]
    assert sim.state["ended"]["reason"] == "stop-loss"
    assert sim.stats["realised"] == approx(10 * 98.5 - 1000)


@pytest.mark.parametrize("params, field, words", [
    ({"leverage": 126}, "leverage", "at most 125"),
    ({"leverage": 0.5}, "leverage", "at least 1"),
    ({"leverage": 50}, "leverage", "liquidated at"),
    ({"direction": "up"}, "direction", "one of long, short"),
    ({"stopLoss": 0.3}, "stopLoss", "beyond the liquidation price"),
    ({"investment": 1000}, "investment", "maximum margin 1150"),
])
def test_validation_names_the_field(params, field, words):
    with pytest.raises(BotConfigError) as err:
        dca_futures.validate(dict(EXAMPLE, **params), RULES, 100)
    assert err.value.field == field
    assert words in err.value.message


def test_preview():
    out = dca_futures.preview(dict(EXAMPLE, investment=1200), RULES, 100)
    json.dumps(out, allow_nan=False)
    assert out["market"] == "futures" and out["leverage"] == 5
    assert out["margin"] == approx(1150)
    assert out["liquidationPriceAfterBaseOrder"] == approx(80.4020, abs=5e-5)
    assert out["liquidationPrice"] == approx(77.3546, abs=5e-5)
    assert out["takeProfitPrice"] == approx(101.0)
    last = out["safetyOrders"][-1]
    assert last["price"] == 94.0 and last["margin"] == approx(1150)
    assert last["liquidationPrice"] == approx(77.3546, abs=5e-5)
    assert last["takeProfitPrice"] == approx(97.1718, abs=5e-5)
    assert out["maxPosition"]["quantity"] == approx(59.765252, abs=5e-7)
    assert out["orders"][-1] == {"tag": "tp1.1", "side": "sell", "type": "limit", "price": 101.0,
                                 "quantity": 10.0, "quote": 1010.0, "reduceOnly": True}
