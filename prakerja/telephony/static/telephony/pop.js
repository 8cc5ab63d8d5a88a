// Screen-pop for agents: the #tel-pop panel (on every workspace page) reloads its fragment when
// the agent socket delivers a `screen.pop` event; without a socket it polls instead.
(function () {
  "use strict";
  var slot = document.getElementById("tel-pop");
  if (!slot || !window.htmx) {
    return;
  }
  var pollSeconds = parseInt(slot.getAttribute("data-poll-seconds"), 10) || 5;
  var pollTimer = null;
  var retryDelay = 2000;

  function refresh() {
    window.htmx.trigger(slot, "telephony-pop");
  }
  function startPolling() {
    if (!pollTimer) {
      pollTimer = window.setInterval(refresh, pollSeconds * 1000);
    }
  }
  function stopPolling() {
    if (pollTimer) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
  }
  function onEvent(data) {
    if (data && data.type === "screen.pop") {
      refresh();
    }
  }
  function connect() {
    var path = slot.getAttribute("data-socket-path");
    if (!path || !("WebSocket" in window)) {
      startPolling();
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new window.WebSocket(scheme + window.location.host + path);
    } catch (err) {
      startPolling();
      return;
    }
    socket.addEventListener("open", function () {
      stopPolling();
      retryDelay = 2000;
      slot.setAttribute("data-socket", "open");
      refresh(); // anything that popped while we were connecting
    });
    socket.addEventListener("message", function (event) {
      try {
        onEvent(JSON.parse(event.data));
      } catch (err) {
        // not JSON: not for us
      }
    });
    socket.addEventListener("close", function () {
      slot.setAttribute("data-socket", "closed");
      startPolling();
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }
  // The live-chat workspace holds its own agent socket and passes other systems' events on as
  // a DOM event: use that instead of a second socket (and poll slowly in case it is down).
  document.addEventListener("prakerja:agent-event", function (event) {
    onEvent(event.detail);
  });
  if (document.getElementById("lcw")) {
    pollSeconds = 15;
    startPolling();
    return;
  }
  // The agent inbox holds the agent socket too, and says when it opens and closes.
  var shared = document.querySelector("[data-agent-socket]");
  if (shared && shared.getAttribute("data-agent-socket")) {
    document.addEventListener("prakerja:agent-socket", function (event) {
      var open = event.detail && event.detail.open;
      slot.setAttribute("data-socket", open ? "open" : "closed");
      if (open) {
        stopPolling();
        refresh(); // anything that popped while we were connecting
      } else {
        startPolling();
      }
    });
    startPolling();
    return;
  }
  startPolling();
  connect();
})();
