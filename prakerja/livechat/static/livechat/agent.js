// Agent chat workspace: one websocket for every chat the agent holds, chats side by side.
// Text from participants is always inserted with textContent.
(function () {
  "use strict";
  var root = document.getElementById("lcw");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("lcw-strings").textContent);
  var tpl = document.getElementById("lcw-chat-tpl");
  var list = document.getElementById("lcw-chats");
  var empty = document.getElementById("lcw-empty");
  var conn = document.getElementById("lcw-conn");
  var queueEl = document.getElementById("lcw-queue");
  var notice = document.getElementById("lcw-notice");
  var chats = {};
  var ws = null, attempts = 0, heartbeat = null, baseTitle = document.title;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "class") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    return node;
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "a" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function stamp(iso) {
    var d = iso ? new Date(iso) : new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function cue() {
    // visual: title and highlight; sound: a short beep (no asset needed)
    document.title = "(" + T.new_chat + ") " + baseTitle;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx(); var osc = ctx.createOscillator(); var gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08; osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no audio: the visual cue remains */ }
  }
  window.addEventListener("focus", function () { document.title = baseTitle; });

  function addChat(summary, messages, incoming) {
    var c = chats[summary.id];
    if (!c) {
      var node = tpl.content.firstElementChild.cloneNode(true);
      node.dataset.chat = summary.id;
      c = { id: summary.id, node: node, log: node.querySelector(".lcw-log"), seen: {}, pending: {}, summary: summary };
      node.querySelector(".lcw-name").textContent = summary.requester_name || T.guest;
      node.querySelector(".lcw-ref").textContent = summary.reference;
      var dl = node.querySelector(".lcw-requester");
      var rows = [[T.email, summary.requester_email], [T.question, summary.question]];
      Object.keys(summary.panel || {}).forEach(function (k) { if (summary.panel[k]) { rows.push([k, String(summary.panel[k])]); } });
      rows.forEach(function (r) { if (r[1]) { dl.appendChild(el("dt", { text: r[0] })); dl.appendChild(el("dd", { text: r[1] })); } });
      var form = node.querySelector(".lcw-compose");
      var area = form.querySelector("textarea");
      var areaId = "lcw-reply-" + summary.id;
      area.id = areaId; form.querySelector("label").setAttribute("for", areaId);
      var canned = form.querySelector(".lcw-canned");
      canned.id = "lcw-canned-" + summary.id; canned.previousElementSibling.setAttribute("for", canned.id);
      var transfer = form.querySelector(".lcw-transfer");
      transfer.id = "lcw-transfer-" + summary.id; transfer.previousElementSibling.setAttribute("for", transfer.id);
      form.addEventListener("submit", function (e) { e.preventDefault(); reply(c, area); });
      area.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); reply(c, area); } });
      area.addEventListener("input", function () {
        var now = Date.now();
        if (!c.lastTyping || now - c.lastTyping > 2000) { c.lastTyping = now; send({ type: "typing", chat: c.id, on: true }); }
      });
      canned.addEventListener("change", function () {
        var opt = canned.options[canned.selectedIndex];
        if (opt && opt.dataset.body) {
          area.value = opt.dataset.body.replace(/\{name\}/g, summary.requester_name || "")
            .replace(/\{reference\}/g, summary.reference || "").replace(/\{agent\}/g, root.dataset.me || "")
            .replace(/\{category\}/g, "");
          area.focus();
        }
        canned.value = "";
      });
      transfer.addEventListener("change", function () {
        if (!transfer.value) { return; }
        send({ type: "transfer", chat: c.id, to: transfer.value === "queue" ? null : Number(transfer.value) });
        transfer.value = "";
      });
      node.querySelector(".lcw-end").addEventListener("click", function () {
        if (window.confirm(T.end_confirm)) { send({ type: "end", chat: c.id }); }
      });
      chats[summary.id] = c;
      list.appendChild(node);
      empty.hidden = true;
      if (incoming) { node.classList.add("lcw-incoming"); cue(); node.focus(); }
    }
    (messages || []).forEach(function (m) { render(c, m); });
    return c;
  }
  function removeChat(id) {
    var c = chats[id];
    if (!c) { return; }
    c.node.remove(); delete chats[id];
    empty.hidden = Object.keys(chats).length > 0;
  }
  function reply(c, area) {
    var text = area.value.trim();
    if (!text) { return; }
    var id = uid();
    c.pending[id] = text;
    var li = el("li", { class: "lcw-msg lcw-mine", "data-client": id });
    li.appendChild(el("p", { class: "lcw-text", text: text }));
    li.appendChild(el("span", { class: "lcw-meta", text: stamp() + " · " + T.sending }));
    c.log.appendChild(li); li.scrollIntoView({ block: "end" });
    area.value = "";
    send({ type: "message", chat: c.id, id: id, body: text });
    send({ type: "typing", chat: c.id, on: false });
  }
  function render(c, m) {
    if (c.seen[m.id]) { return; }
    c.seen[m.id] = true;
    c.last = Math.max(c.last || 0, m.id);
    var li = m.client_id ? c.log.querySelector('[data-client="' + CSS.escape(m.client_id) + '"]') : null;
    if (li) { delete c.pending[m.client_id]; li.dataset.id = m.id; li.querySelector(".lcw-meta").textContent = stamp(m.at) + " · " + T.sent; return; }
    var cls = m.author === "participant" ? "lcw-msg lcw-theirs" : (m.author === "system" ? "lcw-msg lcw-system" : "lcw-msg lcw-mine");
    li = el("li", { class: cls, "data-id": String(m.id) });
    if (m.author === "participant") { li.appendChild(el("span", { class: "lcw-who", text: m.name || T.participant })); }
    li.appendChild(el("p", { class: "lcw-text", text: m.body }));
    li.appendChild(el("span", { class: "lcw-meta", text: stamp(m.at) }));
    c.log.appendChild(li); li.scrollIntoView({ block: "end" });
    if (m.author === "participant") {
      c.node.querySelector(".lcw-typing").textContent = "";
      if (document.visibilityState === "visible") { send({ type: "seen", chat: c.id, upto: m.id }); }
    }
  }
  var presence = document.getElementById("lcw-presence");
  presence.addEventListener("change", function () { send({ type: "presence", status: presence.value }); });

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + root.dataset.ws);
    ws.onopen = function () {
      attempts = 0; conn.textContent = T.connected;
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "heartbeat" }); }, 30000);
      if (root.dataset.watch) { send({ type: "watch", chat: Number(root.dataset.watch) }); }
    };
    ws.onmessage = function (e) { handle(JSON.parse(e.data)); };
    ws.onclose = function () {
      clearInterval(heartbeat);
      conn.textContent = T.reconnecting;
      var delay = Math.min(15000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
      attempts += 1;
      setTimeout(connect, delay);
    };
  }
  function handle(msg) {
    var c;
    switch (msg.type) {
      case "chats": msg.chats.forEach(function (s) { addChat(s, s.messages, false); }); break;
      case "assigned": addChat(msg.chat, msg.chat.messages, true); break;
      case "history":
        c = addChat(msg.summary, msg.messages, false);
        if (String(msg.chat) === root.dataset.watch) { c.node.classList.add("lcw-watching"); }
        break;
      case "unassigned": removeChat(msg.chat.id); break;
      case "ended":
        c = chats[msg.chat.id];
        if (c) { c.node.classList.add("lcw-ended"); c.node.querySelector(".lcw-compose").hidden = true; c.node.querySelector(".lcw-typing").textContent = T.ended;
          var closer = el("button", { type: "button", class: "button secondary", text: T.close });
          closer.addEventListener("click", function () { removeChat(msg.chat.id); });
          c.node.appendChild(closer); }
        break;
      case "message": c = chats[msg.chat]; if (c) { render(c, msg.message); } break;
      case "ack": c = chats[msg.chat]; if (c && msg.message) { render(c, msg.message); } break;
      case "typing": c = chats[msg.chat]; if (c) { c.node.querySelector(".lcw-typing").textContent = msg.on ? T.typing : ""; } break;
      case "seen":
        c = chats[msg.chat];
        if (c) { Array.prototype.forEach.call(c.log.querySelectorAll(".lcw-mine[data-id]"), function (li) {
          if (Number(li.dataset.id) <= msg.upto && li.querySelector(".lcw-meta").textContent.indexOf(T.read) < 0) {
            li.querySelector(".lcw-meta").textContent += " · " + T.read; } }); }
        break;
      case "state": break;
      case "queue": queueEl.textContent = String(msg.length); break;
      case "pong": break;
      case "presence": presence.value = msg.status; break;
      case "ticket.assigned": case "ticket.message":
        // for the inbox's ticket list; this page holds chats only
        document.dispatchEvent(new CustomEvent("prakerja:agent-event", { detail: msg }));
        break;
      case "error": notice.hidden = false; notice.textContent = msg.message; setTimeout(function () { notice.hidden = true; }, 6000); break;
      default:
        // events for the agent from other systems (telephony's screen.pop, notify): show them
        notice.hidden = false;
        notice.textContent = msg.title || msg.message || (T.incoming + ": " + msg.type);
        notice.dataset.event = msg.type;
        cue();
        document.dispatchEvent(new CustomEvent("prakerja:agent-event", { detail: msg }));
    }
  }
  connect();
})();
