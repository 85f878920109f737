// Progressive enhancement for every page: the theme toggle, confirmations, the code editor's
// line numbers and keys, and a busy note on slow forms. Every page works without it.

const root = document.documentElement;
const toggle = document.getElementById("theme-toggle");

function showTheme() {
  const dark = root.getAttribute("data-theme") === "dark";
  if (!toggle) return;
  toggle.setAttribute("aria-pressed", dark ? "true" : "false");
}

if (toggle) {
  showTheme();
  toggle.addEventListener("click", () => {
    const next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("tradectl-theme", next); } catch (e) { /* storage blocked: this page only */ }
    showTheme();
  });
}

// Forms that change something final ask first.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Slow forms say they are working.
for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
  });
}

// The code editor: line numbers beside the textarea, the load error's line marked, Tab indents.
for (const editor of document.querySelectorAll("[data-editor]")) {
  const area = editor.querySelector("textarea");
  const gutter = editor.querySelector(".gutter");
  const bad = Number(editor.dataset.errorLine || 0);
  let escaped = false;
  const number = () => {
    const lines = area.value.split("\n").length;
    gutter.textContent = "";
    for (let i = 1; i <= lines; i++) {
      const line = document.createElement("span");
      line.textContent = i + "\n";
      if (i === bad) line.className = "bad";
      gutter.appendChild(line);
    }
  };
  const follow = () => { gutter.scrollTop = area.scrollTop; };
  area.addEventListener("input", number);
  area.addEventListener("scroll", follow);
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { escaped = true; return; }
    if (event.key === "Tab" && !event.shiftKey && !escaped && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const start = area.selectionStart, end = area.selectionEnd;
      area.setRangeText("    ", start, end, "end");
      number();
      return;
    }
    escaped = false;
  });
  number();
  if (bad > 0) {
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (bad - 4) * lineHeight);
    follow();
  }
}

// The editor's kind: webhook strategies have no code.
for (const radio of document.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => {
    const code = document.querySelector("[data-code-only]");
    if (code) code.hidden = radio.value === "webhook" && radio.checked;
  });
}

// The bot form: choosing a bot fills in its example parameters and investment.
// The bot form shows the parameter set of the chosen bot only (without scripts, all of them;
// the server reads the chosen bot's set).
for (const form of document.querySelectorAll("form[data-bot-form]")) {
  const type = form.querySelector("select[name=type]");
  const show = () => {
    for (const set of form.querySelectorAll("fieldset[data-kind]")) {
      set.hidden = set.dataset.kind !== type.value;
      set.disabled = set.hidden;
    }
  };
  type.addEventListener("change", () => {
    form.querySelector("input[name=investment]").value = type.selectedOptions[0].dataset.investment;
    show();
  });
  show();
}
