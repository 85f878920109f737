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
