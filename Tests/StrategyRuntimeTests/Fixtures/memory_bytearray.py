def main(data):
    blob = bytearray(8 * 1024 ** 3)
    return None
