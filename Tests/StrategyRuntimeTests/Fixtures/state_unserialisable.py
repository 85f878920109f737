def main(data, ctx):
    ctx.state["when"] = object()
    return None
