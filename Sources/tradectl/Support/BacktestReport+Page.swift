extension BacktestReport {
    /// The page: `{{…}}` are filled by `html`. Everything is inline; the script draws the three
    /// charts on canvases from the JSON in `#report-data` and marks each canvas `data-drawn`.
    static let page = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{TITLE}} · tradectl backtest</title>
    <style>
    :root { --bg:#fff; --fg:#1d2330; --muted:#667085; --grid:#e6e8ee; --up:#16a34a; --down:#dc2626; --line:#2563eb; }
    * { box-sizing: border-box; }
    body { margin: 0; padding: 20px 28px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
    h1 { font-size: 20px; margin: 0 0 2px; }
    h2 { font-size: 15px; margin: 22px 0 6px; }
    .sub { color: var(--muted); margin-bottom: 14px; }
    .cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
    .card { border: 1px solid var(--grid); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
    .card span { display: block; color: var(--muted); font-size: 12px; }
    .card b { font-size: 18px; }
    .chart { width: 100%; display: block; border: 1px solid var(--grid); border-radius: 6px; margin-bottom: 8px; }
    #price-chart { height: 340px; } #equity-chart { height: 180px; } #drawdown-chart { height: 120px; }
    .label { color: var(--muted); font-size: 12px; margin: 8px 0 2px; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid var(--grid); vertical-align: top; }
    th { font-weight: 600; white-space: nowrap; }
    .cols { display: flex; gap: 36px; flex-wrap: wrap; align-items: flex-start; }
    .trades { max-height: 420px; overflow: auto; }
    </style>
    </head>
    <body>
    <h1>{{TITLE}}</h1>
    <div class="sub">{{SUBTITLE}}</div>
    <div class="cards">{{SUMMARY}}</div>
    <div class="label">Price, with entries (▲ long, ▼ short) and exits (●: green a gain, red a loss)</div>
    <canvas id="price-chart" class="chart" role="img" aria-label="candles and trade markers"></canvas>
    <div class="label">Equity</div>
    <canvas id="equity-chart" class="chart" role="img" aria-label="equity curve"></canvas>
    <div class="label">Drawdown (%)</div>
    <canvas id="drawdown-chart" class="chart" role="img" aria-label="drawdown curve"></canvas>
    <div class="cols">
    <div><h2>Stats</h2><table id="stats">{{STATS}}</table></div>
    <div><h2>Trades <small>{{TRADES_NOTE}}</small></h2><div class="trades"><table id="trades">
    <thead><tr><th>#</th><th>side</th><th>entry</th><th>exit</th><th>entry price</th><th>exit price</th><th>P&amp;L</th><th>return %</th><th>exit reason</th></tr></thead>
    <tbody>{{TRADES}}</tbody></table></div></div>
    </div>
    <script id="report-data" type="application/json">{{DATA}}</script>
    <script>
    (function () {
      "use strict";
      var d = JSON.parse(document.getElementById("report-data").textContent);
      var css = getComputedStyle(document.documentElement);
      function color(name) { return css.getPropertyValue(name).trim(); }
      function setup(id) {
        var c = document.getElementById(id), r = c.getBoundingClientRect(), k = window.devicePixelRatio || 1;
        c.width = Math.max(1, Math.round(r.width * k)); c.height = Math.max(1, Math.round(r.height * k));
        var g = c.getContext("2d"); g.scale(k, k);
        return { c: c, g: g, w: r.width, h: r.height, left: 64, right: 12, top: 10, bottom: 22 };
      }
      function scaleY(p, lo, hi) {
        if (!(hi > lo)) { hi = lo + 1; lo = lo - 1; }
        var pad = (hi - lo) * 0.04; lo -= pad; hi += pad;
        return function (v) { return p.top + (hi - v) / (hi - lo) * (p.h - p.top - p.bottom); };
      }
      function scaleX(p, n) { return function (i) { return p.left + (i + 0.5) / Math.max(1, n) * (p.w - p.left - p.right); }; }
      function axes(p, y, lo, hi, fmt) {
        var g = p.g; g.strokeStyle = color("--grid"); g.fillStyle = color("--muted"); g.font = "11px system-ui, sans-serif"; g.lineWidth = 1;
        for (var t = 0; t <= 4; t++) {
          var v = lo + (hi - lo) * t / 4, yy = Math.round(y(v)) + 0.5;
          g.beginPath(); g.moveTo(p.left, yy); g.lineTo(p.w - p.right, yy); g.stroke();
          g.fillText(fmt(v), 4, yy + 4);
        }
        var n = d.bars.length;
        for (var j = 0; j <= 4 && n > 0; j++) {
          var i = Math.min(n - 1, Math.round((n - 1) * j / 4)), x = scaleX(p, n)(i);
          var s = new Date(d.bars[i][0]).toISOString().slice(0, 16).replace("T", " ");
          g.fillText(s, Math.min(Math.max(p.left, x - 45), p.w - p.right - g.measureText(s).width), p.h - 6);
        }
      }
      function fmt(v) { var a = Math.abs(v); return a >= 1e6 ? (v / 1e6).toFixed(2) + "M" : a >= 1000 ? v.toFixed(0) : v.toPrecision(4); }
      function extent(xs) {
        var lo = Infinity, hi = -Infinity;
        xs.forEach(function (v) { if (v !== null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
        return lo <= hi ? [lo, hi] : [0, 1];
      }
      function price() {
        var p = setup("price-chart"), g = p.g, n = d.bars.length, x = scaleX(p, n);
        var lo = Infinity, hi = -Infinity;
        d.bars.forEach(function (b) { lo = Math.min(lo, b[3]); hi = Math.max(hi, b[2]); });
        if (!n) { lo = 0; hi = 1; }
        var y = scaleY(p, lo, hi); axes(p, y, lo, hi, fmt);
        var bw = Math.max(1, (p.w - p.left - p.right) / Math.max(1, n) * 0.7);
        d.bars.forEach(function (b, i) {
          var up = b[4] >= b[1], xx = x(i); g.strokeStyle = g.fillStyle = up ? color("--up") : color("--down");
          g.beginPath(); g.moveTo(xx, y(b[2])); g.lineTo(xx, y(b[3])); g.stroke();
          var top = y(Math.max(b[1], b[4])), h = Math.max(1, Math.abs(y(b[1]) - y(b[4])));
          g.fillRect(xx - bw / 2, top, bw, h);
        });
        d.trades.forEach(function (t) {
          var xe = x(t[0]), ye = y(t[1]), s = 5;
          g.fillStyle = t[4] > 0 ? "#1d4ed8" : "#9333ea";
          g.beginPath();
          if (t[4] > 0) { g.moveTo(xe, ye - s); g.lineTo(xe - s, ye + s); g.lineTo(xe + s, ye + s); }
          else { g.moveTo(xe, ye + s); g.lineTo(xe - s, ye - s); g.lineTo(xe + s, ye - s); }
          g.closePath(); g.fill();
          if (t[2] !== null) {
            g.fillStyle = t[5] >= 0 ? color("--up") : color("--down");
            g.beginPath(); g.arc(x(t[2]), y(t[3]), 3.5, 0, 2 * Math.PI); g.fill();
          }
        });
        p.c.dataset.drawn = "true"; p.c.dataset.markers = String(d.trades.length);
      }
      function curve(id, values, stroke, fill, zeroBase) {
        var p = setup(id), g = p.g, n = values.length, x = scaleX(p, n), e = extent(values);
        if (zeroBase) e = [Math.min(e[0], 0), 0];
        var y = scaleY(p, e[0], e[1]); axes(p, y, e[0], e[1], fmt);
        g.beginPath(); var started = false, lastX = 0;
        values.forEach(function (v, i) {
          if (v === null) return;
          if (!started) { g.moveTo(x(i), y(v)); started = true; } else g.lineTo(x(i), y(v));
          lastX = x(i);
        });
        g.strokeStyle = stroke; g.lineWidth = 1.5; g.stroke();
        if (fill && started) { g.lineTo(lastX, y(zeroBase ? 0 : e[0])); g.lineTo(x(0), y(zeroBase ? 0 : e[0])); g.closePath(); g.fillStyle = fill; g.fill(); }
        p.c.dataset.drawn = "true"; p.c.dataset.points = String(n);
      }
      function draw() {
        price();
        curve("equity-chart", d.equity, color("--line"), "rgba(37,99,235,0.08)", false);
        curve("drawdown-chart", d.drawdown, color("--down"), "rgba(220,38,38,0.15)", true);
        document.body.dataset.ready = "true";
      }
      draw();
      window.addEventListener("resize", draw);
    })();
    </script>
    </body>
    </html>
    """#
}
