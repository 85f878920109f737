def strategy(data):
    return None
