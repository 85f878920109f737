def main(data):
    # One C call that never returns to the eval loop for seconds: no exception can land in it.
    return sum(range(250_000_000)) and None
