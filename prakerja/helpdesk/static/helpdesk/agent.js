// Agent pages: presence heartbeat, search and send keys, canned responses. No inline scripts (CSP).
(function () {
  "use strict";
  var HEARTBEAT_MS = 30000;

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // Presence stays "online" only while some workspace page keeps beating; a closed browser expires.
  var beatUrl = document.querySelector("script[data-heartbeat]").getAttribute("data-heartbeat");
  function beat() {
    if (document.visibilityState === "hidden") { return; }
    fetch(beatUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
  }
  beat();
  setInterval(beat, HEARTBEAT_MS);
  document.addEventListener("visibilitychange", beat);

  // Keyboard: "/" focuses search, Ctrl/Cmd+Enter sends the form of the focused text box (the
  // inbox's own keys are in inbox.js).
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    var typing = tag === "input" || tag === "textarea" || tag === "select";
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && tag === "textarea") {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "/") {
      var search = document.querySelector("[data-shortcut='/']");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });

  // Canned responses: fetch the filled text and put it into the reply box.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("select[data-canned-url]") || !el.value) { return; }
    var url = el.getAttribute("data-canned-url").replace(/\/0\/$/, "/" + el.value + "/");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        var box = document.getElementById(el.getAttribute("data-target"));
        if (box && text) { box.value = box.value ? box.value + "\n\n" + text : text; box.focus(); }
        el.value = "";
      });
  });
})();
