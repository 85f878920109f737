import json


def main(data):
    print(json.dumps({
        "columns": list(data.columns),
        "rows": len(data),
        "tz": str(data.index.tz),
        "last_time": data.index[-1].isoformat(),
        "last_close": float(data["close"].iloc[-1]),
        "symbol": data["symbol"].iloc[-1],
        "dtypes": [str(t) for t in data.dtypes],
    }))
    return None
