// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

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
