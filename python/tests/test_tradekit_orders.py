import pytest

import tradekit


def test_limit_buy_builds_the_contract_intent():
    assert tradekit.limit_buy("b1", 98.5, 0.25) == {
        "action": "BUY", "type": "limit", "tag": "b1", "price": 98.5, "quantity": 0.25}


def test_stop_sell_with_quote_and_reduce_only():
    assert tradekit.stop_sell("sl", 90, quote=100, reduce_only=True) == {
        "action": "SELL", "type": "stop", "tag": "sl", "stopPrice": 90.0, "quote": 100.0, "reduceOnly": True}


def test_market_orders_take_no_price():
    assert tradekit.market_sell("x", 1) == {"action": "SELL", "type": "market", "tag": "x", "quantity": 1.0}
    assert tradekit.market_buy("y", quote=50)["quote"] == 50.0


def test_stop_buy_and_limit_sell():
    assert tradekit.stop_buy("entry", 105, 2)["stopPrice"] == 105.0
    assert tradekit.limit_sell("tp", 110, 2)["type"] == "limit"


def test_exactly_one_of_quantity_or_quote():
    with pytest.raises(ValueError, match="exactly one"):
        tradekit.limit_buy("b", 100)
    with pytest.raises(ValueError, match="exactly one"):
        tradekit.limit_buy("b", 100, 1, quote=100)


def test_numbers_must_be_finite_and_positive():
    with pytest.raises(ValueError, match="price"):
        tradekit.limit_buy("b", float("inf"), 1)
    with pytest.raises(ValueError, match="quantity"):
        tradekit.limit_buy("b", 100, -1)
    with pytest.raises(TypeError, match="stopPrice"):
        tradekit.stop_sell("s", "90", 1)


def test_tags_follow_the_platform_grammar():
    with pytest.raises(ValueError, match="tag"):
        tradekit.cancel("has space")
    with pytest.raises(ValueError, match="tag"):
        tradekit.limit_buy("x" * 37, 100, 1)
    with pytest.raises(TypeError, match="tag"):
        tradekit.cancel(7)
    assert tradekit.cancel("grid:3.12") == {"action": "CANCEL", "tag": "grid:3.12"}
    assert tradekit.cancel_all() == {"action": "CANCEL_ALL"}
