def main(data):
    return {"action": "YOLO"}
