def main(data):
    try:
        open("/tmp/tradectl-escape-caught", "w").write("x")
    except PermissionError:
        pass
    return {"action": "BUY"}
