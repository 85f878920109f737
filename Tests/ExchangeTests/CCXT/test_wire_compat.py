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


def test_binance_spot_orders_and_balance(base):
    ex = binance(base)
    ex.load_markets()
    order = ex.create_order("BTC/USDT", "limit", "buy", 0.1, 95)
    assert order["status"] == "open" and order["amount"] == 0.1 and order["price"] == 95
    fetched = ex.fetch_order(order["id"], "BTC/USDT")
    assert fetched["id"] == order["id"] and fetched["clientOrderId"] == order["clientOrderId"]
    assert [o["id"] for o in ex.fetch_open_orders("BTC/USDT")] == [order["id"]]
    cancelled = ex.cancel_order(order["id"], "BTC/USDT")
    assert cancelled["status"] == "canceled"
    market = ex.create_order("BTC/USDT", "market", "buy", 0.1, params={"newClientOrderId": "tc-ccxt-market-1"})
    assert market["status"] == "closed" and market["filled"] == 0.1 and market["clientOrderId"] == "tc-ccxt-market-1"
    assert ex.fetch_order(market["id"], "BTC/USDT", params={})["status"] == "closed"
    balance = ex.fetch_balance()
    assert balance["BTC"]["free"] == pytest.approx(0.1)
    assert balance["USDT"]["total"] < 10_000


def test_binance_spot_errors_map_to_ccxt_exceptions(base):
    ex = binance(base)
    ex.load_markets()
    with pytest.raises(ccxt.InvalidOrder):
        ex.create_order("BTC/USDT", "limit", "buy", 0.01, 95)  # 0.95 USDT, under the 5 USDT minimum notional
    with pytest.raises(ccxt.InsufficientFunds):
        ex.create_order("BTC/USDT", "limit", "buy", 5, 95)
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
    order = ex.create_order("BTC/USDT:USDT", "limit", "buy", 0.1, 90)
    assert order["status"] == "open"
    assert ex.fetch_order(order["id"], "BTC/USDT:USDT")["id"] == order["id"]
    assert ex.cancel_order(order["id"], "BTC/USDT:USDT")["status"] == "canceled"
    filled = ex.create_order("BTC/USDT:USDT", "market", "buy", 0.5)
    assert filled["status"] == "closed"
    stop = ex.create_order("BTC/USDT:USDT", "STOP_MARKET", "sell", 0.5, None, {"stopPrice": 90, "reduceOnly": True})
    assert stop["status"] == "open"
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
    order = client.create_spot_order("BTCUSDT", "buy", "limit_order", 0.1, price_per_unit=95, client_order_id="tc-dcx-1")
    assert order["status"] == "open" and order["client_order_id"] == "tc-dcx-1"
    status = client._post("/exchange/v1/orders/status", {"client_order_id": "tc-dcx-1"})
    assert status["id"] == order["id"]
    active = client._post("/exchange/v1/orders/active_orders", {"market": "BTCUSDT"})
    assert [o["id"] for o in active["orders"]] == [order["id"]]
    assert client._post("/exchange/v1/orders/cancel", {"client_order_id": "tc-dcx-1"})["code"] == 200
    balances = {b["currency"]: b for b in client.get_balances()}
    assert balances["USDT"]["balance"] == pytest.approx(10_000)
    with pytest.raises(coindcx.exceptions.CoinDCXAPIException):
        coindcx.Client(api_key="key1", api_secret="wrong", base_url=base, public_url=base).get_balances()
