"""The bots' pages in Chromium: preview, create, list, open and stop a grid bot, on a phone."""
import re

from conftest import PHONE, assert_no_horizontal_overflow, screenshot, sign_up


def test_a_grid_bot_from_the_form_after_a_preview_then_stopped(new_page):
    page = new_page(PHONE)
    sign_up(page, "bots")
    page.goto("/bots")
    assert page.locator("[data-bot]").count() == 0
    kind = page.get_by_label("Bot", exact=True)
    # Choosing a bot shows its own parameter fields (app.js), filled with its example; the grid's
    # range lies around the newest close.
    kind.select_option("loop")
    assert page.locator("#p-loop-gap").is_visible() and not page.locator("#p-grid-lower").is_visible()
    assert page.locator("#p-loop-gap").input_value() == "0.01"
    kind.select_option("grid")
    assert page.locator("#p-grid-lower").is_visible() and not page.locator("#p-loop-gap").is_visible()
    assert float(page.locator("#p-grid-lower").input_value()) < float(page.locator("#p-grid-upper").input_value())
    page.locator("#p-grid-levels").fill("7")
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
    assert re.search(r'"levels"\s*:\s*7\b', page.locator("[data-params]").inner_text()), "the form's fields made the bot's params"

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
    # The stop cancelled every open order (a run of the bot in flight at the stop places nothing).
    rows = page.locator('table[data-table="orders"] tbody tr')
    for _ in range(20):
        if rows.count() == 0:
            break
        page.wait_for_timeout(500)
        page.goto(f"/bots/{bot}")
    assert rows.count() == 0, "open orders left after the stop: " + page.locator('table[data-table="orders"]').inner_text()
    assert_no_horizontal_overflow(page)
    screenshot(page, "bot-stopped-phone")
