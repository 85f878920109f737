"""Does nothing: measures the runtime's own per-call overhead."""


def main(data):
    return None
