"""Writes the reference for tradectl's backtest metrics (Tests/PlatformTests/Fixtures/metrics_goog.json).

Run with backtesting.py's virtualenv: .tradectl/bt-venv/bin/python python/tools/metrics_reference.py OUT.json
It runs backtesting.py's SmaCross example on its bundled GOOG data and stores the equity curve, the
trades and backtesting.py's statistics, so a Swift test can recompute the statistics from the same
equity and trades and compare.
"""
import json
import sys

import numpy as np
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import GOOG, SMA


class SmaCross(Strategy):
    def init(self):
        self.ma1 = self.I(SMA, self.data.Close, 10)
        self.ma2 = self.I(SMA, self.data.Close, 20)

    def next(self):
        if crossover(self.ma1, self.ma2):
            self.position.close()
            self.buy()
        elif crossover(self.ma2, self.ma1):
            self.position.close()
            self.sell()


def main():
    stats = Backtest(GOOG, SmaCross, cash=10_000, commission=0, finalize_trades=True).run()
    trades = stats["_trades"]
    equity = stats["_equity_curve"]["Equity"]
    keys = ["Exposure Time [%]", "Return [%]", "Buy & Hold Return [%]", "Return (Ann.) [%]", "Volatility (Ann.) [%]",
            "Sharpe Ratio", "Sortino Ratio", "Calmar Ratio", "Max. Drawdown [%]", "Avg. Drawdown [%]",
            "Win Rate [%]", "Best Trade [%]", "Worst Trade [%]", "Avg. Trade [%]", "Profit Factor", "Expectancy [%]"]
    out = {
        "times": [int(t.value // 1_000_000) for t in GOOG.index],
        "closes": GOOG.Close.tolist(),
        "equity": equity.tolist(),
        "first_trading_bar": int(np.argmax(~np.isnan(SMA(GOOG.Close, 20)))),
        "trades": [{"entry_bar": int(r.EntryBar), "exit_bar": int(r.ExitBar), "return": float(r.ReturnPct), "pnl": float(r.PnL)}
                   for r in trades.itertuples()],
        "stats": {k: float(stats[k]) for k in keys},
        "max_drawdown_duration_ms": int(stats["Max. Drawdown Duration"].value // 1_000_000),
        "avg_trade_duration_ms": int(stats["Avg. Trade Duration"].value // 1_000_000),
    }
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
