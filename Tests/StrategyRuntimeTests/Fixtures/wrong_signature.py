def main():
    return None
