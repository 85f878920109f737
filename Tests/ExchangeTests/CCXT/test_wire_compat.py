"""Wire compatibility of the exchange simulator, checked by clients written by others.

ccxt (PyPI) drives the Binance spot and USDⓈ-M endpoints; ccxt on PyPI has no CoinDCX class, so
the CoinDCX endpoints are driven by the `coindcx` client from PyPI. Every request those clients
sign must verify at the simulator, and every answer must parse in them. SIM_URL names the
simulator (the Swift test `CCXTCompatibilityTests` starts it); without it the tests fail.
"""
import os
import re

import ccxt
import coindcx
import pytest

BASE = os.environ.get("SIM_URL")


@pytest.fixture(scope="module")
def base():
    assert BASE, "SIM_URL is not set: run through the Swift test CCXTCompatibilityTests, which starts the simulator"
    return BASE


def pointed(exchange, base):
    """Rewrites every urls['api'] entry to the simulator, keeping the path."""
    for name, url in list(exchange.urls["api"].items()):
        if isinstance(url, str):
            exchange.urls["api"][name] = re.sub(r"^https?://[^/]+", base, url)
    return exchange


def binance(base, cls=ccxt.binance, key="key0", secret="secret0", types=("spot",)):
    ex = cls({"apiKey": key, "secret": secret, "enableRateLimit": False,
              "options": {"fetchMarkets": {"types": list(types)}, "fetchCurrencies": False, "fetchMargins": False}})
    return pointed(ex, base)


def test_binance_spot_market_data(base):
    ex = binance(base)
    assert abs(ex.fetch_time() - ex.milliseconds()) < 5_000
    markets = ex.load_markets()
    m = markets["BTC/USDT"]
    assert m["precision"]["price"] == 0.01 and m["precision"]["amount"] == 0.00001
    assert m["limits"]["cost"]["min"] == 5
    candles = ex.fetch_ohlcv("BTC/USDT", "1m", limit=5)
    assert len(candles) == 5 and candles == sorted(candles) and all(len(c) == 6 for c in candles)


def below(ex, symbol, factor=0.9):
    """A limit price under the last close, on the tick grid."""
    close = ex.fetch_ohlcv(symbol, "1m", limit=2)[-1][4]
    return float(ex.price_to_precision(symbol, close * factor))


def test_binance_spot_orders_and_balance(base):
    ex = binance(base)
    ex.load_markets()
    before = ex.fetch_balance()
    price = below(ex, "BTC/USDT")
    order = ex.create_order("BTC/USDT", "limit", "buy", 0.1, price)
    assert order["status"] == "open" and order["amount"] == 0.1 and order["price"] == price
    fetched = ex.fetch_order(order["id"], "BTC/USDT")
    assert fetched["id"] == order["id"] and fetched["clientOrderId"] == order["clientOrderId"]
    assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT")] == [order["id"]]
    cancelled = ex.cancel_order(order["id"], "BTC/USDT")
    assert cancelled["status"] == "canceled"
    market = ex.create_order("BTC/USDT", "market", "buy", 0.1, params={"newClientOrderId": "tc-ccxt-market-1"})
    assert market["status"] == "closed" and market["filled"] == 0.1 and market["clientOrderId"] == "tc-ccxt-market-1"
    assert ex.fetch_order(market["id"], "BTC/USDT", params={})["status"] == "closed"
    balance = ex.fetch_balance()
    assert balance["BTC"]["free"] - before.get("BTC", {}).get("free", 0) == pytest.approx(0.1)
    assert balance["USDT"]["total"] < before["USDT"]["total"]


def test_binance_spot_errors_map_to_ccxt_exceptions(base):
    ex = binance(base)
    ex.load_markets()
    price = below(ex, "BTC/USDT")
    with pytest.raises(ccxt.BadRequest, match="Filter failure: NOTIONAL"):  # ccxt's own mapping of -1013
        ex.create_order("BTC/USDT", "limit", "buy", float(ex.amount_to_precision("BTC/USDT", 4 / price)), price)  # under 5 USDT
    with pytest.raises(ccxt.InsufficientFunds):
        free = ex.fetch_balance()["USDT"]["free"]
        ex.create_order("BTC/USDT", "limit", "buy", float(ex.amount_to_precision("BTC/USDT", 2 * free / price)), price)
    with pytest.raises(ccxt.OrderNotFound):
        ex.fetch_order("999999", "BTC/USDT")
    with pytest.raises(ccxt.AuthenticationError):
        binance(base, secret="wrong").fetch_balance()


def test_binance_usdm(base):
    ex = binance(base, cls=ccxt.binanceusdm, key="key1", secret="secret1", types=("linear",))
    markets = ex.load_markets()
    assert "BTC/USDT:USDT" in markets
    assert len(ex.fetch_ohlcv("BTC/USDT:USDT", "1m", limit=3)) == 3
    ex.set_leverage(5, "BTC/USDT:USDT")
    price = below(ex, "BTC/USDT:USDT")
    order = ex.create_order("BTC/USDT:USDT", "limit", "buy", 0.1, price)
    assert order["status"] == "open"
    assert ex.fetch_order(order["id"], "BTC/USDT:USDT")["id"] == order["id"]
    assert ex.cancel_order(order["id"], "BTC/USDT:USDT")["status"] == "canceled"
    filled = ex.create_order("BTC/USDT:USDT", "market", "buy", 0.5)
    assert filled["status"] == "closed"
    # Conditional orders go through the Algo Order API (/fapi/v1/algoOrder), as ccxt sends them.
    stop = ex.create_order("BTC/USDT:USDT", "STOP_MARKET", "sell", 0.5, None, {"stopPrice": price, "reduceOnly": True})
    assert stop["status"] == "open" and stop["triggerPrice"] == price
    assert ex.fetch_order(stop["id"], "BTC/USDT:USDT", {"trigger": True})["status"] == "open"
    assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT:USDT", params={"trigger": True})] == [stop["id"]]
    balance = ex.fetch_balance()
    assert balance["USDT"]["total"] > 0
    positions = [p for p in ex.fetch_positions(["BTC/USDT:USDT"]) if p["contracts"]]
    assert len(positions) == 1 and positions[0]["side"] == "long" and positions[0]["contracts"] == 0.5


def test_coindcx(base):
    client = coindcx.Client(api_key="key1", api_secret="secret1", base_url=base, public_url=base)
    details = {m["symbol"]: m for m in client.get_markets_details()}
    assert details["BTCUSDT"]["pair"] == "B-BTC_USDT"
    candles = client.get_candles("B-BTC_USDT", "1m", limit=5)
    assert len(candles) == 5 and [c["time"] for c in candles] == sorted((c["time"] for c in candles), reverse=True)
    price = round(candles[0]["close"] * 0.9, 2)
    before = {b["currency"]: b for b in client.get_balances()}
    order = client.create_spot_order("BTCUSDT", "buy", "limit_order", 0.1, price_per_unit=price, client_order_id="tc-dcx-1")
    assert order["status"] == "open" and order["client_order_id"] == "tc-dcx-1"
    status = client._post("/exchange/v1/orders/status", {"client_order_id": "tc-dcx-1"})
    assert status["id"] == order["id"]
    active = client._post("/exchange/v1/orders/active_orders", {"market": "BTCUSDT"})
    assert [o["id"] for o in active["orders"]] == [order["id"]]
    assert client._post("/exchange/v1/orders/cancel", {"client_order_id": "tc-dcx-1"})["code"] == 200
    balances = {b["currency"]: b for b in client.get_balances()}
    assert balances["USDT"]["balance"] == pytest.approx(before["USDT"]["balance"])  # the cancel released the reservation
    with pytest.raises(coindcx.exceptions.CoinDCXAPIException):
        coindcx.Client(api_key="key1", api_secret="wrong", base_url=base, public_url=base).get_balances()
