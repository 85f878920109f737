def main(data):
    raise ValueError("boom from the strategy")
