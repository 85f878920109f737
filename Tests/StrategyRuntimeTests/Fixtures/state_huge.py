def main(data, ctx):
    ctx.state["blob"] = "x" * (10 * 1024 * 1024)
    return None
