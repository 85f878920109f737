def main(data):
    xs = []
    while True:
        xs.append("x" * 1000 + str(len(xs)))
