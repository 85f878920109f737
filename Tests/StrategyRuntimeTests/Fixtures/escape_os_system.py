import os


def main(data):
    os.system("touch /tmp/tradectl-escape-os-system")
    return None
