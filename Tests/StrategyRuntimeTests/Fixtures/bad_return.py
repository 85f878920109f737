def main(data):
    return "BUY"
