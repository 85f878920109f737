"""Order intents for the fan-out tests: on the first call, two limit buys below the close and one
above as a sell-side stop; on the second, CANCEL of the lower buy; it reports every fill it saw."""


def main(data, ctx):
    calls = ctx.state.get("calls", 0)
    ctx.state["calls"] = calls + 1
    seen = ctx.state.setdefault("fills", [])
    for f in ctx.account.fills:
        seen.append([f["tag"], f["side"], f["price"], f["quantity"]])
    close = float(data["close"].iloc[-1])
    if calls == 0:
        return [
            {"action": "BUY", "type": "limit", "price": round(close * 0.98, 2), "quantity": 1.0, "tag": "b1"},
            {"action": "BUY", "type": "limit", "price": round(close * 0.96, 2), "quantity": 1.0, "tag": "b2"},
        ]
    if calls == 1:
        return {"action": "CANCEL", "tag": "b2"}
    return None
