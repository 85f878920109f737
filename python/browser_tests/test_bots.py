"""The bots' pages in Chromium: preview, create, list, open and stop a grid bot, on a phone."""
import re

from conftest import PHONE, assert_no_horizontal_overflow, screenshot, sign_up


def test_a_grid_bot_from_the_form_after_a_preview_then_stopped(new_page):
    page = new_page(PHONE)
    sign_up(page, "bots")
    page.goto("/bots")
    assert page.locator("[data-bot]").count() == 0
    kind = page.get_by_label("Bot", exact=True)
    # Choosing a bot fills in its example parameters (app.js), the grid's around the newest close.
    kind.select_option("loop")
    assert '"gap"' in page.locator("#params").input_value()
    kind.select_option("grid")
    assert '"lower"' in page.locator("#params").input_value()
    assert_no_horizontal_overflow(page)

    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("[data-preview]")
    assert page.locator('table[data-table="preview-orders"] tbody tr').count() >= 2
    assert re.search(r"\d+ initial orders", page.locator("[data-preview]").inner_text())
    assert page.locator("[data-bot]").count() == 0, "a preview creates nothing"
    assert_no_horizontal_overflow(page)
    page.locator("#preview-h").scroll_into_view_if_needed()
    screenshot(page, "bots-preview-phone")

    page.get_by_role("button", name="Create and start").click()
    page.wait_for_url("**/bots/*?notice=bot-created")
    bot = int(page.url.split("/bots/")[1].split("?")[0])
    assert page.locator("h1 [data-status]").inner_text().strip() == "running"
    assert '"levels"' in page.locator("[data-params]").inner_text()
    assert_no_horizontal_overflow(page)

    page.goto("/bots")
    card = page.locator(f'[data-bot="{bot}"]')
    assert card.count() == 1 and "running" in card.inner_text()
    assert_no_horizontal_overflow(page)
    card.get_by_role("link").click()
    page.wait_for_url(f"**/bots/{bot}")
    # The scheduler runs the bot every 500 ms: its grid's limit orders show as open orders.
    rows = page.locator('table[data-table="orders"] tbody tr')
    for _ in range(40):
        if rows.count():
            break
        page.wait_for_timeout(500)
        page.goto(f"/bots/{bot}")
    assert rows.count() >= 1, "the bot placed no order"
    assert_no_horizontal_overflow(page)

    page.get_by_label("Close the position at market").check()
    page.get_by_role("button", name="Stop").click()
    page.wait_for_url(f"**/bots/{bot}?notice=bot-stopped")
    assert page.locator("h1 [data-status]").inner_text().strip() == "stopped"
    assert page.get_by_role("button", name="Start").count() == 1
    # Not asserted: that the open orders are gone. Under `tradectl serve` the stop's cancelAll leaves
    # the orders "new" through /api/bots as well (a platform issue, reported); in the router tests
    # (DashboardBotTests, BotRouteTests) the stop cancels them at once.
    assert_no_horizontal_overflow(page)
    screenshot(page, "bot-stopped-phone")
