"""LOOP: scripted walks with profit in quote and in base, the take-profit ending, restart,
validation and preview."""
import copy
import json

import pytest
from pytest import approx

from botsim import Sim, placed
from test_bots_grid import replay_ctx
from tradekit.bots import BotConfigError, loop

PARAMS = {"gap": 0.01, "orders": 10, "investment": 1000}


def test_start_orders():
    sim = Sim(loop, PARAMS)
    first = sim.step(100)
    buys = [(p, q) for a, k, p, q in placed(first) if a == "BUY" and k == "limit"]
    sells = [(p, q) for a, k, p, q in placed(first) if a == "SELL"]
    assert buys == [(approx(100 * (1 - k * 0.01)), approx(100 / (100 * (1 - k * 0.01)))) for k in range(1, 6)]
    assert sells == [(approx(100 * (1 + k * 0.01)), approx(100 / (100 * (1 + k * 0.01)))) for k in range(1, 6)]
    assert placed(first)[0] == ("BUY", "market", None, approx(sum(q for _, q in sells)))


def test_walk_profit_in_quote_and_take_profit():
    sim = Sim(loop, dict(PARAMS, takeProfit=0.002), base=0, quote=1000)
    sim.step(100)
    sim.step(100)
    # a buy filled at 99 -> a sell of all that base one gap up
    sim.fill(sim.tag_at("buy", 99.0))
    assert placed(sim.step(98.9, low=98.9)) == [("SELL", "limit", approx(99.99), approx(100 / 99))]
    # it fills -> a buy one gap below keeping the base quantity; the extra quote is profit
    sim.fill(sim.tag_at("sell", 99.99))
    assert placed(sim.step(100.2)) == [("BUY", "limit", approx(98.9901), approx(100 / 99))]
    assert sim.stats["realised"] == approx(100 / 99 * (99.99 - 99))
    assert sim.stats["round_trips"] == 1
    # an initial sell realises against the start fill at 100
    sim.fill(sim.tag_at("sell", 101.0))
    out = sim.step(101.5, high=101.5)
    assert placed(out) == [("BUY", "limit", approx(99.99), approx(100 / 101))]
    assert sim.stats["realised"] == approx(100 / 99 * 0.99 + 100 / 101 * 1.0)
    # a gap fill: the counter-order follows the fill's own price
    sim.fill(sim.tag_at("sell", 102.0), price=102.6)
    out = sim.step(102.7)  # realised now 2.0 + 0.6 · 100 / 102 >= 0.2% of 1000: take-profit
    assert out[0] == {"action": "CANCEL_ALL"}
    assert out[1]["action"] == "SELL" and out[1]["type"] == "market"
    assert sim.state["ended"]["reason"] == "take-profit"


def test_walk_profit_in_base_compounds():
    sim = Sim(loop, dict(PARAMS, profitCurrency="base"))
    sim.step(100)
    sim.step(100)
    sim.fill(sim.tag_at("sell", 101.0))
    out = sim.step(101.2)  # a buy spending all the proceeds, one gap down
    assert placed(out) == [("BUY", "limit", approx(99.99), approx(100 / 99.99))]
    assert sim.stats["round_trips"] == 0
    sim.fill(sim.tag_at("buy", 99.99))
    out = sim.step(99.9)  # -> sell all that base one gap up; base profit realised
    assert placed(out) == [("SELL", "limit", approx(99.99 * 1.01), approx(100 / 99.99))]
    assert sim.stats["realised"] == approx(100 / 99.99 - 100 / 101)
    assert sim.stats["currency"] == "base"
    # an initial buy realises against the base its quote was worth at the start
    sim.fill(sim.tag_at("buy", 99.0))
    sim.step(98.8)
    assert sim.stats["realised"] == approx(100 / 99.99 - 100 / 101 + 100 / 99 - 1.0)


def test_restart_replays_nothing():
    sim = Sim(loop, PARAMS)
    sim.step(100)
    sim.fill(sim.tag_at("buy", 99.0))
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(98.9, None, None)
    first = loop.main(data, ctx)
    sim.apply(first, 98.9)
    assert len(placed(first)) == 1
    assert loop.main(data, replay_ctx(ctx, sim, sim.state)) == []
    assert loop.main(data, replay_ctx(ctx, sim, copy.deepcopy(before))) == []


def test_rounding_favours_the_bot():
    sim = Sim(loop, PARAMS, rules={"tick_size": 0.1, "lot_step": 0.01})
    first = sim.step(100.03)
    prices = [p for a, k, p, q in placed(first) if k == "limit"]
    assert prices[:2] == [99.0, 98.0] and prices[5:7] == [101.1, 102.1]  # buys down, sells up
    assert all(abs(q * 100 - round(q * 100)) < 1e-6 for a, k, p, q in placed(first))


@pytest.mark.parametrize("params, rules, field, words", [
    ({"orders": 11}, {}, "orders", "even"),
    ({"orders": 8}, {}, "orders", "between 10 and 40"),
    ({"gap": 0.004}, {}, "gap", "at least 0.005"),
    ({"gap": 0.06, "orders": 40}, {}, "gap", "reach a price of 0"),
    ({"gap": 0.005}, {"maker_fee": 0.003}, "gap", "2.01 × the maker fee"),
    ({"entry": 90}, {}, "entry", "within one gap of the entry 90"),
    ({"investment": 40}, {"min_notional": 5}, "investment", "minimum notional"),
    ({"profitCurrency": "usd"}, {}, "profitCurrency", "one of quote, base"),
])
def test_validation_names_the_field(params, rules, field, words):
    with pytest.raises(BotConfigError) as err:
        loop.validate(dict(PARAMS, **params), rules, 100)
    assert err.value.field == field
    assert words in err.value.message


def test_preview():
    out = loop.preview(dict(PARAMS, entry=100.5), {"maker_fee": 0.001, "taker_fee": 0.001}, 100)
    json.dumps(out, allow_nan=False)
    assert out["type"] == "loop" and out["entry"] == 100.5 and out["perOrder"] == 100
    assert len(out["orders"]) == 11 and out["orders"][0]["type"] == "market"
    assert out["profitPerRoundTripPercent"] == approx(100 * (0.01 - 0.001 * 2.01))
    assert out["capital"]["quote"] < 1000 * 1.001
