import json


def main(data):
    print(json.dumps({
        "columns": list(data.columns),
        "rows": len(data),
        "tz": str(data.index.tz),
        "last_time": data.index[-1].isoformat(),
        "last_close": float(data["close"].iloc[-1]),
        "symbol": data["symbol"].iloc[-1],
        "symbols": sorted(set(data["symbol"])),
        "dtypes": [str(t) for t in data.dtypes],
        "index_name": data.index.name,
        "columns_name": data.columns.name,
        "attrs": dict(data.attrs),
        "freq": str(data.index.freq),
        "monotonic": bool(data.index.is_monotonic_increasing),
    }))
    return None
