import numpy


def main(data):
    return None
