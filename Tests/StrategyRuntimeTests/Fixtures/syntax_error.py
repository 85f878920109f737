def main(data):
    x = (1,
    return None
