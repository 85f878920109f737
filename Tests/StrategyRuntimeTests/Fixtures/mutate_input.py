def main(data):
    data["SMA_20"] = data["close"].rolling(20).mean()
    data["close"] = 0.0
    try:
        data.iloc[-1, 0] = -1.0
    except ValueError:
        pass
    try:
        data.loc[data.index[-1], "high"] = -5.0
    except ValueError:
        pass
    data.drop(columns=["volume"], inplace=True)
    data.index.name = "mutated"
    data.rename(columns={"open": "o"}, inplace=True)
    data.sort_index(ascending=False, inplace=True)
    return None


def more(data):
    """Metadata and shared-buffer tricks a careless author might try."""
    data.insert(0, "first", 1.0)
    data.attrs["note"] = "mine"
    data.columns.name = "cols"
    try:
        data.index.freq = "T"
    except (ValueError, AttributeError, TypeError):
        pass
    base = data["symbol"].values
    while getattr(base, "base", None) is not None and hasattr(base.base, "flags"):
        base = base.base
    try:
        base.flags.writeable = True
        base[:] = "HACKED"
    except ValueError:
        pass


_main = main


def main(data):  # noqa: F811
    more(data)
    return _main(data)
