def main(data):
    n = 0
    for _ in range(3):
        try:
            while True:
                n += 1
        except BaseException:
            pass
    return {"action": "BUY"}
