"""Signals BUY on its fifth call only (a strategy whose signal starts a DCA bot's deal)."""


def main(data, ctx):
    calls = ctx.state["calls"] = ctx.state.get("calls", 0) + 1
    return {"action": "BUY"} if calls == 5 else None
