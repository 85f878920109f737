import json


def main(data, ctx):
    ctx.state["calls"] = ctx.state.get("calls", 0) + 1
    print(json.dumps({
        "symbol": ctx.symbol, "timeframe": ctx.timeframe, "candle_time": ctx.candle_time.isoformat(),
        "tz": str(ctx.candle_time.tzinfo), "params": ctx.params, "calls": ctx.state["calls"],
    }))
    return None
