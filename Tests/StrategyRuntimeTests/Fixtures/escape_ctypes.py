def main(data):
    import ctypes
    ctypes.string_at(0)
    return None
