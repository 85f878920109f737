"""The dashboard in a real browser: Debian's chromium driven headless by playwright, against a
real `tradectl serve` on a free loopback port with its own SQLite file.

Run by scripts/browser-test.sh (part of `make test`). A missing chromium, playwright or tradectl
binary FAILS the suite; nothing here is skipped.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".build" / "dashboard-screenshots"
CHROMIUM = os.environ.get("TRADECTL_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    """A `tradectl serve` with a fast clock: a 1m candle closes every 500 ms of wall time."""
    binary = Path(os.environ.get("TRADECTL_BIN", ROOT / ".build" / "debug" / "tradectl"))
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build it with `swift build --product tradectl` (and tradectl-sandbox)")
    work = Path(tempfile.mkdtemp(prefix="tradectl-browser-"))
    port = free_port()
    log = open(work / "serve.log", "wb")
    env = dict(os.environ, TRADECTL_HOME=str(ROOT))
    proc = subprocess.Popen(
        [str(binary), "serve", "--db", str(work / "browser.sqlite"), "--port", str(port), "--bcrypt-cost", "4",
         "--auth-rate-limit", "10000", "--no-demo-seed", "--speed", "120"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("tradectl serve did not start:\n" + (work / "serve.log").read_text(errors="replace")[-4000:])
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run scripts/setup.sh")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def new_page(browser, server):
    """Opens pages in fresh browser contexts (separate cookie jars: separate people)."""
    contexts = []

    def make(viewport=DESKTOP):
        ctx = browser.new_context(viewport=viewport, base_url=server)
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("dialog", lambda d: d.accept())
        return page

    yield make
    for c in contexts:
        c.close()


def unique_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def sign_up(page, tag: str, name: str | None = None) -> str:
    email = unique_email(tag)
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    if name:
        page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/strategies?notice=welcome")
    return email


def upload(page, name: str, source: str, symbols="BTCUSDT", lookback="60") -> int:
    """Uploads through the editor and returns the new strategy's id."""
    page.goto("/strategies/new")
    page.get_by_label("Name").fill(name)
    page.locator("#source").fill(source)
    page.get_by_label("Symbols").fill(symbols)
    page.get_by_label("Lookback").fill(lookback)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/strategies/*?notice=created")
    return int(page.url.split("/strategies/")[1].split("?")[0])


def subscribe(page, strategy_id: int, capital="5000", risk="2", leverage="3", market=None) -> int:
    page.goto(f"/strategies/{strategy_id}/subscribe")
    page.get_by_label("Capital", exact=True).fill(capital)
    page.locator("#riskPercent").fill(risk)
    page.locator("#leverage").fill(leverage)
    if market:
        page.get_by_label("Market").select_option(market)
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscriptions/*?notice=subscribed")
    return int(page.url.split("/subscriptions/")[1].split("?")[0])


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def assert_no_horizontal_overflow(page):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, "
                           "document.body.scrollWidth]")
    assert widths[0] <= widths[1] and widths[2] <= widths[1], f"{page.url} overflows horizontally: {widths}"
