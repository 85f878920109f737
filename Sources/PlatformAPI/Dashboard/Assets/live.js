// Live updates from the event stream (/api/stream, authenticated by the session cookie): new
// signals, orders and fills are added to the open page's tables without a reload.

const status = document.querySelector("[data-live-status]");
const tables = [...document.querySelectorAll("tbody[data-live]")];
const seen = { s: 0, o: 0, f: 0 };
let source = null;
let retry = 1000;

function say(text, on) {
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("on", !!on);
}

const pad = (n) => String(n).padStart(2, "0");
function time(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
function group(x, decimals) {
  const [whole, frac] = Math.abs(x).toFixed(decimals).split(".");
  return (x < 0 ? "−" : "") + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac ? "." + frac : "");
}
const price = (x) => (x == null ? "–" : Math.abs(x) >= 1 ? group(x, 2) : Number(x).toPrecision(4));
const qty = (x) => String(Number(x.toFixed(6)));

function cell(row, text, tag) {
  const td = document.createElement("td");
  if (tag) {
    const span = document.createElement("span");
    span.className = "tag " + tag;
    span.textContent = text;
    td.appendChild(span);
  } else {
    td.textContent = text;
  }
  row.appendChild(td);
}

function add(kind, id, cells) {
  for (const body of tables.filter((t) => t.dataset.live === kind)) {
    if (body.querySelector(`tr[data-id="${id}"]`)) continue;
    const row = document.createElement("tr");
    row.dataset.id = id;
    row.className = "fresh";
    for (const [text, tag] of cells) cell(row, text, tag);
    body.prepend(row);
    while (body.rows.length > 50) body.lastElementChild.remove();
    const empty = document.querySelector(`[data-empty="${kind}"]`);
    if (empty) empty.remove();
    if (kind === "orders") {
      const count = document.querySelector('[data-count="orders"]');
      if (count) count.textContent = String(Number(count.textContent) + 1);
    }
  }
}

function onSignal(event) {
  const s = JSON.parse(event.data);
  seen.s = Math.max(seen.s, s.id);
  if (!tables.some((t) => t.dataset.live === "signals" && Number(t.dataset.strategy) === s.strategyId)) return;
  add("signals", "s" + s.id, [[time(s.candleTime)], [s.symbol], [s.action, s.action.toLowerCase()], [price(s.entryPrice)],
    [price(s.stopLoss)], [price(s.takeProfit)]]);
}

function onOrder(event) {
  const o = JSON.parse(event.data);
  seen.o = Math.max(seen.o, o.id);
  if (!tables.some((t) => t.dataset.live === "orders" && Number(t.dataset.subscription) === o.subscriptionId)) return;
  const at = o.type === "limit" ? o.limitPrice : o.type === "stop" ? o.stopPrice : null;
  add("orders", "o" + o.id, [[time(o.candleTime)], [o.type + (o.tag ? " " + o.tag : "")], [o.side], [qty(o.qty)],
    [o.filled > 0 || at == null ? price(o.price) : "@ " + price(at)], [group(o.fee, 2)], [o.purpose], [o.status, o.status]]);
}

function onFill(event) {
  const f = JSON.parse(event.data);
  seen.f = Math.max(seen.f, f.id);
  if (!tables.some((t) => t.dataset.live === "fills" && Number(t.dataset.subscription) === f.subscriptionId)) return;
  const pnl = f.realisedPnl === 0 ? "" : (f.realisedPnl > 0 ? "+" : "") + group(f.realisedPnl, 2);
  add("fills", "f" + f.id, [[time(f.time)], [f.tag], [f.side], [qty(f.qty)], [price(f.price)], [group(f.fee, 2)],
    f.liquidation ? ["liquidation", "cancelled"] : [f.maker ? "maker" : "taker"], [pnl]]);
}

// Start after the newest rows the page was rendered with, so nothing between render and connect is lost.
for (const row of document.querySelectorAll("tbody[data-live] tr[data-id]")) {
  const kind = row.dataset.id[0], id = Number(row.dataset.id.slice(1));
  if (kind in seen && id > seen[kind]) seen[kind] = id;
}

function connect() {
  const parts = Object.entries(seen).filter(([, id]) => id > 0).map(([kind, id]) => kind + id);
  const after = parts.length ? "?after=" + parts.join(",") : "";
  source = new EventSource("/api/stream" + after);
  source.addEventListener("open", () => { retry = 1000; say("Live: new signals, orders and fills appear here as they happen.", true); });
  source.addEventListener("signal", onSignal);
  source.addEventListener("order", onOrder);
  source.addEventListener("fill", onFill);
  source.addEventListener("error", () => {
    source.close();
    say("Live updates paused; reconnecting…", false);
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30000);
  });
}

if (tables.length && "EventSource" in window) connect();
else say("Live updates need JavaScript; reload for new activity.", false);
