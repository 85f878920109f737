def main(data):
    try:
        blob = bytearray(8 * 1024 ** 3)
    except MemoryError:
        pass
    return {"action": "BUY"}
