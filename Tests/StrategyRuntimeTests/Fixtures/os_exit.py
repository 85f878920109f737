import os


def main(data):
    os._exit(1)
