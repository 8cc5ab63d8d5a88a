// The agent inbox: one websocket (the live-chat agent socket) for every live update, the live
// chat composer of an open chat, presence, and the keyboard. The list and the conversation are
// htmx fragments: events only ask htmx to refresh them. Text from others goes in as textContent.
(function () {
  "use strict";
  var root = document.getElementById("inbox");
  if (!root || !window.htmx) { return; }
  var T = JSON.parse(document.getElementById("inbox-strings").textContent);
  var conn = document.getElementById("inbox-conn");
  var notice = document.getElementById("inbox-notice");
  var presence = document.getElementById("presence-status");
  var keys = document.getElementById("inbox-keys");
  var ws = null, attempts = 0, beat = null, baseTitle = document.title, lastRefresh = 0, refreshTimer = null;
  var selectedKey = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "a" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function conv() { return document.getElementById("conv"); }
  function openChat() { var c = conv(); return c && c.dataset.chat ? Number(c.dataset.chat) : null; }

  // --- the list: refreshed by htmx, at most every 2 s whatever the event rate ---------------
  function refreshList() {
    var wait = Math.max(0, 2000 - (Date.now() - lastRefresh));
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () {
      refreshTimer = null; lastRefresh = Date.now();
      htmx.trigger(document.body, "inbox-refresh");
    }, wait);
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox-list .inbox-row")); }
  function markRows() {
    var c = conv();
    var open = c ? [c.dataset.key, c.dataset.keyChat] : [];
    rows().forEach(function (row) {
      row.classList.toggle("is-open", open.indexOf(row.dataset.key) >= 0);
      row.classList.toggle("is-selected", row.dataset.key === selectedKey);
      if (open.indexOf(row.dataset.key) >= 0) { row.classList.remove("is-unread"); }
    });
  }
  function openUrl(url) {
    htmx.ajax("GET", url, { target: "#inbox-detail" }).then(function () { history.pushState({}, "", url); });
  }

  // --- notices and the cue ----------------------------------------------------------------
  function cue() {
    document.title = "(" + T.new_message + ") " + baseTitle;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx(); var osc = ctx.createOscillator(); var gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08; osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no audio: the visual cue remains */ }
  }
  window.addEventListener("focus", function () { document.title = baseTitle; });
  function tell(text, url) {
    notice.textContent = text;
    if (url) {
      var a = el("a", { href: url }, T.open);
      a.addEventListener("click", function (e) { e.preventDefault(); notice.hidden = true; openUrl(url); });
      notice.appendChild(a);
    }
    notice.hidden = false;
    clearTimeout(tell.timer);
    tell.timer = setTimeout(function () { notice.hidden = true; }, 12000);
  }
  function ticketUrl(reference) { return root.dataset.ticketUrl.replace("REF", encodeURIComponent(reference)); }

  // --- the live chat in the conversation pane -------------------------------------------------
  function stamp(iso) {
    var d = iso ? new Date(iso) : new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function appendMessage(m, pendingId) {
    var thread = document.querySelector("#conv .thread");
    if (!thread || (m.id && document.getElementById("m" + m.id))) { return; }
    var pending = m.client_id ? thread.querySelector('[data-client="' + CSS.escape(m.client_id) + '"]') : null;
    if (pending) { pending.remove(); } // stored: shown as the server has it
    var side = m.author === "participant" ? "msg-requester" : "msg-agent";
    var li = el("li", { class: "msg msg-" + (m.author === "system" ? "system" : "public") + " " + side });
    if (m.id) { li.id = "m" + m.id; }
    if (pendingId) { li.setAttribute("data-client", pendingId); li.classList.add("is-pending"); }
    var meta = el("p", { class: "msg-meta" });
    meta.appendChild(el("strong", {}, m.name || (m.author === "participant" ? T.participant : (m.author === "system" ? "" : T.agent))));
    meta.appendChild(document.createTextNode(" · " + stamp(m.at) + (pendingId ? " · " + T.sending : "")));
    li.appendChild(meta);
    li.appendChild(el("div", { class: "msg-body" }, m.body));
    thread.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }
  function chatReply(form) {
    var area = form.querySelector("textarea");
    var text = area.value.trim();
    if (!text) { return; }
    var chat = Number(form.dataset.chat), id = uid();
    if (!send({ type: "message", chat: chat, id: id, body: text })) { tell(T.reconnecting); return; }
    appendMessage({ author: "agent", body: text, client_id: "" }, id);
    send({ type: "typing", chat: chat, on: false });
    area.value = "";
  }
  document.addEventListener("submit", function (e) {
    if (e.target.matches(".inbox-chat-compose")) { e.preventDefault(); chatReply(e.target); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.matches && e.target.matches(".inbox-chat-compose textarea") && e.key === "Enter" && !e.shiftKey) {
      e.preventDefault(); chatReply(e.target.form);
    }
  });
  document.addEventListener("input", function (e) {
    if (!e.target.matches || !e.target.matches(".inbox-chat-compose textarea")) { return; }
    var form = e.target.form, now = Date.now();
    if (!form.lastTyping || now - form.lastTyping > 2000) { form.lastTyping = now; send({ type: "typing", chat: Number(form.dataset.chat), on: true }); }
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches(".inbox-chat-transfer") && e.target.value) {
      var chat = Number(e.target.form.dataset.chat);
      send({ type: "transfer", chat: chat, to: e.target.value === "queue" ? null : Number(e.target.value) });
      e.target.value = "";
    }
  });
  document.addEventListener("click", function (e) {
    var end = e.target.closest && e.target.closest(".inbox-chat-end");
    if (end && window.confirm(T.end_confirm)) { send({ type: "end", chat: Number(end.form.dataset.chat) }); }
  });
  function reloadConversation() {
    var c = conv();
    if (c && c.dataset.reference) { htmx.ajax("GET", ticketUrl(c.dataset.reference), { target: "#inbox-detail" }); }
  }

  // --- the socket -----------------------------------------------------------------------------
  function announce(open) {
    conn.dataset.state = open ? "open" : "closed";
    conn.textContent = open ? T.connected : T.reconnecting;
    document.dispatchEvent(new CustomEvent("prakerja:agent-socket", { detail: { open: open } }));
  }
  function joinOpenChat() {
    var chat = openChat();
    if (!chat) { return; }
    var ids = Array.prototype.map.call(document.querySelectorAll("#conv .thread li[id^=m]"), function (li) { return Number(li.id.slice(1)) || 0; });
    send({ type: "history", chat: chat, after: Math.max.apply(null, [0].concat(ids)) });
  }
  function handle(msg) {
    var chat = openChat();
    switch (msg.type) {
      case "chats": case "pong": case "state": case "seen": break;
      case "presence": presence.value = msg.status; presence.dataset.saved = msg.status; break;
      case "assigned":
        cue(); refreshList();
        tell(T.new_chat + ": " + (msg.chat.requester_name || ""), ticketUrl(msg.chat.reference));
        break;
      case "history": (msg.messages || []).forEach(function (m) { if (msg.chat === chat) { appendMessage(m); } }); break;
      case "message": case "ack":
        if (msg.chat === chat && msg.message) {
          appendMessage(msg.message);
          if (msg.type === "message" && msg.message.author === "participant") {
            var typing = document.querySelector("#conv .inbox-typing"); if (typing) { typing.textContent = ""; }
            if (document.visibilityState === "visible") { send({ type: "seen", chat: chat, upto: msg.message.id }); }
          }
        } else if (msg.type === "message") {
          var row = document.querySelector('#inbox-list [data-chat="' + msg.chat + '"]');
          if (row) { row.classList.add("is-unread"); }
          if (document.visibilityState !== "visible") { cue(); }
        }
        break;
      case "typing":
        if (msg.chat === chat) { var t = document.querySelector("#conv .inbox-typing"); if (t) { t.textContent = msg.on ? T.typing : ""; } }
        break;
      case "ended": case "unassigned":
        refreshList();
        if (msg.chat && msg.chat.id === chat) { reloadConversation(); }
        break;
      case "queue": refreshList(); break;
      case "screen.pop":
        cue(); refreshList();
        tell(msg.title || T.call, msg.ticket_reference ? ticketUrl(msg.ticket_reference) : "");
        break;
      case "ticket.assigned":
        refreshList();
        tell(T.new_ticket + ": " + msg.ticket, ticketUrl(msg.ticket));
        break;
      case "ticket.message":
        refreshList();
        if (conv() && conv().dataset.reference === msg.ticket) { htmx.trigger(document.body, "inbox-ticket-changed"); }
        break;
      case "notify":
        refreshList();
        tell(msg.message || "", msg.ticket ? ticketUrl(msg.ticket) : "");
        break;
      case "error": tell(msg.message || ""); break;
      default: refreshList();
    }
    document.dispatchEvent(new CustomEvent("prakerja:agent-event", { detail: msg }));
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    try { ws = new WebSocket(proto + location.host + root.dataset.agentSocket); } catch (e) { announce(false); return; }
    ws.onopen = function () {
      attempts = 0; announce(true);
      clearInterval(beat);
      beat = setInterval(function () { send({ type: "heartbeat" }); }, 30000);
      joinOpenChat();
    };
    ws.onmessage = function (e) { try { handle(JSON.parse(e.data)); } catch (err) { /* not for us */ } };
    ws.onclose = function () {
      clearInterval(beat); announce(false);
      var delay = Math.min(15000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
      attempts += 1;
      setTimeout(connect, delay);
    };
  }

  // --- presence: over the socket (going online is offered the waiting chats at once) -----------
  presence.addEventListener("change", function () {
    if (!send({ type: "presence", status: presence.value })) { presence.form.requestSubmit(); }
  });

  // --- htmx swaps ---------------------------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (target.id === "inbox-detail") {
      joinOpenChat(); markRows();
      var box = document.querySelector("#conv .inbox-chat-compose textarea");
      var thread = document.querySelector("#conv .thread li:last-child");
      if (thread) { thread.scrollIntoView({ block: "nearest" }); }
      if (box && window.matchMedia("(min-width: 64rem)").matches) { box.focus(); }
    } else if (target.id === "inbox-list" || target.id === "inbox-list-body" || target.closest("#inbox-list")) {
      markRows();
    }
  });
  window.addEventListener("popstate", function () { location.reload(); });
  document.body.addEventListener("inbox-notice", function (e) { tell(e.detail.value || ""); });

  // --- the keyboard (never while typing) ------------------------------------------------------
  function select(step) {
    var list = rows();
    if (!list.length) { return; }
    var i = list.findIndex(function (r) { return r.dataset.key === selectedKey; });
    if (i < 0) { i = list.findIndex(function (r) { return r.classList.contains("is-open"); }); }
    i = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + step));
    selectedKey = list[i].dataset.key;
    markRows();
    list[i].querySelector("a").focus();
  }
  function focusReply(internal) {
    var chatBox = document.querySelector("#conv .inbox-chat-compose textarea");
    var body = document.getElementById("id_body");
    var box = internal ? body : (chatBox || body);
    var flag = document.getElementById("id_internal");
    if (flag) { flag.checked = !!internal; }
    if (box) { box.focus(); box.scrollIntoView({ block: "center" }); }
  }
  document.getElementById("inbox-keys-open").addEventListener("click", function () { keys.showModal(); });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    var typing = tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable;
    if (e.key === "Escape" && typing) { e.target.blur(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey || keys.open) { return; }
    var handled = true;
    switch (e.key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "o": var row = document.querySelector("#inbox-list .inbox-row.is-selected a"); if (row) { row.click(); } break;
      case "r": focusReply(false); break;
      case "n": focusReply(true); break;
      case "t": document.getElementById("take-next").requestSubmit(); break;
      case "?": keys.showModal(); break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });

  markRows();
  if (root.dataset.agentSocket && "WebSocket" in window) { connect(); } else { announce(false); }
})();
