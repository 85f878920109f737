def main(data):
    xs = [0] * 1_000_000_000
    return None
