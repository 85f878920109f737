import sys


def main(data):
    sys.exit(3)
