// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // After a failed submit the error summary takes the focus, so a screen reader reads it first
  // (the GOV.UK pattern); its links move the focus to their field and show the field's label.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  // Phones: the header's navigation folds behind the menu button.
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("header-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }

  // Announcement banners can be hidden; the choice is kept in this browser only. A banner that
  // comes back with another address (a new announcement) shows again.
  var KEY = "prakerja.dismissed";
  var dismissed = [];
  try { dismissed = JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { dismissed = []; }
  document.querySelectorAll(".banner[data-dismiss-key]").forEach(function (banner) {
    var key = banner.getAttribute("data-dismiss-key");
    if (dismissed.indexOf(key) !== -1) { banner.hidden = true; return; }
    var button = banner.querySelector(".banner-dismiss");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      banner.hidden = true;
      dismissed = dismissed.concat([key]).slice(-20);
      try { window.localStorage.setItem(KEY, JSON.stringify(dismissed)); } catch (e) { /* private mode */ }
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    });
  });
})();
