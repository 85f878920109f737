"""BUY on its first call, nothing after (the live fan-out tests)."""


def main(data, ctx):
    calls = ctx.state["calls"] = ctx.state.get("calls", 0) + 1
    return {"action": "BUY"} if calls == 1 else None
