import subprocess


def main(data):
    subprocess.run(["touch", "/tmp/tradectl-escape-subprocess"])
    return None
