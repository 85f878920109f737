def main(data):
    with open("/tmp/tradectl-escape-write", "w") as f:
        f.write("pwned")
    return None
