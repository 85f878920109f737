"""DCA (spot): BOTS.md's worked example, deals with cooldown and reinvest, trailing take-profit,
stop-loss, signal starts, restarts, rounding, validation and preview."""
import copy
import json

import pytest
from pytest import approx

from botsim import Sim, cancelled, placed
from test_bots_grid import replay_ctx
from tradekit.bots import BotConfigError, dca

EXAMPLE = {"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 3, "activeSafetyOrders": 3,
           "deviation": 0.01, "stepScale": 2, "volumeScale": 2, "takeProfit": 0.015}


def test_worked_example():
    sim = Sim(dca, EXAMPLE)
    first = sim.step(100)
    assert placed(first) == [("BUY", "market", None, 1.0),
                             ("BUY", "limit", 99.0, approx(100 / 99)),
                             ("BUY", "limit", 97.0, approx(200 / 97)),
                             ("BUY", "limit", 93.0, approx(400 / 93)),
                             ("SELL", "limit", 101.5, 1.0)]
    assert dca.preview(EXAMPLE, {}, 100)["maxCapital"] == 800
    # 100 -> 96.5: SO1 and SO2 fill; the take-profit moves to the new average
    sim.fill("so1.1")
    sim.fill("so1.2")
    out = sim.step(96.5, low=96.5)
    avg = sim.state["cost"] / sim.state["qty"]
    assert avg == approx(98.2329, abs=5e-5)
    assert cancelled(out) == ["tp1.1"]
    assert placed(out) == [("SELL", "limit", approx(99.7064, abs=5e-5), approx(1 + 100 / 99 + 200 / 97))]
    # -> 100: the take-profit fills: +6.0 quote, SO3 cancelled, the deal is over
    sim.fill("tp1.2")
    out = sim.step(100, high=100)
    assert sim.stats["realised"] == approx(6.0, abs=1e-9)
    assert sim.stats["deals"] == 1
    assert cancelled(out) == ["so1.3"]
    assert placed(out)[0] == ("BUY", "market", None, 1.0)  # cooldown 0: the next deal starts
    assert out[1]["tag"] == "bo2"


def test_deal_cycle_with_cooldown_and_reinvest():
    fees = {"maker_fee": 0.001, "taker_fee": 0.001}
    params = dict(EXAMPLE, cooldown=2, reinvest=True, investment=1000)
    sim = Sim(dca, params, rules=fees)
    sim.step(100)
    sim.fill("so1.1")
    sim.step(98.5)
    sim.fill("tp1.2")
    out = sim.step(101.2, high=101.2)
    assert sim.stats["deals"] == 1
    profit = sim.stats["realised"]
    qty = 1 + 100 / 99
    cost = 100 + 100
    tp = sim.calls[1][-1]["price"]
    fee_paid = 100 * 0.001 + 100 * 0.001 + qty * tp * 0.001
    assert tp == approx((cost / qty) * 1.015)
    assert profit == approx(qty * tp - cost - fee_paid)
    assert cancelled(out) == ["so1.2", "so1.3"] and placed(out) == []
    assert sim.step(101) == []  # cooldown: one candle so far
    out = sim.step(102)  # two candles after the end: deal 2, grown by the profit
    scale = 1 + profit / dca.preview(params, fees, 100)["capital"]["quote"]
    assert sim.state["scale"] == approx(scale)
    assert placed(out) == [("BUY", "market", None, approx(100 * scale / 102)),
                           ("BUY", "limit", approx(102 * 0.99), approx(100 * scale / (102 * 0.99))),
                           ("BUY", "limit", approx(102 * 0.97), approx(200 * scale / (102 * 0.97))),
                           ("BUY", "limit", approx(102 * 0.93), approx(400 * scale / (102 * 0.93))),
                           ("SELL", "limit", approx(102 * 1.015), approx(100 * scale / 102))]
    assert [i["tag"] for i in out] == ["bo2", "so2.1", "so2.2", "so2.3", "tp2.1"]


def test_active_safety_orders_rest_one_at_a_time():
    sim = Sim(dca, dict(EXAMPLE, activeSafetyOrders=1))
    assert [i["tag"] for i in sim.step(100)] == ["bo1", "so1.1", "tp1.1"]
    sim.fill("so1.1")
    out = sim.step(98.8)
    assert [i["tag"] for i in out] == ["tp1.1", "so1.2", "tp1.2"]  # cancel, next SO, new TP
    assert out[0]["action"] == "CANCEL"


def test_trailing_take_profit():
    sim = Sim(dca, dict(EXAMPLE, trailingDeviation=0.005, maxSafetyOrders=0, activeSafetyOrders=0))
    assert placed(sim.step(100)) == [("BUY", "market", None, 1.0)]  # no resting take-profit
    assert sim.step(101.6) == []  # reached 101.5: trailing starts at 101.6
    assert sim.state["trail"] == 101.6
    assert sim.step(102.5) == []
    assert sim.step(102.0) == []  # 102.0 > 102.5 · 0.995 = 101.9875
    out = sim.step(101.9)
    assert out == [{"action": "SELL", "type": "market", "tag": "tx1", "quantity": 1.0}]
    assert sim.stats["deals"] == 1 and sim.stats["realised"] == approx(1.9)
    out = sim.step(101.0)  # the next deal at the next close
    assert out[0]["tag"] == "bo2"


def test_stop_loss_closes_at_market_and_ends():
    sim = Sim(dca, dict(EXAMPLE, stopLoss=0.05, maxSafetyOrders=1, activeSafetyOrders=1), rules={"taker_fee": 0.001})
    sim.step(100)
    assert sim.step(95.5) == []
    out = sim.step(95.0)
    assert out == [{"action": "CANCEL_ALL"}, {"action": "SELL", "type": "market", "tag": "close", "quantity": 1.0}]
    assert sim.state["ended"]["reason"] == "stop-loss"
    assert sim.stats["deals"] == 1
    assert sim.stats["realised"] == approx(95 * 0.999 - 100 * 1.001)
    assert sim.step(90) == []


def test_start_on_a_strategy_signal():
    sim = Sim(dca, dict(EXAMPLE, start="signal", strategy="sma-cross"))
    assert sim.step(100) == []
    sim.signals = [{"action": "SELL"}]
    assert sim.step(100) == []
    sim.signals = [{"action": "BUY"}]
    out = sim.step(101)
    assert [i["tag"] for i in out] == ["bo1", "so1.1", "so1.2", "so1.3", "tp1.1"]
    sim.signals = [{"action": "BUY"}]  # a deal runs: ignored
    assert sim.step(101) == []


def test_restart_replays_nothing():
    sim = Sim(dca, EXAMPLE)
    sim.step(100)
    sim.fill("so1.1")
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(98.8, None, None)
    first = dca.main(data, ctx)
    sim.apply(first, 98.8)
    assert [i["tag"] for i in first] == ["tp1.1", "tp1.2"]
    assert dca.main(data, replay_ctx(ctx, sim, sim.state)) == []
    stale = copy.deepcopy(before)
    assert dca.main(data, replay_ctx(ctx, sim, stale)) == []
    assert stale["qty"] == sim.state["qty"] and stale["o"] == sim.state["o"]


def test_rounding_of_safety_orders_and_take_profit():
    rules = {"tick_size": 0.1, "lot_step": 0.001, "min_notional": 5}
    params = dict(EXAMPLE, deviation=0.0123)
    sim = Sim(dca, params, rules=rules)
    out = sim.step(100.05)
    assert placed(out) == [("BUY", "market", None, 0.999),         # 100 / 100.05 = 0.9995 -> 0.999
                           ("BUY", "limit", 98.8, 1.012),          # 98.819… -> 98.8; 100/98.8 = 1.0121
                           ("BUY", "limit", 96.4, 2.074),          # 96.358… -> 96.4
                           ("BUY", "limit", 91.4, 4.376),          # 91.434… -> 91.4
                           ("SELL", "limit", 101.6, 0.999)]        # 100.05 · 1.015 = 101.55… -> up
    with pytest.raises(BotConfigError) as err:
        dca.validate(dict(params, safetyOrder=4.9, volumeScale=1), rules, 100)
    assert err.value.field == "safetyOrder" and "safety order 1" in err.value.message


@pytest.mark.parametrize("params, field, words", [
    ({"baseOrder": 0}, "baseOrder", "above 0"),
    ({"maxSafetyOrders": 51}, "maxSafetyOrders", "between 0 and 50"),
    ({"activeSafetyOrders": 4}, "activeSafetyOrders", "between 1 and 3"),
    ({"deviation": 1}, "deviation", "below 1"),
    ({"deviation": 0.2, "stepScale": 2}, "deviation", "below the base order"),
    ({"trailingDeviation": 0.02}, "trailingDeviation", "below takeProfit"),
    ({"stopLoss": 1.5}, "stopLoss", "below 1"),
    ({"cooldown": -1}, "cooldown", "between 0 and 100000"),
    ({"start": "signal"}, "strategy", "is required when start is signal"),
    ({"start": "later"}, "start", "one of immediate, signal"),
    ({"reinvest": "yes"}, "reinvest", "true or false"),
    ({"investment": 700}, "investment", "does not cover the deal's maximum capital 800"),
    ({"leverage": 2}, "leverage", "unknown parameter"),
])
def test_validation_names_the_field(params, field, words):
    with pytest.raises(BotConfigError) as err:
        dca.validate(dict(EXAMPLE, **params), {}, 100)
    assert err.value.field == field
    assert words in err.value.message


def test_base_order_under_the_minimum_notional():
    with pytest.raises(BotConfigError) as err:
        dca.validate(dict(EXAMPLE, baseOrder=9), {"min_notional": 10}, 100)
    assert err.value.field == "baseOrder"


def test_preview():
    out = dca.preview(dict(EXAMPLE, investment=900), {"maker_fee": 0.001, "taker_fee": 0.001}, 100)
    json.dumps(out, allow_nan=False)
    assert out["type"] == "dca" and out["market"] == "spot" and out["startsOn"] == "close"
    assert out["maxCapital"] == 800
    assert out["capital"]["quote"] == approx(800 * 1.001)
    assert out["takeProfitPrice"] == 101.5
    assert [(o["tag"], o["side"], o["type"], o["price"]) for o in out["orders"]] == [
        ("bo1", "buy", "market", 100.0), ("so1.1", "buy", "limit", 99.0), ("so1.2", "buy", "limit", 97.0),
        ("so1.3", "buy", "limit", 93.0), ("tp1.1", "sell", "limit", 101.5)]
    table = out["safetyOrders"]
    assert [(r["n"], r["deviationPercent"], r["price"], r["quote"]) for r in table] == [
        (1, 1.0, 99.0, 100.0), (2, 3.0, 97.0, 200.0), (3, 7.0, 93.0, 400.0)]
    assert table[1]["averageEntry"] == approx(98.2329, abs=5e-5)
    assert table[1]["takeProfitPrice"] == approx(99.7064, abs=5e-5)
    assert out["maxPosition"]["notional"] == approx(800)
    assert out["maxPosition"]["quantity"] == approx(1 + 100 / 99 + 200 / 97 + 400 / 93)


def test_preview_of_a_signal_started_bot_places_nothing_and_shows_each_deal():
    out = dca.preview(dict(EXAMPLE, start="signal", strategy="sma-cross"), {}, 100)
    assert out["startsOn"] == "signal" and out["orders"] == []
    assert [o["tag"] for o in out["dealOrders"]] == ["bo1", "so1.1", "so1.2", "so1.3", "tp1.1"]


def test_take_profit_and_a_safety_order_in_one_candle_leave_the_rest_in_the_deal():
    sim = Sim(dca, dict(EXAMPLE, activeSafetyOrders=1))
    sim.step(100)
    sim.fill("so1.1")  # path down to 99 ...
    sim.step(99.5)
    sim.fill("so1.2")  # ... then in one candle: down through 97 (SO2) and up through the old TP
    tp = sim.order("tp1.2")
    sim.fill("tp1.2")
    out = sim.step(101, low=96.9, high=101)
    sold = tp["quantity"]
    left = 200 / 97
    assert sim.state["qty"] == approx(left) and sim.state["ph"] == "on"
    avg = 400 / (1 + 100 / 99 + 200 / 97)  # average-cost accounting: SO2 filled first
    assert sim.stats["deals"] == 0 and sim.stats["realised"] == approx(sold * (tp["price"] - avg))
    assert sim.state["cost"] == approx(left * avg)
    assert placed(out) == [("BUY", "limit", 93.0, approx(400 / 93)),
                           ("SELL", "limit", approx(avg * 1.015), approx(left))]
