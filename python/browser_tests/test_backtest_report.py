"""`tradectl backtest --report FILE.html` and `--plot FILE.png`, looked at in Chromium."""
import json
import os
import random
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from conftest import ARTIFACTS, ROOT


def binary() -> Path:
    b = Path(os.environ.get("TRADECTL_BIN", ROOT / ".build" / "debug" / "tradectl"))
    if not b.exists():
        pytest.fail(f"{b} is missing: build it with `swift build --product tradectl`")
    return b


def png_pixels(data: bytes):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def non_background_share(data: bytes) -> float:
    """The share of pixels that are not the page's white, sampled every 4th pixel of every 4th row."""
    width, height, bpp, rows = png_pixels(data)
    seen = other = 0
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            seen += 1
            if row[x * bpp:x * bpp + 3] != b"\xff\xff\xff":
                other += 1
    return other / seen


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = tmp_path_factory.mktemp("report")
    rng = random.Random(11)
    price, lines = 100.0, ["time,open,high,low,close,volume"]
    for i in range(600):  # hourly candles: 25 days of daily returns for the ratios
        o = price
        price *= 1 + rng.uniform(-0.006, 0.006)
        lines.append(f"{1704067200 + i * 3600},{o},{max(o, price) * 1.002},{min(o, price) * 0.998},{price},1")
    csv = work / "candles.csv"
    csv.write_text("\n".join(lines) + "\n")
    html, png = work / "report.html", work / "plot.png"
    out = subprocess.run([str(binary()), "backtest", str(ROOT / "python/strategies/sma_crossover_params.py"), "--candles", str(csv),
                          "--symbol", "BTCUSDT", "--timeframe", "1h", "--lookback", "30", "--params", '{"fast": 5, "slow": 15}',
                          "--report", str(html), "--plot", str(png), "--json"],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, TRADECTL_HOME=str(ROOT)))
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout), html, png


def test_the_report_shows_candles_trades_equity_drawdown_and_stats(browser, report):
    result, html, _ = report
    trades = result["stats"]["trades"]
    assert trades >= 5, result["stats"]
    text = html.read_text()
    assert "http://" not in text and "https://" not in text, "the report must need no network"
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    assert all(u.startswith("file:") for u in requests), requests
    assert page.locator("#trade-count").inner_text() == str(trades)
    for chart in ("#price-chart", "#equity-chart", "#drawdown-chart"):
        assert page.locator(chart).get_attribute("data-drawn") == "true", chart
    assert int(page.locator("#equity-chart").get_attribute("data-points")) == result["stats"]["candles"]
    open_position = 1 if any(t["exit_time"] is None for t in result["trades"]) else 0
    assert int(page.locator("#price-chart").get_attribute("data-markers")) == trades + open_position
    # The equity canvas holds the curve: pixels of the line's colour, not only the white and the grid.
    blue = page.evaluate("""() => { const c = document.getElementById('equity-chart'), g = c.getContext('2d');
        const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 150 && d[i] < 120 && d[i + 3] > 0) n++; return n; }""")
    assert blue > 200, blue
    rows = page.locator("#stats tr").all_inner_texts()
    assert any(r.startswith("trades") for r in rows) and any("sharpe" in r for r in rows), rows
    assert page.locator("#trades tbody tr").count() == trades + open_position
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(full_page=True, path=str(ARTIFACTS / "backtest-report.png"))
    assert non_background_share(shot) > 0.03
    page.close()


def test_the_plot_is_a_non_blank_png_of_the_report(report):
    _, _, png = report
    data = png.read_bytes()
    width, height, _, _ = png_pixels(data)
    assert (width, height) == (1280, 1400)
    assert non_background_share(data) > 0.03
