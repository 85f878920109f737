"""What a person does with the dashboard, in Chromium."""
import re

from conftest import (DESKTOP, PHONE, ROOT, assert_no_horizontal_overflow, screenshot, sign_up, subscribe,
                      upload)

SEED = (ROOT / "python" / "strategies" / "sma_crossover.py").read_text()
BREAKOUT = (ROOT / "python" / "strategies" / "breakout_trailing.py").read_text()
BROKEN = "import pandas as pd\n\n\ndef main(data):\n    return {\"action\": \"BUY\"\n"
# Signals on every candle (BUY, then SELL, …), so a new one arrives every 500 ms on the test clock.
FLIP = (
    "def main(data, ctx):\n"
    "    n = ctx.state.get(\"n\", 0)\n"
    "    ctx.state[\"n\"] = n + 1\n"
    "    return {\"action\": \"BUY\" if n % 2 == 0 else \"SELL\"}\n"
)


def status_tag(page) -> str:
    return page.locator("h1 [data-status]").inner_text().strip()


def test_sign_up_upload_broken_subscribe_pause_resume_cancel(new_page):
    page = new_page()
    sign_up(page, "ada", name="Ada")
    assert page.get_by_role("status").first.inner_text().startswith("Welcome")
    assert page.locator(".who").inner_text() == "Ada"

    strategy = upload(page, "SMA crossover (seed)", SEED)
    assert page.locator("h1").inner_text() == "SMA crossover (seed)"
    assert "loaded in its sandbox" in page.locator(".notice").inner_text()

    # A broken upload: the load error comes back with its line, marked in the editor.
    page.goto("/strategies/new")
    page.get_by_label("Name").fill("Broken")
    page.locator("#source").fill(BROKEN)
    response = None
    with page.expect_response(lambda r: r.url.endswith("/strategies/new") and r.request.method == "POST") as info:
        page.get_by_role("button", name="Upload").click()
    response = info.value
    assert response.status == 422
    alert = page.get_by_role("alert")
    assert "line" in alert.inner_text().lower(), alert.inner_text()
    line = int(page.locator("[data-editor]").get_attribute("data-error-line"))
    assert line >= 5
    assert page.locator(".gutter .bad").inner_text().strip() == str(line)
    assert page.locator("#source").input_value() == BROKEN.rstrip("\n") or page.locator("#source").input_value() == BROKEN
    assert page.locator("#source").get_attribute("aria-invalid") == "true"

    # Subscribe from the strategy page, then pause, resume and cancel.
    page.goto(f"/strategies/{strategy}")
    page.get_by_role("link", name="Subscribe").click()
    page.get_by_label("Capital", exact=True).fill("5000")
    page.locator("#riskPercent").fill("2")
    page.locator("#leverage").fill("3")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(re.compile(r".*/subscriptions/\d+\?notice=subscribed"))
    assert status_tag(page) == "active"
    assert "capital 5,000.00" in page.locator(".meta").first.inner_text()

    page.get_by_role("button", name="Pause").click()
    page.wait_for_url("**notice=paused")
    assert status_tag(page) == "paused"
    page.get_by_role("button", name="Resume").click()
    page.wait_for_url("**notice=resumed")
    assert status_tag(page) == "active"
    page.get_by_role("button", name="Cancel").click()  # the confirmation is accepted
    page.wait_for_url("**notice=cancelled")
    assert status_tag(page) == "cancelled"
    assert page.get_by_role("button", name="Pause").count() == 0

    page.goto("/subscriptions")
    assert page.locator("tbody tr").count() == 1
    assert page.locator("tbody tr .tag").inner_text() == "cancelled"


def test_a_signal_from_the_scheduler_appears_without_a_reload(new_page):
    page = new_page()
    sign_up(page, "live")
    strategy = upload(page, "Flip", FLIP, lookback="5")
    sub = subscribe(page, strategy)
    page.goto(f"/subscriptions/{sub}")
    page.evaluate("() => { window.__notReloaded = true; }")
    page.wait_for_selector("[data-live-status].on", timeout=15_000)
    before = page.locator('tbody[data-live="signals"] tr').count()
    # live.js inserts rows it receives from /api/stream with the class "fresh".
    page.wait_for_selector('tbody[data-live="signals"] tr.fresh', timeout=30_000)
    page.wait_for_selector('tbody[data-live="orders"] tr.fresh', timeout=30_000)
    # Each signal's market order fills: the fill event (a row of `fills`) lands in the fills table.
    page.wait_for_selector('tbody[data-live="fills"] tr.fresh', timeout=30_000)
    assert page.locator('tbody[data-live="fills"] tr.fresh td').nth(6).inner_text() in ("taker", "maker", "liquidation")
    assert page.evaluate("() => window.__notReloaded") is True
    assert page.locator('tbody[data-live="signals"] tr').count() > before
    first = page.locator('tbody[data-live="signals"] tr').first
    assert first.locator(".tag").text_content() in ("BUY", "SELL")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", first.locator("td").first.inner_text())


def test_an_order_level_subscription_shows_its_orders_account_and_fills(new_page):
    page = new_page()
    sign_up(page, "orders")
    strategy = upload(page, "Breakout", BREAKOUT, lookback="30")
    sub = subscribe(page, strategy, leverage="1", market="spot")
    assert "spot" in page.locator(".meta").first.inner_text()
    # The scheduler runs it every 500 ms: its resting stop entry is mirrored here as an open order.
    rows = page.locator('table[data-table="orders"] tbody tr')
    for _ in range(60):
        if rows.count():
            break
        page.wait_for_timeout(500)
        page.goto(f"/subscriptions/{sub}")
    assert rows.count() >= 1, "no order reached the subscription"
    text = page.locator('table[data-table="orders"]').inner_text()
    assert "stop" in text and "entry" in text, text
    assert re.search(r"\b(new|cancelled|filled)\b", text), text
    headers = page.locator('table[data-table="orders"] thead th').all_inner_texts()
    assert headers[:2] == ["Candle", "Order"] and "State" in headers
    # The account: spot balances, the resting buy's quote held as reserved.
    account = page.locator("[data-account]").first
    assert "Quote reserved" in account.inner_text()
    assert page.locator('table[data-table="fills"]').count() == 1
    assert_no_horizontal_overflow(page)
    page.locator("#orders-h").scroll_into_view_if_needed()
    screenshot(page, "subscription-orders-desktop")


def test_dark_mode_persists_across_a_reload(new_page):
    page = new_page()
    page.goto("/strategies")
    start = page.locator("html").get_attribute("data-theme")
    assert start in ("light", "dark")
    page.get_by_role("button", name=re.compile("Dark mode")).click()
    flipped = "dark" if start == "light" else "light"
    assert page.locator("html").get_attribute("data-theme") == flipped
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == flipped
    assert page.locator("#theme-toggle").get_attribute("aria-pressed") == ("true" if flipped == "dark" else "false")
    # The theme really changes the colours.
    dark_bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.get_by_role("button", name=re.compile("Dark mode")).click()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != dark_bg


def test_nothing_overflows_at_390_px_and_controls_are_labelled(new_page):
    page = new_page(PHONE)
    sign_up(page, "phone")
    strategy = upload(page, "A strategy with a rather long name that has to wrap on a phone", SEED)
    sub = subscribe(page, strategy)
    page.goto("/credentials")
    page.get_by_label("API key").fill("PHONEKEY-1234567890")
    page.get_by_label("API secret").fill("s3cret")
    page.get_by_role("button", name="Store credential").click()
    for path in ["/strategies", f"/strategies/{strategy}", f"/strategies/{strategy}/edit", f"/strategies/{strategy}/subscribe",
                 f"/strategies/{strategy}/backtest", "/subscriptions", f"/subscriptions/{sub}", "/credentials", "/bots",
                 "/strategies/new"]:
        page.goto(path)
        assert_no_horizontal_overflow(page)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)""")
        assert unlabelled == [], f"{path}: controls without a label: {unlabelled}"


def test_keyboard_reaches_the_content_and_the_forms(new_page):
    page = new_page()
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    # Tabbing on from the content reaches the login form's fields in order.
    page.keyboard.press("Tab")
    seen = []
    for _ in range(8):
        seen.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
        page.keyboard.press("Tab")
    assert "email" in seen and "password" in seen and seen.index("email") < seen.index("password"), seen


def test_a_second_user_sees_nothing_of_the_first(new_page):
    first = new_page()
    email = sign_up(first, "owner", name="Owner One")
    strategy = upload(first, "Owner's strategy", SEED)
    sub = subscribe(first, strategy)
    first.goto("/credentials")
    first.get_by_label("Label").fill("owner-main-account")
    first.get_by_label("API key").fill("OWNERKEY-abcdefghijklmnop-9876")
    first.get_by_label("API secret").fill("owner-secret-value")
    first.get_by_role("button", name="Store credential").click()
    first.wait_for_url("**notice=credential-added")
    hint = first.locator("tbody code").first.inner_text()
    assert hint.startswith("••••") and "OWNERKEY" not in first.content() and "owner-secret-value" not in first.content()

    second = new_page()
    sign_up(second, "other")
    secrets = ["owner-main-account", hint, "OWNERKEY", "owner-secret-value", email]
    for path in ["/strategies", f"/strategies/{strategy}", "/subscriptions", "/credentials", "/bots", f"/subscriptions/{sub}",
                 f"/strategies/{strategy}/edit", f"/strategies/{strategy}/backtest"]:
        response = second.goto(path)
        html = second.content()
        for secret in secrets:
            assert secret not in html, f"{path} shows the first user's {secret!r}"
        if path == f"/subscriptions/{sub}":
            assert response.status == 404
        if path.endswith("/edit") or path.endswith("/backtest"):
            assert response.status == 403
    second.goto("/subscriptions")
    assert second.locator("tbody tr").count() == 0
    second.goto(f"/strategies/{strategy}")
    assert second.locator('tbody[data-live="signals"]').count() == 0  # signals are for the owner and subscribers
    assert second.get_by_role("link", name="Subscribe").count() == 1


def test_backtest_from_the_page(new_page):
    page = new_page()
    sign_up(page, "tester")
    strategy = upload(page, "Backtested flip", FLIP, lookback="5")
    page.goto(f"/strategies/{strategy}")
    page.get_by_role("link", name="Backtest").click()
    page.get_by_label("Candles").fill("120")
    page.get_by_role("button", name="Run backtest").click()
    page.wait_for_selector("#bt-h", timeout=60_000)
    assert page.locator("svg.equity").count() == 1 and page.locator("svg.candles path.m-buy").count() > 0
    assert page.locator("table tbody tr").count() > 10
    assert "120 candles" in page.locator("section p.hint[role=status]").inner_text()


def test_screenshots_of_the_main_pages(new_page):
    shots = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        sign_up(page, "shots-" + label, name="Grace " + label)
        strategy = upload(page, "SMA crossover", SEED)
        flip = upload(page, "Flip every candle", FLIP, lookback="5")
        sub = subscribe(page, flip)
        page.wait_for_timeout(2500)  # a few candles on the test clock, so the tables have rows
        for name, path in [("strategies", "/strategies"), ("strategy", f"/strategies/{strategy}"),
                           ("subscription", f"/subscriptions/{sub}"), ("subscriptions", "/subscriptions"),
                           ("editor", f"/strategies/{strategy}/edit"), ("credentials", "/credentials")]:
            page.goto(path)
            shots.append(screenshot(page, f"{name}-{label}"))
        page.goto("/strategies")
        page.get_by_role("button", name=re.compile("Dark mode")).click()
        page.goto(f"/subscriptions/{sub}")
        shots.append(screenshot(page, f"subscription-dark-{label}"))
    assert all(p.stat().st_size > 10_000 for p in shots), [(p.name, p.stat().st_size) for p in shots]
