"""GRID: BOTS.md's worked example, a scripted walk, trailing up, endings, restarts, rounding,
validation and preview."""
import copy
import json
from types import SimpleNamespace

import pytest
from pytest import approx

from botsim import Sim, cancelled, placed
from tradekit.bots import BotConfigError, grid

FEES = {"maker_fee": 0.001, "taker_fee": 0.001}
EXAMPLE = {"lower": 90, "upper": 110, "levels": 6, "investment": 500}


def started(params=None, rules=None, price=99.0, **kw):
    sim = Sim(grid, dict(EXAMPLE, **(params or {})), rules=rules or FEES, **kw)
    first = sim.step(price)
    return sim, first


def test_worked_example_initial_orders():
    sim, first = started()
    assert placed(first) == [
        ("BUY", "market", None, approx(2.8328793, abs=1e-7)),
        ("BUY", "limit", 90.0, approx(1.1111111, abs=1e-7)),
        ("BUY", "limit", 94.0, approx(1.0638298, abs=1e-7)),
        ("SELL", "limit", 102.0, approx(0.9803922, abs=1e-7)),
        ("SELL", "limit", 106.0, approx(0.9433962, abs=1e-7)),
        ("SELL", "limit", 110.0, approx(0.9090909, abs=1e-7)),
    ]
    assert sim.orders() == [("buy", 90.0, approx(1.1111111)), ("buy", 94.0, approx(1.0638298)),
                            ("sell", 102.0, approx(0.9803922)), ("sell", 106.0, approx(0.9433962)),
                            ("sell", 110.0, approx(0.9090909))]
    assert sim.step(99.5) == []  # nothing filled: nothing to do


def test_worked_example_round_trip_realises_4_0510638():
    sim, _ = started()
    sim.step(99)  # the start's market fill arrives
    sim.fill(sim.tag_at("buy", 94.0))
    down = sim.step(93, low=93)
    assert placed(down) == [("SELL", "limit", 98.0, approx(1.0638298, abs=1e-7))]
    sim.fill(sim.tag_at("sell", 98.0))
    up = sim.step(99, high=99)
    assert placed(up) == [("BUY", "limit", 94.0, approx(1.0638298, abs=1e-7))]
    assert sim.stats["realised"] == approx(4.0510638, abs=1e-7)
    assert sim.stats["round_trips"] == 1
    assert sim.stats["currency"] == "quote"
    # fees: the start buy (0.28045505) and both legs (0.1 + 0.1042553)
    assert sim.stats["fees"] == approx(2.8328793 * 99 * 0.001 + 0.1 + 0.1042553, abs=1e-6)


def test_walk_up_down_and_stop_loss_checks_every_order():
    sim, _ = started({"stopLoss": 85})
    sim.step(99)
    # up through 102 and 106: both sells fill, each answered by a buy one line down
    sim.fill(sim.tag_at("sell", 102.0))
    sim.fill(sim.tag_at("sell", 106.0))
    out = sim.step(107, high=107)
    assert placed(out) == [("BUY", "limit", 98.0, approx(100 / 98)), ("BUY", "limit", 102.0, approx(100 / 102))]
    # the start lots realise against the start fill at 99 (taker fee 0.1%)
    lots = [(102.0, 100 / 102), (106.0, 100 / 106)]
    expected = sum(q * p * (1 - 0.001) - q * 99 * 1.001 for p, q in lots)
    assert sim.stats["realised"] == approx(expected)
    assert sim.stats["round_trips"] == 2
    # down through 102: its buy fills, answered by a sell of the same quantity at 106
    sim.fill(sim.tag_at("buy", 102.0))
    out = sim.step(101, low=101)
    assert placed(out) == [("SELL", "limit", 106.0, approx(100 / 102))]
    # the stop-loss: a close at or below 85 cancels everything and sells the base at market
    before = sim.stats["realised"]
    out = sim.step(84, low=84)
    assert out[0] == {"action": "CANCEL_ALL"}
    assert placed(out) == [("SELL", "market", None, approx(sim_base_before_close(sim, out)))]
    assert sim.state["ended"]["reason"] == "stop-loss"
    assert sim.state["ended"]["time"] == sim.time  # the close of that candle
    assert sim.stats["realised"] < before
    assert sim.step(83) == []  # an ended bot does nothing (and settles its exit fill)
    assert sim.step(82) == []


def sim_base_before_close(sim, out):
    return out[1]["quantity"]


def test_exit_booked_at_close_is_corrected_by_its_fill():
    sim, _ = started({"takeProfit": 111})
    sim.step(99)
    for p in (102.0, 106.0):
        sim.fill(sim.tag_at("sell", p))
    out = sim.step(112, high=112)
    assert sim.state["ended"]["reason"] == "take-profit"
    assert out == [{"action": "CANCEL_ALL"},
                   {"action": "SELL", "type": "market", "tag": "close", "quantity": approx(100 / 110)}]
    booked = sim.stats["realised"]
    lots = [(102.0, 100 / 102), (106.0, 100 / 106)]
    expected = sum(q * p * (1 - 0.001) - q * 99 * 1.001 for p, q in lots)
    expected += (100 / 110) * (112 * (1 - 0.001) - 99 * 1.001)  # the last lot, at the close
    assert booked == approx(expected)
    assert sim.stats["round_trips"] == 2  # the forced exit is not a round trip
    qty = sim.pending[-1]["quantity"]
    sim.pending[-1].update(price=111.5, fee=qty * 111.5 * 0.001)  # slippage: filled below the close
    sim.step(111)
    assert sim.stats["realised"] == approx(booked - qty * 0.5 * (1 - 0.001))


def test_trailing_up_moves_the_grid_and_never_back():
    sim, _ = started({"trailingUp": True})
    sim.step(99)
    for p in (102.0, 106.0, 110.0):
        sim.fill(sim.tag_at("sell", p))
    out = sim.step(115, high=115)  # above 110 + 4: one step
    b90 = [i["tag"] for i in sim.calls[0] if i.get("price") == 90.0][0]
    assert cancelled(out) == [b90]
    assert placed(out) == [("BUY", "limit", 98.0, approx(100 / 98)), ("BUY", "limit", 102.0, approx(100 / 102)),
                           ("BUY", "limit", 106.0, approx(100 / 106)), ("BUY", "limit", 110.0, approx(100 / 110))]
    assert [p for _, p, _ in sim.orders()] == [94.0, 98.0, 102.0, 106.0, 110.0]
    out = sim.step(119)  # above 114 + 4: one more step, 94's buy goes, a buy at 114 comes
    assert len(cancelled(out)) == 1 and placed(out) == [("BUY", "limit", 114.0, approx(100 / 114))]
    assert [p for _, p, _ in sim.orders()] == [98.0, 102.0, 106.0, 110.0, 114.0]
    assert (sim.state["lo"], sim.state["hi"]) == (2, 7)
    assert sim.step(100) == []  # never trails down
    sim.fill(sim.tag_at("buy", 110.0))
    assert placed(sim.step(109, low=109)) == [("SELL", "limit", 114.0, approx(100 / 110))]
    assert sim.step(130) == []  # a sell still rests: no trailing until it fills



def replay_ctx(ctx, sim, state):
    """The same candle again: the same fills, the open orders as they are now, `state`."""
    account = SimpleNamespace(**vars(ctx.account))
    account.open_orders = [dict(o) for o in sim.open]
    again = SimpleNamespace(**vars(ctx))
    again.account = account
    again.state = state
    return again


def test_restart_after_fills_committed_places_nothing_twice():
    sim, _ = started()
    sim.step(99)
    sim.fill(sim.tag_at("buy", 94.0))
    sim.fill(sim.tag_at("buy", 90.0))
    ctx = sim.ctx()
    before = copy.deepcopy(sim.state)
    data = sim.data(89, None, 89)
    first = grid.main(data, ctx)
    sim.apply(first, 89)
    assert placed(first) == [("SELL", "limit", 98.0, approx(100 / 94)), ("SELL", "limit", 94.0, approx(100 / 90))]
    realised = sim.stats["realised"]
    # the worker died after the commit: the same call again, state committed
    assert grid.main(data, replay_ctx(ctx, sim, sim.state)) == []
    # ... or with the state of before the call (its commit lost): the same book, nothing new
    stale = copy.deepcopy(before)
    assert grid.main(data, replay_ctx(ctx, sim, stale)) == []
    assert stale["o"] == sim.state["o"]
    assert sim.stats["realised"] == realised
    # the filled levels are never placed again while their sells rest
    for close in (88, 87, 92):
        out = sim.step(close)
        assert out == []
    assert ("buy", 94.0) not in [(s, p) for s, p, _ in sim.orders()]


def test_a_partial_fill_waits_for_the_rest_and_is_counted_once():
    sim, _ = started()
    sim.step(99)
    tag = sim.tag_at("buy", 94.0)
    part = {"tag": tag, "side": "buy", "price": 94.0, "quantity": 0.5, "fee": 0.047,
            "time": sim.time, "liquidation": False}
    sim.pending.append(dict(part))
    assert sim.step(94) == []  # still open: no counter-order yet
    sim.pending.append(dict(part))  # the same part replayed: ignored
    assert sim.step(94) == []
    order = sim.order(tag)
    sim.open.remove(order)
    rest = dict(part, quantity=order["quantity"] - 0.5, time=sim.time)
    sim.pending.append(rest)
    out = sim.step(94)
    assert placed(out) == [("SELL", "limit", 98.0, approx(100 / 94))]
    assert "pf" not in sim.state


def test_rounding_to_tick_and_lot():
    rules = dict(FEES, tick_size=0.5, lot_step=0.001, min_qty=0.001, min_notional=5)
    sim, first = started({"spacing": "geometric", "investment": 500}, rules=rules)
    lines = sim.state and grid.preview(dict(EXAMPLE, spacing="geometric"), rules, 99)["lines"]
    assert lines == [90.0, 93.5, 97.5, 101.5, 105.5, 110.0]  # 93.66… → 93.5, 97.48… → 97.5
    for action, kind, price, qty in placed(first):
        assert abs(qty * 1000 - round(qty * 1000)) < 1e-6, qty  # on the lot
        if price is not None:
            assert abs(price * 2 - round(price * 2)) < 1e-9, price  # on the tick
            assert qty <= 100 / price and 100 / price - qty < 0.001  # rounded down
    # the naive 100 / 93.5 = 1.0695187 is not a lot multiple; the bot sends 1.069
    assert ("BUY", "limit", 93.5, 1.069) in placed(first)
    sells = [q for a, k, p, q in placed(first) if a == "SELL"]
    assert placed(first)[0] == ("BUY", "market", None, approx(sum(sells)))
    # the counter-sell sells exactly what the buy got
    sim.step(99)
    sim.fill(sim.tag_at("buy", 93.5))
    assert placed(sim.step(93)) == [("SELL", "limit", 97.5, 1.069)]


def test_investment_too_small_for_the_minimum_notional_after_rounding():
    rules = dict(FEES, lot_step=0.01, min_notional=100.1)
    # 501 / 5 = 100.2 per order, above 100.1; but 100.2 / 90 = 1.1133 rounds to 1.11 = 99.9
    with pytest.raises(BotConfigError) as err:
        grid.validate(dict(EXAMPLE, investment=501), rules, 99)
    assert err.value.field == "investment"
    assert err.value.message == ("the order at 90: 1.11 at 90 = 99.9 is below the minimum notional "
                                 "100.1; raise the investment to about 506 or use fewer levels")
    grid.validate(dict(EXAMPLE, investment=506), rules, 99)  # the suggestion is enough
    with pytest.raises(BotConfigError) as err:  # main refuses to start the same way
        started({"investment": 501}, rules=rules)
    assert err.value.field == "investment"


@pytest.mark.parametrize("params, field, words", [
    ({"upper": 90}, "upper", "must be above lower"),
    ({"lower": -1}, "lower", "must be above 0"),
    ({"levels": 2}, "levels", "between 3 and 200"),
    ({"levels": 201}, "levels", "between 3 and 200"),
    ({"levels": 6.5}, "levels", "whole number"),
    ({"levels": 200}, "levels", "2.01 × the fee"),
    ({"spacing": "log"}, "spacing", "must be one of arithmetic, geometric"),
    ({"investment": None}, "investment", "is required"),
    ({"investment": "500"}, "investment", "must be a number"),
    ({"trailingUp": 1}, "trailingUp", "true or false"),
    ({"stopLoss": 99.5}, "stopLoss", "below the price"),
    ({"takeProfit": 98}, "takeProfit", "above the price"),
    ({"levles": 6}, "levles", "unknown parameter"),
])
def test_validation_names_the_field(params, field, words):
    with pytest.raises(BotConfigError) as err:
        grid.validate(dict(EXAMPLE, **params), FEES, 99)
    assert err.value.field == field
    assert words in err.value.message
    assert err.value.to_dict() == {"code": "invalid-params", "field": field, "message": err.value.message}


def test_validation_of_rules_and_price():
    with pytest.raises(BotConfigError) as err:
        grid.validate(EXAMPLE, {"tick_size": -0.1}, 99)
    assert err.value.field == "rules.tick_size"
    with pytest.raises(BotConfigError) as err:
        grid.validate(EXAMPLE, {"maker_fee": 1}, 99)
    assert err.value.field == "rules.maker_fee"
    with pytest.raises(BotConfigError) as err:
        grid.validate(EXAMPLE, FEES, float("nan"))
    assert err.value.field == "price"
    two_lines = dict(EXAMPLE, levels=50)
    with pytest.raises(BotConfigError) as err:
        grid.validate(two_lines, {"tick_size": 1}, 99)
    assert err.value.field == "levels" and "round to the same price" in err.value.message


def test_preview():
    out = grid.preview(dict(EXAMPLE, stopLoss=80), FEES, 99)
    json.dumps(out, allow_nan=False)
    assert out["type"] == "grid" and out["market"] == "spot" and out["profitCurrency"] == "quote"
    assert out["lines"] == [90.0, 94.0, 98.0, 102.0, 106.0, 110.0] and out["emptyLine"] == 98.0
    assert out["perOrder"] == 100.0
    rows = [(o["side"], o["type"], o["price"], round(o["quantity"], 7), round(o["quote"], 4)) for o in out["orders"]]
    assert rows == [("buy", "market", 99.0, 2.8328793, 280.455),
                    ("buy", "limit", 90.0, 1.1111111, 100.0), ("buy", "limit", 94.0, 1.0638298, 100.0),
                    ("sell", "limit", 102.0, 0.9803922, 100.0), ("sell", "limit", 106.0, 0.9433962, 100.0),
                    ("sell", "limit", 110.0, 0.9090909, 100.0)]
    # the quote the account needs: the market buy with its fee, and the buys' reservations
    assert out["capital"]["quote"] == approx(280.455050 * 1.001 + 200 * 1.001, abs=1e-5)
    assert out["maxPosition"]["quantity"] == approx(2.8328793 + 1.1111111 + 1.0638298, abs=1e-6)
    assert out["stepPercent"] == {"min": approx(100 * 4 / 106), "max": approx(100 * 4 / 90)}
    assert out["profitPerRoundTripPercent"]["min"] == approx(100 * (4 / 106 - 0.001 * (2 + 4 / 106)))
    assert out["stopLoss"] == 80


def test_state_of_a_200_level_grid_stays_small():
    params = {"lower": 1000, "upper": 3000, "levels": 200, "investment": 100_000}
    sim = Sim(grid, params, rules={"tick_size": 0.01, "lot_step": 0.0001, "maker_fee": 0.001})
    sim.step(2000)
    size = len(json.dumps(sim.state))
    assert len(sim.open) == 199
    assert size < 12 * 1024, size


def test_counter_orders_meeting_on_one_line_restore_one_empty_line():
    sim, _ = started()
    sim.step(99)
    sim.fill(sim.tag_at("buy", 94.0))   # one candle: down to 93, then up to 103
    sim.fill(sim.tag_at("sell", 102.0))
    out = sim.step(103, low=93, high=103)
    assert placed(out) == [("SELL", "limit", 98.0, approx(100 / 94)), ("BUY", "limit", 98.0, approx(100 / 98))]
    sim.fill(sim.tag_at("sell", 98.0), price=103)  # below the market: fills at the next open
    out = sim.step(103)
    assert placed(out) == [("BUY", "limit", 94.0, approx(100 / 94))]
    assert [(s, p) for s, p, _ in sim.orders()] == [("buy", 90.0), ("buy", 94.0), ("buy", 98.0),
                                                     ("sell", 106.0), ("sell", 110.0)]  # 102 empty
