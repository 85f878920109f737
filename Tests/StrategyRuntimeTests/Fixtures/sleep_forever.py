import time


def main(data):
    time.sleep(3600)
