import threading


def main(data):
    threading.Thread(target=lambda: None).start()
    return None
