"""backtesting.py's SMA(10, 20) crossover on a candle CSV, for `tradectl bench backtest`.

Run with the virtualenv scripts/setup.sh makes (.tradectl/bt-venv/bin/python). Trades on the
signal candle's close (trade_on_close=True), no commission, closing and reversing on each cross,
as the platform's paper exchange does with signals. Prints JSON: the seconds `Backtest.run` took
(indicators, the per-bar loop and the stats, without reading the CSV or importing the library),
the closed trades and backtesting.py's stats for the metrics comparison.
"""
import json
import sys
import time

import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    fast = 10
    slow = 20

    def init(self):
        self.ma1 = self.I(sma, self.data.Close, self.fast)
        self.ma2 = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossover(self.ma1, self.ma2):
            self.position.close()
            self.buy()
        elif crossover(self.ma2, self.ma1):
            self.position.close()
            self.sell()


def main():
    path = sys.argv[1]
    frame = pd.read_csv(path)
    frame.index = pd.to_datetime(frame.pop("time"), unit="ms", utc=True)
    frame = frame.rename(columns=str.capitalize)
    bt = Backtest(frame, SmaCross, cash=1e12, commission=0, trade_on_close=True, finalize_trades=False)
    start = time.perf_counter()
    stats = bt.run()
    seconds = time.perf_counter() - start
    trades = stats["_trades"]
    ms = lambda t: int(pd.Timestamp(t).value // 1_000_000)
    out = {
        "seconds": seconds,
        "trades": [{"side": "long" if r.Size > 0 else "short", "entry_time": ms(r.EntryTime), "exit_time": ms(r.ExitTime),
                    "entry_price": float(r.EntryPrice), "exit_price": float(r.ExitPrice)} for r in trades.itertuples()],
        "stats": {k: (float(v) if isinstance(v, (int, float)) else str(v)) for k, v in stats.items() if not k.startswith("_")},
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
