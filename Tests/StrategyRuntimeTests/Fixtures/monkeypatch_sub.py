import json
import math


def main(data):
    math.sqrt = lambda x: -1.0
    json.dumps = None
    return None
