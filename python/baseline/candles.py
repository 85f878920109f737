"""Shared helpers of the baseline runners: read a candle payload, build the frame, load a strategy.

The payload is JSON: {"symbol": str, "timeframe": str, "time": [epoch ms], "open": [...],
"high": [...], "low": [...], "close": [...], "volume": [...]}.
"""
import importlib.util
import inspect
import json

import pandas as pd

COLUMNS = ("open", "high", "low", "close", "volume")


def read_payload(stream):
    return json.load(stream)


def build_frame(payload):
    """The frame the strategy contract promises: OHLCV + symbol over a UTC DatetimeIndex."""
    index = pd.DatetimeIndex(pd.to_datetime(payload["time"], unit="ms", utc=True))
    data = {c: payload[c] for c in COLUMNS}
    frame = pd.DataFrame(data, index=index, dtype="float64")
    frame["symbol"] = payload["symbol"]
    return frame


def load_strategy(path):
    spec = importlib.util.spec_from_file_location("strategy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = module.main
    takes_ctx = len([p for p in inspect.signature(main).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 2
    return main, takes_ctx


class Context:
    def __init__(self, payload, frame):
        self.symbol = payload["symbol"]
        self.timeframe = payload["timeframe"]
        self.candle_time = frame.index[-1].to_pydatetime()
        self.params = payload.get("params", {})
        self.state = payload.get("state", {})


def call(main, takes_ctx, payload, frame):
    return main(frame, Context(payload, frame)) if takes_ctx else main(frame)
