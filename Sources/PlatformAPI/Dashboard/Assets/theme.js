// Applies the remembered theme before the page paints (loaded blocking in <head>).
(function () {
  var theme = null;
  try { theme = localStorage.getItem("tradectl-theme"); } catch (e) { /* storage blocked */ }
  if (theme !== "dark" && theme !== "light") {
    theme = window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.documentElement.setAttribute("data-theme", theme);
})();
