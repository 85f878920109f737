import time

time.sleep(30)


def main(data):
    return None
