/* Trainer inbox: review what users typed, lowest confidence first; fix intents and entity spans; export. */
(function () {
  "use strict";

  var TOKEN_KEY = "weiquan-trainer-token";
  var NAME_KEY = "weiquan-trainer-name";
  var T = JSON.parse(document.body.getAttribute("data-texts") || "{}");
  var state = { token: sessionStorage.getItem(TOKEN_KEY), messages: [], current: 0, intents: [], entities: [],
                labels: {}, pickerFor: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function status(text) { $("status").textContent = text || ""; }
  function chars(text) { return Array.from(text); }

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + state.token } };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(path, options).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 401) { logout(); throw new Error(T.session_expired); }
        if (!response.ok) { throw new Error(data.message || response.statusText); }
        return data;
      });
    }, function () { throw new Error(T.network_error); });
  }

  function showDesk(loggedIn) {
    $("login").hidden = loggedIn; $("desk").hidden = !loggedIn; $("me").hidden = !loggedIn;
    $("me-name").textContent = sessionStorage.getItem(NAME_KEY) || "";
  }

  function logout() {
    sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(NAME_KEY); state.token = null; showDesk(false);
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("login-error").textContent = "";
    fetch("/api/trainer/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("login-name").value, password: $("login-password").value })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message); }
        sessionStorage.setItem(TOKEN_KEY, data.token); sessionStorage.setItem(NAME_KEY, data.name);
        state.token = data.token; start();
      });
    }).catch(function (error) { $("login-error").textContent = error.message || T.network_error; });
  });
  $("logout").addEventListener("click", logout);

  function start() {
    showDesk(true);
    api("GET", "/api/trainer/intents").then(function (data) {
      state.intents = data.intents; state.entities = data.entities;
      var select = $("filter-intent");
      while (select.options.length > 1) { select.remove(1); }
      data.intents.forEach(function (intent) {
        state.labels[intent.name] = intent.label;
        select.appendChild(el("option", { value: intent.name, text: intent.label + "（" + intent.name + "）" }));
      });
      return load();
    }).catch(function (error) { status(error.message); });
  }

  function query() {
    var form = new FormData($("filters"));
    var params = new URLSearchParams();
    form.forEach(function (value, key) { if (value !== "") { params.append(key, value); } });
    return params.toString();
  }

  function load() {
    status(T.loading);
    return api("GET", "/api/trainer/messages?" + query()).then(function (data) {
      state.messages = data.messages.map(function (message) {
        var review = message.review;
        message.working = (review ? review.entities : message.entities).map(function (e) {
          return { start: e.start, end: e.end, entity: e.entity };
        });
        return message;
      });
      state.current = Math.min(state.current, Math.max(state.messages.length - 1, 0));
      render();
      status(state.messages.length ? "" : T.no_messages);
    }).catch(function (error) { status(error.message); });
  }
  $("filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });
  $("filter-sort").addEventListener("change", load);

  function textNode(message) {
    var text = chars(message.text);
    var box = el("p", { className: "tr-text", "data-role": "text" });
    var spans = message.working.slice().sort(function (a, b) { return a.start - b.start; });
    var position = 0;
    spans.forEach(function (span) {
      if (span.start < position) { return; }
      box.appendChild(document.createTextNode(text.slice(position, span.start).join("")));
      box.appendChild(el("mark", { "data-entity": span.entity, title: span.entity,
                                   text: text.slice(span.start, span.end).join("") }));
      position = span.end;
    });
    box.appendChild(document.createTextNode(text.slice(position).join("")));
    return box;
  }

  function reviewLabel(review) {
    if (!review) { return T.unreviewed; }
    var where = review.target === "heldout" ? " · " + T.heldout : "";
    if (review.status === "relabelled") { return T.relabelled + " " + (state.labels[review.intent] || review.intent) + where; }
    if (review.status === "out_of_scope") { return T.out_of_scope + where; }
    return T.accepted + where;
  }

  function button(label, handler, key) {
    var node = el("button", { type: "button", text: label });
    if (key) { node.setAttribute("aria-keyshortcuts", key); }
    node.addEventListener("click", handler);
    return node;
  }

  function row(message, index) {
    var confidence = message.confidence;
    var item = el("li", { className: "tr-message" + (index === state.current ? " current" : ""),
                          "data-event-id": String(message.event_id) });
    var check = el("input", { type: "checkbox", "aria-label": "选中：" + message.text, "data-role": "select" });
    var head = el("div", { className: "tr-head" }, [
      check,
      el("span", { className: "tr-badge", text: (state.labels[message.intent] || message.intent || "") }),
      el("span", { className: "tr-conf" + (confidence < 0.5 ? " low" : ""),
                   text: T.confidence + " " + confidence.toFixed(2) }),
      el("span", { "data-role": "review", text: reviewLabel(message.review) }),
      el("time", { text: new Date(message.timestamp * 1000).toLocaleString("zh-CN") })
    ]);
    var typeSelect = el("select", { "aria-label": "实体类型", "data-role": "entity-type" });
    state.entities.forEach(function (name) { typeSelect.appendChild(el("option", { value: name, text: name })); });
    var chips = el("span", { className: "tr-entities" });
    message.working.forEach(function (span, spanIndex) {
      var value = chars(message.text).slice(span.start, span.end).join("");
      var remove = button("×", function () { message.working.splice(spanIndex, 1); saveEntities(index); });
      remove.setAttribute("aria-label", T.remove_entity + "：" + value);
      chips.appendChild(el("span", { className: "tr-chip", text: value + " · " + span.entity + " " }, [remove]));
    });
    var entities = el("div", { className: "tr-entities" }, [
      typeSelect, button("标为实体", function () { markSelection(index); }, "E"), chips
    ]);
    var actions = el("div", { className: "tr-actions" }, [
      button("确认", function () { save(index, "accept"); }, "A"),
      button("改意图", function () { openPicker(index); }, "R"),
      button("无关", function () { save(index, "out_of_scope"); }, "O"),
      button("删除", function () { save(index, "delete"); }, "D"),
      button(T.heldout, function () { saveHeldout(index); }, "H"),
      button("看对话", function () { toggleConversation(index); }, "C")
    ]);
    item.appendChild(head);
    item.appendChild(textNode(message));
    item.appendChild(entities);
    item.appendChild(actions);
    item.appendChild(el("p", { className: "tr-warning", role: "alert", "data-role": "warnings" }));
    item.addEventListener("click", function () { setCurrent(index, false); });
    return item;
  }

  function render() {
    var list = $("messages");
    list.textContent = "";
    state.messages.forEach(function (message, index) { list.appendChild(row(message, index)); });
  }

  function rowNode(index) { return $("messages").children[index]; }

  function setCurrent(index, scroll) {
    if (!state.messages.length) { return; }
    state.current = Math.max(0, Math.min(index, state.messages.length - 1));
    Array.prototype.forEach.call($("messages").children, function (node, i) {
      node.classList.toggle("current", i === state.current);
    });
    if (scroll) { rowNode(state.current).scrollIntoView({ block: "nearest" }); }
  }

  function currentAction(message) {
    var review = message.review;
    if (review && review.status === "relabelled") { return { action: "relabel", intent: review.intent }; }
    if (review && review.status === "out_of_scope") { return { action: "out_of_scope" }; }
    return { action: "accept" };
  }

  function send(ids, body, single) {
    body.event_ids = ids;
    return api("POST", "/api/trainer/reviews", body).then(function (data) {
      var byId = {};
      data.reviews.forEach(function (review) { byId[review.event_id] = review; });
      var warnings = {};
      data.warnings.forEach(function (w) { (warnings[w.event_id] = warnings[w.event_id] || []).push(w.message); });
      state.messages = state.messages.filter(function (message) {
        var review = byId[message.event_id];
        if (!review) { return true; }
        if (review.status === "deleted") { return false; }
        message.review = review;
        message.working = review.entities.map(function (e) { return { start: e.start, end: e.end, entity: e.entity }; });
        return true;
      });
      render();
      setCurrent(state.current, false);
      state.messages.forEach(function (message, index) {
        if (warnings[message.event_id]) { rowNode(index).querySelector("[data-role=warnings]").textContent = warnings[message.event_id].join(" "); }
      });
      status(single ? T.saved : fill(T.saved_many, { count: data.reviews.length }));
    }).catch(function (error) { status(error.message); });
  }

  function save(index, action, intent) {
    var message = state.messages[index];
    if (!message) { return; }
    var body = { action: action, entities: message.working, target: message.review ? message.review.target : "training" };
    if (intent) { body.intent = intent; }
    setCurrent(index, false);
    return send([message.event_id], body, true);
  }

  function saveHeldout(index) {
    var message = state.messages[index];
    if (!message) { return; }
    var body = currentAction(message);
    body.entities = message.working; body.target = "heldout";
    return send([message.event_id], body, true);
  }

  function saveEntities(index) {
    var message = state.messages[index];
    var body = currentAction(message);
    body.entities = message.working;
    body.target = message.review ? message.review.target : "training";
    return send([message.event_id], body, true);
  }

  function offsetIn(box, node, offset) {
    var range = document.createRange();
    range.setStart(box, 0);
    range.setEnd(node, offset);
    return chars(range.toString()).length;
  }

  function markSelection(index) {
    var box = rowNode(index).querySelector("[data-role=text]");
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) { status(T.select_text); return; }
    var range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) { status(T.select_text); return; }
    var start = offsetIn(box, range.startContainer, range.startOffset);
    var end = offsetIn(box, range.endContainer, range.endOffset);
    var message = state.messages[index];
    var text = chars(message.text);
    while (start < end && /\s/.test(text[start])) { start += 1; }
    while (end > start && /\s/.test(text[end - 1])) { end -= 1; }
    if (start >= end) { status(T.select_text); return; }
    var entity = rowNode(index).querySelector("[data-role=entity-type]").value;
    message.working = message.working.filter(function (span) { return span.end <= start || span.start >= end; });
    message.working.push({ start: start, end: end, entity: entity });
    selection.removeAllRanges();
    saveEntities(index);
  }

  function toggleConversation(index) {
    var node = rowNode(index);
    var open = node.querySelector(".tr-conversation");
    if (open) { open.remove(); return; }
    var message = state.messages[index];
    api("GET", "/api/trainer/conversations/" + encodeURIComponent(message.sender_id)).then(function (data) {
      var list = el("ol", { className: "tr-conversation", "aria-label": "所在对话" });
      data.turns.forEach(function (turn) {
        var who = turn.kind === "user" ? T.user : (turn.kind === "bot" ? T.bot : T.action);
        var line = turn.kind === "action" ? turn.name : turn.text;
        var extra = turn.kind === "user" && turn.intent ? "  [" + turn.intent + " " + turn.confidence.toFixed(2) + "]" : "";
        list.appendChild(el("li", { className: turn.event_id === message.event_id ? "tr-this" : "",
                                    text: who + "：" + line + extra }));
      });
      list.appendChild(el("li", {}, [button("存为测试故事", function () {
        api("POST", "/api/trainer/conversations/" + encodeURIComponent(message.sender_id) + "/story")
          .then(function (saved) { status(fill(T.story_saved, { path: saved.path })); })
          .catch(function (error) { status(error.message); });
      })]));
      node.appendChild(list);
    }).catch(function (error) { status(error.message); });
  }

  function openPicker(index) {
    state.pickerFor = index;
    $("picker").hidden = false;
    $("picker-search").value = "";
    renderPicker();
    $("picker-search").focus();
  }
  function closePicker() { $("picker").hidden = true; state.pickerFor = null; }

  function renderPicker() {
    var words = $("picker-search").value.trim().toLowerCase();
    var list = $("picker-list");
    list.textContent = "";
    state.intents.filter(function (intent) {
      return !words || (intent.name + " " + intent.label + " " + intent.description).toLowerCase().indexOf(words) >= 0;
    }).forEach(function (intent, i) {
      var option = el("li", { role: "option", "data-intent": intent.name, "aria-selected": i === 0 ? "true" : "false" }, [
        el("span", { text: intent.label + " " }), el("small", { text: intent.name + (intent.description ? " · " + intent.description : "") })
      ]);
      option.addEventListener("click", function () { choose(intent.name); });
      list.appendChild(option);
    });
  }
  function choose(name) {
    var index = state.pickerFor;
    closePicker();
    if (index !== null) { save(index, name === "out_of_scope" ? "out_of_scope" : "relabel", name); }
  }
  $("picker-search").addEventListener("input", renderPicker);
  $("picker-search").addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var first = $("picker-list").querySelector("[role=option]");
      if (first) { choose(first.getAttribute("data-intent")); }
    } else if (event.key === "Escape") { closePicker(); }
  });
  $("picker-close").addEventListener("click", closePicker);

  $("select-all").addEventListener("change", function () {
    var on = $("select-all").checked;
    document.querySelectorAll("[data-role=select]").forEach(function (box) { box.checked = on; });
  });
  $("bulk-accept").addEventListener("click", function () {
    var ids = [];
    document.querySelectorAll("[data-role=select]").forEach(function (box, index) {
      if (box.checked) { ids.push(state.messages[index].event_id); }
    });
    if (!ids.length) { status(T.select_first); return; }
    $("select-all").checked = false;
    send(ids, { action: "accept" }, false);
  });

  $("export").addEventListener("click", function () {
    var report = $("report");
    api("POST", "/api/trainer/export").then(function (data) {
      report.textContent = "";
      report.appendChild(el("p", { text: fill(T.export_done, { training: data.training.length,
        heldout: data.heldout.length, skipped: data.skipped.length }) }));
      report.appendChild(el("p", { text: fill(T.export_file, { path: data.training_file }) }));
      var list = el("ul");
      data.skipped.forEach(function (skip) {
        list.appendChild(el("li", { text: fill(T.skipped_line, { text: skip.text, reason: skip.reason_text }) +
          (skip.similar_to && skip.similar_to !== skip.text ? fill(T.similar_to, { text: skip.similar_to }) : "") }));
      });
      report.appendChild(list);
      report.hidden = false;
      status("");
    }).catch(function (error) { report.hidden = false; report.textContent = error.message; });
  });

  document.addEventListener("keydown", function (event) {
    if ($("desk").hidden || !$("picker").hidden || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") { return; }
    var key = event.key.toLowerCase();
    var i = state.current;
    var handlers = {
      j: function () { setCurrent(i + 1, true); }, k: function () { setCurrent(i - 1, true); },
      a: function () { save(i, "accept"); }, r: function () { openPicker(i); },
      o: function () { save(i, "out_of_scope"); }, d: function () { save(i, "delete"); },
      h: function () { saveHeldout(i); }, e: function () { markSelection(i); },
      c: function () { toggleConversation(i); },
      x: function () { var box = rowNode(i) && rowNode(i).querySelector("[data-role=select]"); if (box) { box.checked = !box.checked; } }
    };
    if (handlers[key] && state.messages.length) { event.preventDefault(); handlers[key](); }
  });

  if (state.token) { start(); } else { showDesk(false); }
}());
