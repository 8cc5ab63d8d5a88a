// Live chat widget: launcher on every page, FAQ first, then a websocket chat with an agent.
// Vanilla JS, no framework, no inline handlers (CSP: same-origin scripts only). Every text from
// the server or the other side is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("lc");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var T = JSON.parse(document.getElementById("livechat-strings").textContent);
  var launcher = document.getElementById("lc-launcher");
  var panel = document.getElementById("lc-panel");
  var body = document.getElementById("lc-body");
  var statusLine = document.getElementById("lc-status");
  var base = root.dataset.base.replace(/status$/, "");
  var store = window.sessionStorage;

  var S = {
    info: null, chatId: null, ws: null, attempts: 0, lastId: 0, timer: null,
    messages: {}, pending: {}, state: null, agentName: "", seenUpto: 0, ended: false,
    typingTimer: null, lastTypingSent: 0, draft: null
  };

  function fmt(text, params) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return params[k] !== undefined ? params[k] : ""; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "class") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function api(method, path, data) {
    var opts = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } };
    if (data) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(data); }
    return fetch(base + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) { json._status = r.status; return json; });
    });
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "m" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function setStatus(text) { statusLine.textContent = text || ""; }
  function clear() { while (body.firstChild) { body.removeChild(body.firstChild); } }
  function field(id, label, type, value, multiline) {
    var input = el(multiline ? "textarea" : "input", { id: id, name: id, required: "required" });
    if (!multiline) { input.type = type; }
    if (multiline) { input.rows = 3; input.maxLength = (S.info && S.info.max_chars) || 2000; }
    if (value) { input.value = value; }
    return el("p", { class: "lc-field" }, [el("label", { for: id, text: label }), input]);
  }
  function errorsInto(form, json) {
    var box = form.querySelector(".lc-error") || form.insertBefore(el("p", { class: "lc-error", role: "alert" }), form.firstChild);
    var parts = [json.message || T.error];
    Object.keys(json.errors || {}).forEach(function (k) { parts.push(json.errors[k].join(" ")); });
    box.textContent = parts.join(" ");
  }

  // --- open / close --------------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("lc-open");
    store.setItem("lc.open", "1");
    if (!S.info) { load(); } else { focusFirst(); }
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("lc-open");
    store.removeItem("lc.open");
    launcher.focus();
  }
  function focusFirst() {
    var target = body.querySelector("textarea, input, button");
    if (target) { target.focus(); }
  }
  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  document.getElementById("lc-close").addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });

  function load() {
    api("GET", "status").then(function (info) {
      S.info = info;
      if (info.chat) { startSocket(info.chat); }
      else if (!info.open || !info.accepting) { showOffline(""); }
      else { showIntro(); }
    }).catch(function () { setStatus(T.error); });
  }

  // --- step 1: the question, then FAQ suggestions ------------------------------------------------
  function showIntro() {
    clear(); setStatus("");
    var form = el("form", { class: "lc-form", novalidate: "novalidate" });
    form.appendChild(el("p", { class: "lc-intro", text: T.intro }));
    if (!S.info.known) {
      form.appendChild(field("lc-name", T.name, "text", store.getItem("lc.name")));
      form.appendChild(field("lc-email", T.email, "email", store.getItem("lc.email")));
    }
    form.appendChild(field("lc-question", T.question, "text", S.draft, true));
    form.appendChild(el("button", { type: "submit", class: "button", text: T.next }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var who = readWho(form);
      var question = form.querySelector("#lc-question").value.trim();
      if (!question) { form.querySelector("#lc-question").focus(); return; }
      S.draft = question;
      api("GET", "suggestions?q=" + encodeURIComponent(question)).then(function (json) {
        showSuggestions(who, question, json.suggestions || []);
      });
    });
    body.appendChild(form);
    focusFirst();
  }
  function readWho(form) {
    var who = { name: "", email: "" };
    var n = form.querySelector("#lc-name"), m = form.querySelector("#lc-email");
    if (n) { who.name = n.value.trim(); store.setItem("lc.name", who.name); }
    if (m) { who.email = m.value.trim(); store.setItem("lc.email", who.email); }
    return who;
  }
  function showSuggestions(who, question, list) {
    clear();
    var wrap = el("div", { class: "lc-faq" });
    if (list.length) {
      wrap.appendChild(el("p", { text: T.suggestions }));
      var ul = el("ul", { class: "lc-suggestions" });
      list.forEach(function (s) {
        var link = s.url ? el("a", { href: s.url, target: "_blank", rel: "noopener", text: s.title }) : el("strong", { text: s.title });
        var solved = el("button", { type: "button", class: "button secondary lc-solved", text: T.solved });
        solved.addEventListener("click", function () {
          api("POST", "deflect", { question: question, article: s.slug, name: who.name, email: who.email }).then(function () {
            S.draft = null; clear(); body.appendChild(el("p", { class: "lc-note", text: T.deflected }));
          });
        });
        ul.appendChild(el("li", {}, [link, el("p", { class: "lc-snippet", text: s.snippet }), solved]));
      });
      wrap.appendChild(ul);
    } else {
      wrap.appendChild(el("p", { text: T.no_suggestions }));
    }
    var agent = el("button", { type: "button", class: "button lc-need-agent", text: T.need_agent });
    agent.addEventListener("click", function () {
      agent.disabled = true;
      api("POST", "start", { name: who.name, email: who.email, question: question }).then(function (json) {
        agent.disabled = false;
        if (json.chat) { S.draft = null; startSocket(json.chat); }
        else if (json.code === "chat_closed" || json.code === "queue_full" || json.code === "chat_unavailable") {
          S.info.open = json.code !== "chat_closed"; S.info.accepting = false; showOffline(question, who);
        } else { errorsInto(wrap, json); }
      });
    });
    wrap.appendChild(agent);
    body.appendChild(wrap);
    focusFirst();
  }

  // --- out of hours / queue full -----------------------------------------------------------------
  function showOffline(text, who) {
    clear();
    var info = el("div", { class: "lc-offline" });
    info.appendChild(el("p", { class: "lc-note", text: S.info.open ? T.busy : T.closed + " " + (S.info.hours || "") }));
    if (!S.info.open && S.info.next_open) { info.appendChild(el("p", { text: fmt(T.opens_at, { time: S.info.next_open }) })); }
    var tel = el("a", { href: "tel:" + S.info.hotline.replace(/-/g, ""), text: S.info.hotline });
    var hot = el("p", { text: fmt(T.hotline, { number: "" }) }); hot.appendChild(tel);
    info.appendChild(hot);
    var form = el("form", { class: "lc-form", novalidate: "novalidate" });
    form.appendChild(el("p", { text: T.leave_message }));
    if (!S.info.known) {
      form.appendChild(field("lc-name", T.name, "text", (who && who.name) || store.getItem("lc.name")));
      form.appendChild(field("lc-email", T.email, "email", (who && who.email) || store.getItem("lc.email")));
    }
    form.appendChild(field("lc-question", T.message_label, "text", text || S.draft, true));
    form.appendChild(el("button", { type: "submit", class: "button", text: T.send }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = readWho(form);
      data.body = form.querySelector("#lc-question").value.trim();
      api("POST", "message", data).then(function (json) {
        if (json.reference) {
          S.draft = null; clear();
          body.appendChild(el("p", { class: "lc-note", role: "status", text: fmt(T.message_sent, { reference: json.reference }) }));
        } else { errorsInto(form, json); }
      });
    });
    info.appendChild(form);
    body.appendChild(info);
    focusFirst();
  }

  // --- the chat ----------------------------------------------------------------------------------
  function chatView() {
    clear();
    S.log = el("ol", { class: "lc-log", role: "log", "aria-live": "polite", "aria-label": T.title });
    S.typingEl = el("p", { class: "lc-typing", "aria-live": "polite" });
    var form = el("form", { class: "lc-compose" });
    var label = el("label", { for: "lc-input", class: "visually-hidden", text: T.message_label });
    S.input = el("textarea", { id: "lc-input", rows: "2", maxlength: String(S.info.max_chars || 2000) });
    var send = el("button", { type: "submit", class: "button", text: T.send });
    S.endBtn = el("button", { type: "button", class: "link-button lc-end", text: T.end });
    form.appendChild(label); form.appendChild(S.input); form.appendChild(send);
    form.addEventListener("submit", function (e) { e.preventDefault(); sendMessage(); });
    S.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendMessage(); }
    });
    S.input.addEventListener("input", onTyping);
    S.endBtn.addEventListener("click", function () {
      if (window.confirm(T.end_confirm)) { sendFrame({ type: "end" }); }
    });
    S.compose = form;
    body.appendChild(S.log); body.appendChild(S.typingEl); body.appendChild(form); body.appendChild(S.endBtn);
    loadPending().forEach(function (p) { renderMine(p.id, p.body, "sending"); });
    S.input.focus();
  }
  function pendingKey() { return "lc.pending." + S.chatId; }
  function loadPending() {
    try { return JSON.parse(store.getItem(pendingKey()) || "[]"); } catch (e) { return []; }
  }
  function savePending() {
    var list = Object.keys(S.pending).map(function (k) { return S.pending[k]; });
    store.setItem(pendingKey(), JSON.stringify(list));
  }
  function startSocket(chatId) {
    S.chatId = chatId; S.ended = false;
    S.messages = {}; S.lastId = 0; S.pending = {};
    loadPending().forEach(function (p) { S.pending[p.id] = p; });
    chatView();
    connect();
  }
  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + root.dataset.ws + S.chatId + "/?after=" + S.lastId);
    S.ws = ws;
    ws.onopen = function () {
      S.attempts = 0; setStatus(T.connected);
      Object.keys(S.pending).forEach(function (id) { ws.send(JSON.stringify({ type: "message", id: id, body: S.pending[id].body })); });
    };
    ws.onmessage = function (event) { handle(JSON.parse(event.data)); };
    ws.onclose = function (event) {
      if (S.ws !== ws) { return; }
      S.ws = null;
      if (event.code === 4404) { store.removeItem(pendingKey()); S.info = null; load(); return; }
      if (S.ended) { return; }
      setStatus(T.reconnecting);
      var delay = Math.min(15000, 500 * Math.pow(2, S.attempts)) * (0.75 + Math.random() * 0.5);
      S.attempts += 1;
      S.timer = setTimeout(connect, delay);
    };
  }
  function sendFrame(frame) {
    if (S.ws && S.ws.readyState === WebSocket.OPEN) { S.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function sendMessage() {
    var text = S.input.value.trim();
    if (!text || S.ended) { return; }
    var id = uid();
    S.pending[id] = { id: id, body: text };
    savePending();
    renderMine(id, text, "sending");
    S.input.value = "";
    sendFrame({ type: "message", id: id, body: text });
    sendFrame({ type: "typing", on: false });
  }
  function onTyping() {
    var now = Date.now();
    if (now - S.lastTypingSent > 2000) { S.lastTypingSent = now; sendFrame({ type: "typing", on: true }); }
    clearTimeout(S.typingTimer);
    S.typingTimer = setTimeout(function () { S.lastTypingSent = 0; sendFrame({ type: "typing", on: false }); }, 3000);
  }
  function stamp(iso) {
    var d = iso ? new Date(iso) : new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function renderMine(clientId, text, state) {
    var li = S.log.querySelector('[data-client="' + CSS.escape(clientId) + '"]');
    if (!li) {
      li = el("li", { class: "lc-msg lc-mine", "data-client": clientId }, [
        el("span", { class: "lc-who visually-hidden", text: T.you }),
        el("p", { class: "lc-text", text: text }),
        el("span", { class: "lc-meta" }, [el("time", { text: stamp() }), el("span", { class: "lc-state" })])
      ]);
      S.log.appendChild(li);
    }
    setDelivery(li, state);
    li.scrollIntoView({ block: "end" });
    return li;
  }
  function setDelivery(li, state) {
    li.dataset.state = state;
    li.querySelector(".lc-state").textContent = " · " + T[state];
  }
  function render(m) {
    if (S.messages[m.id]) { return; }
    S.messages[m.id] = m;
    S.lastId = Math.max(S.lastId, m.id);
    if (m.author === "participant") {
      var li = renderMine(m.client_id || ("s" + m.id), m.body, "sent");
      li.dataset.id = m.id;
      li.querySelector("time").textContent = stamp(m.at);
      if (m.client_id && S.pending[m.client_id]) { delete S.pending[m.client_id]; savePending(); }
      if (m.id <= S.seenUpto) { setDelivery(li, "read"); }
      return;
    }
    var cls = m.author === "system" ? "lc-msg lc-system" : "lc-msg lc-theirs";
    var item = el("li", { class: cls, "data-id": String(m.id) }, [
      m.author === "agent" ? el("span", { class: "lc-who", text: m.name || T.agent }) : null,
      el("p", { class: "lc-text", text: m.body }),
      el("span", { class: "lc-meta" }, [el("time", { text: stamp(m.at) })])
    ]);
    S.log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (m.author === "agent") { markSeen(m.id); }
  }
  function markSeen(id) {
    if (document.visibilityState === "visible" && !panel.hidden) { sendFrame({ type: "seen", upto: id }); }
  }
  function showState(chat) {
    S.state = chat.state; S.agentName = chat.agent_name;
    if (chat.state === "queued") {
      var line = chat.position ? fmt(T.queued, { position: chat.position }) : T.waiting;
      if (chat.eta_seconds) { line += " " + fmt(T.eta, { minutes: Math.max(1, Math.round(chat.eta_seconds / 60)) }); }
      setStatus(line);
    } else if (chat.state === "active") {
      setStatus(fmt(T.with_agent, { name: chat.agent_name }));
    } else if (chat.state === "ended") {
      S.ended = true;
      setStatus(T.ended);
      showRating(chat);
    }
  }
  function showRating(chat) {
    if (S.compose) { S.compose.remove(); S.compose = null; }
    if (S.endBtn) { S.endBtn.remove(); }
    if (S.ws) { var ws = S.ws; S.ws = null; if (chat.rateable) { S.ratingWs = ws; } else { ws.close(); } }
    store.removeItem(pendingKey());
    var box = el("form", { class: "lc-rating" });
    if (chat.rateable) {
      var fs = el("fieldset", {}, [el("legend", { text: T.rate })]);
      var faces = ["\u{1F61E}", "\u{1F641}", "\u{1F610}", "\u{1F642}", "\u{1F600}"];
      for (var i = 1; i <= 5; i++) {
        var id = "lc-rate-" + i;
        var input = el("input", { type: "radio", name: "lc-rating", id: id, value: String(i) });
        fs.appendChild(el("span", { class: "lc-face" }, [input, el("label", { for: id, title: T["rate_" + i] }, [
          el("span", { "aria-hidden": "true", text: faces[i - 1] }), el("span", { class: "visually-hidden", text: T["rate_" + i] })])]));
      }
      box.appendChild(fs);
      box.appendChild(field("lc-comment", T.comment, "text", "", true));
      box.querySelector("#lc-comment").removeAttribute("required");
      box.appendChild(el("button", { type: "submit", class: "button", text: T.submit_rating }));
      box.addEventListener("submit", function (e) {
        e.preventDefault();
        var picked = box.querySelector("input[name=lc-rating]:checked");
        if (!picked || !S.ratingWs) { return; }
        S.ratingWs.send(JSON.stringify({ type: "rate", rating: Number(picked.value), comment: box.querySelector("#lc-comment").value }));
      });
    }
    var again = el("button", { type: "button", class: "button secondary", text: T.new_chat });
    again.addEventListener("click", function () {
      if (S.ratingWs) { S.ratingWs.close(); S.ratingWs = null; }
      S.chatId = null; S.info = null; load();
    });
    box.appendChild(again);
    body.appendChild(box);
  }
  function handle(msg) {
    switch (msg.type) {
      case "state": showState(msg.chat); break;
      case "history": msg.messages.forEach(render); break;
      case "message": render(msg.message); if (msg.message.author !== "participant") { S.typingEl.textContent = ""; } break;
      case "ack":
        if (msg.message) { render(msg.message); }
        break;
      case "typing":
        S.typingEl.textContent = msg.on ? fmt(T.typing, { name: S.agentName || T.agent }) : "";
        break;
      case "seen":
        S.seenUpto = Math.max(S.seenUpto, msg.upto);
        Array.prototype.forEach.call(S.log.querySelectorAll(".lc-mine[data-id]"), function (li) {
          if (Number(li.dataset.id) <= S.seenUpto) { setDelivery(li, "read"); }
        });
        break;
      case "queue": showState({ state: "queued", position: msg.position, eta_seconds: msg.eta_seconds }); break;
      case "rated":
        var box = body.querySelector(".lc-rating");
        if (box) { var fs = box.querySelector("fieldset"); if (fs) { fs.remove(); } var c = box.querySelector(".lc-field"); if (c) { c.remove(); }
          var submit = box.querySelector("button[type=submit]"); if (submit) { submit.remove(); }
          box.insertBefore(el("p", { class: "lc-note", role: "status", text: T.thanks }), box.firstChild); }
        break;
      case "error":
        if (msg.id && S.pending[msg.id] && msg.code !== "rate_limited") {
          // refused for good (too long, chat ended): show it and stop resending
          delete S.pending[msg.id]; savePending();
          var li = S.log.querySelector('[data-client="' + CSS.escape(msg.id) + '"]');
          if (li) { li.classList.add("lc-refused"); li.querySelector(".lc-state").textContent = " · " + msg.message; }
        } else { setStatus(msg.message); }
        break;
      default: break;
    }
  }
  document.addEventListener("visibilitychange", function () {
    var ids = Object.keys(S.messages).map(Number).filter(function (id) { return S.messages[id].author === "agent"; });
    if (ids.length) { markSeen(Math.max.apply(null, ids)); }
  });

  if (store.getItem("lc.open")) { open(); }
})();
