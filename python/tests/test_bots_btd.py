"""BTD: a scripted walk with profit in base, trailing down to the floor, the stop-loss buying
base back, fees, restart, validation and preview."""
import copy
import json

import pytest
from pytest import approx

from botsim import Sim, cancelled, placed
from test_bots_grid import replay_ctx
from tradekit.bots import BotConfigError, btd

BASE = {"lower": 90, "upper": 110, "levels": 6, "investment": 5}  # 5 base at 99: Q = 99 quote


def started(params=None, rules=None):
    sim = Sim(btd, dict(BASE, **(params or {})), rules=rules, base=5.0, quote=0.0)
    return sim, sim.step(99)


def test_walk_start_fills_counter_orders_and_stop_loss():
    sim, first = started({"stopLoss": 85})
    assert placed(first) == [("SELL", "market", None, approx(2.0)),  # 198 quote for the buys
                             ("BUY", "limit", 90.0, approx(1.1)), ("BUY", "limit", 94.0, approx(99 / 94)),
                             ("SELL", "limit", 102.0, approx(99 / 102)), ("SELL", "limit", 106.0, approx(99 / 106)),
                             ("SELL", "limit", 110.0, approx(0.9))]
    sim.step(99)
    # up: the sell at 102 fills (99 quote) -> a buy at 98 spending all of it
    sim.fill(sim.tag_at("sell", 102.0))
    assert placed(sim.step(103, high=103)) == [("BUY", "limit", 98.0, approx(99 / 98))]
    assert sim.stats == {"realised": 0.0, "round_trips": 0, "fees": 0.0, "currency": "base"}
    # down: that buy fills -> a sell at 102 of only Q / 102; the rest is profit in base
    sim.fill(sim.tag_at("buy", 98.0))
    assert placed(sim.step(97, low=97)) == [("SELL", "limit", 102.0, approx(99 / 102))]
    assert sim.stats["realised"] == approx(99 * (1 / 98 - 1 / 102))
    assert sim.stats["round_trips"] == 1
    # an initial buy realises against the base its quote was worth at the start (99 / 99 = 1.0)
    sim.fill(sim.tag_at("buy", 94.0))
    assert placed(sim.step(93, low=93)) == [("SELL", "limit", 98.0, approx(99 / 98))]
    assert sim.stats["realised"] == approx(99 * (1 / 98 - 1 / 102) + 99 / 94 - 1.0)
    # the stop-loss buys base back with all the quote and ends the bot
    before = sim.stats["realised"]
    out = sim.step(84, low=84)
    assert out == [{"action": "CANCEL_ALL"},
                   {"action": "BUY", "type": "market", "tag": "close", "quote": approx(99.0)}]
    assert sim.state["ended"]["reason"] == "stop-loss"
    assert sim.stats["realised"] == approx(before + 99 / 84 - 1.0)  # the buy at 90's quote, at 84
    assert sim.step(84) == []


def test_trailing_down_stops_at_the_floor():
    sim, _ = started({"trailingDown": True, "floor": 85})
    sim.step(99)
    sim.fill(sim.tag_at("buy", 94.0))
    sim.fill(sim.tag_at("buy", 90.0))
    out = sim.step(85.5, low=85.5)  # below 90 - 4: one step down
    s110 = [i["tag"] for i in sim.calls[0] if i.get("price") == 110.0][0]
    assert cancelled(out) == [s110]
    assert placed(out) == [("SELL", "limit", 98.0, approx(99 / 98)), ("SELL", "limit", 94.0, approx(99 / 94)),
                           ("SELL", "limit", 90.0, approx(0.9))]  # the freed base of the 110 sell
    assert (sim.state["lo"], sim.state["hi"]) == (-1, 4)
    assert [p for _, p, _ in sim.orders()] == [90.0, 94.0, 98.0, 102.0, 106.0]
    assert sim.step(70, low=70) == []  # the next line, 82, is below the floor
    assert sim.step(100) == []  # never trails back up


def test_fees_come_out_of_the_base_profit_and_the_quote_never_drifts():
    fees = {"maker_fee": 0.001, "taker_fee": 0.001}
    sim, first = started(rules=fees)
    buys_quote = (1.1 * 90 + 99 / 94 * 94) * 1.001
    assert first[0]["quantity"] == approx(buys_quote / (99 * 0.999))
    sim.step(99)
    sim.fill(sim.tag_at("sell", 102.0))
    out = sim.step(103)
    got = 99 * 0.999  # the sell's proceeds net of its fee
    assert placed(out) == [("BUY", "limit", 98.0, approx(got / (98 * 1.001)))]
    sim.fill(sim.tag_at("buy", 98.0))
    out = sim.step(97)
    spent = got  # the buy spent what the sell received, fee included
    assert placed(out) == [("SELL", "limit", 102.0, approx(spent / (102 * 0.999)))]
    assert sim.stats["realised"] == approx(got / (98 * 1.001) - 99 / 102)
    assert sim.stats["fees"] == approx(first[0]["quantity"] * 99 * 0.001 / 99 + 99 * 0.001 / 102 + spent / 1.001 * 0.001 / 98)


def test_investment_in_quote_buys_the_sells_base_at_start():
    sim = Sim(btd, dict(BASE, investment=495, investmentCurrency="quote"))
    first = sim.step(99)
    assert placed(first)[0] == ("BUY", "market", None, approx(99 / 102 + 99 / 106 + 0.9))
    assert placed(first)[1] == ("BUY", "limit", 90.0, approx(1.1))


def test_restart_replays_nothing():
    sim, _ = started()
    sim.step(99)
    sim.fill(sim.tag_at("sell", 102.0))
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(103, None, None)
    first = btd.main(data, ctx)
    sim.apply(first, 103)
    assert len(placed(first)) == 1
    assert btd.main(data, replay_ctx(ctx, sim, sim.state)) == []
    assert btd.main(data, replay_ctx(ctx, sim, copy.deepcopy(before))) == []


@pytest.mark.parametrize("params, field, words", [
    ({"floor": 95}, "floor", "below lower"),
    ({"investmentCurrency": "eur"}, "investmentCurrency", "one of base, quote"),
    ({"trailingDown": "no"}, "trailingDown", "true or false"),
    ({"upper": 80}, "upper", "above lower"),
    ({"investment": 0.01}, "investment", "minimum notional"),
])
def test_validation_names_the_field(params, field, words):
    with pytest.raises(BotConfigError) as err:
        btd.validate(dict(BASE, **params), {"min_notional": 5}, 99)
    assert err.value.field == field
    assert words in err.value.message


def test_preview():
    out = btd.preview(dict(BASE, floor=70), {}, 99)
    json.dumps(out, allow_nan=False)
    assert out["type"] == "btd" and out["profitCurrency"] == "base"
    assert out["perOrder"] == 99.0 and out["floor"] == 70
    assert out["capital"] == {"base": approx(2.0 + 99 / 102 + 99 / 106 + 0.9), "quote": 0.0}
    assert [(o["side"], o["type"], o["price"]) for o in out["orders"]] == [
        ("sell", "market", 99.0), ("buy", "limit", 90.0), ("buy", "limit", 94.0),
        ("sell", "limit", 102.0), ("sell", "limit", 106.0), ("sell", "limit", 110.0)]
