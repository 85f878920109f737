def main(data):
    with open("/proc/self/environ", "rb") as f:
        f.read()
    return None
