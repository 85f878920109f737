import sys


def main(data):
    for i in range(100_000):
        print("line", i)
    print("to stderr", file=sys.stderr)
    return None
