"""Takes the README's dashboard screenshots (docs/screenshots) from a demo-seeded `tradectl serve`.

Not a test: run by hand after a visible change, `.tradectl/pw-venv/bin/python python/browser_tests/readme_screenshots.py`,
then check each file stays well under 200 KB (pngquant is used when installed).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from conftest import CHROMIUM, ROOT, free_port  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main():
    binary = Path(os.environ.get("TRADECTL_BIN", ROOT / ".build" / "debug" / "tradectl"))
    work = Path(tempfile.mkdtemp(prefix="tradectl-shots-"))
    port = free_port()
    proc = subprocess.Popen([str(binary), "serve", "--db", str(work / "demo.sqlite"), "--port", str(port), "--speed", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, TRADECTL_HOME=str(ROOT)))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(5)  # a few more candles on the demo's clock
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            desktop = browser.new_context(viewport={"width": 1200, "height": 760}, base_url=base)
            page = desktop.new_page()
            page.goto("/login")
            page.get_by_label("Email").fill("demo@example.com")
            page.get_by_label("Password").fill("demo-password")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/subscriptions")
            page.goto("/strategies?sort=return")
            page.screenshot(path=str(OUT / "strategies.png"))
            page.goto("/subscriptions")
            page.screenshot(path=str(OUT / "subscriptions.png"))
            first = page.locator("tbody tr a").first.get_attribute("href")
            page.goto(first)
            page.get_by_role("button", name="Dark mode").click()
            page.locator("#chart-h").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / "subscription-dark.png"))
            page.get_by_role("button", name="Dark mode").click()
            page.goto("/strategies/new")
            page.get_by_label("Name").fill("Broken")
            page.locator("#source").fill("import pandas as pd\n\n\ndef main(data):\n    return {\"action\": \"BUY\"\n")
            page.get_by_role("button", name="Upload").click()
            page.wait_for_selector(".gutter .bad")
            page.screenshot(path=str(OUT / "editor-error.png"))
            phone = browser.new_context(viewport={"width": 390, "height": 760}, base_url=base, storage_state=desktop.storage_state())
            page = phone.new_page()
            page.goto(first)
            page.screenshot(path=str(OUT / "subscription-phone.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)
    for png in sorted(OUT.glob("*.png")):
        if shutil.which("pngquant"):
            subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "70-95", "--output", str(png), str(png)], check=False)
        print(png.relative_to(ROOT), png.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
