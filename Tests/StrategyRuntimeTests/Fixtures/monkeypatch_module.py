import pandas as pd


def main(data):
    pd.concat = None
    return None
