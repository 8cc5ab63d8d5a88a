// Progressive enhancement: a countdown to the test's deadline, and the answers sent when it
// is reached (the server takes them for a short grace after the deadline).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("skills-deadline");
    var output = document.getElementById("skills-countdown");
    var form = document.getElementById("skills-form");
    if (!holder || !output || !form) {
      return;
    }
    var deadline = Date.parse(holder.getAttribute("data-deadline"));
    var sent = false;
    form.addEventListener("submit", function () { sent = true; });
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      output.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0 && !sent) {
        sent = true;
        form.submit();
        return;
      }
      if (left > 0) {
        window.setTimeout(tick, 1000);
      }
    }
    tick();
  });
})();
