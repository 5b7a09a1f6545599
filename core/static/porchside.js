// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // Forms marked data-once disable their submit buttons after the first submit,
  // so a double click sends one request (the server is idempotent anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
    });
  });
  // Print buttons (data-print) start hidden: only a browser running this can print.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Navigation menus (<details data-menu>) open and close without this; it
  // adds what a menu is expected to do: one open at a time, closed by Escape
  // (focus back on its button) or by a click or focus elsewhere.
  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));
  function closeMenus(except) {
    menus.forEach(function (menu) { if (menu !== except) menu.open = false; });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  function outside(event) {
    menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
  }
  document.addEventListener("click", outside);
  document.addEventListener("focusin", outside);
})();
