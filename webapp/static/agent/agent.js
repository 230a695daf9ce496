/* 人工客服工作台: queue of handed-off conversations, claim, suggested replies, live replies, hand back.
 * Talks only to this web app's /api/agent/ (bearer token kept in sessionStorage). No framework, no CDN. */
(function () {
  "use strict";

  const POLL_MS = 3000;
  const TOKEN_KEY = "weiquan-agent-token";
  const NAME_KEY = "weiquan-agent-name";

  const T = {
    loginFailed: "登录失败，请稍后再试。",
    waiting: "等待接手",
    takenBy: (name) => `${name} 已接手`,
    mine: "我正在处理",
    waited: (s) => (s < 60 ? `等了 ${s} 秒` : s < 3600 ? `等了 ${Math.floor(s / 60)} 分钟`
      : `等了 ${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分钟`),
    user: "用户",
    bot: "助手",
    agent: (name) => `客服 ${name}`,
    suggestFor: (text) => `回复用户这句：“${text}”`,
    noMessage: "用户还没说话。",
    use: "用这条",
    confidence: (c) => `把握 ${Math.round(c * 100)}%`,
    rules: "依据",
    channel: "建议下一步",
    asks: "会问用户",
    none: "暂无",
    states: { done: "已完成", next: "下一步", later: "之后" },
    caseLine: (c) => `${c.case_id} · ${c.complaint_label} · ${c.status_text}`,
    claimedByMe: "你已接手这个会话，可以直接回复用户。",
    returned: "已交还给机器人。",
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const session = {
    get token() { return window.sessionStorage.getItem(TOKEN_KEY); },
    get name() { return window.sessionStorage.getItem(NAME_KEY) || ""; },
    save(token, name) {
      window.sessionStorage.setItem(TOKEN_KEY, token);
      window.sessionStorage.setItem(NAME_KEY, name);
    },
    clear() {
      window.sessionStorage.removeItem(TOKEN_KEY);
      window.sessionStorage.removeItem(NAME_KEY);
    },
  };

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${session.token || ""}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`/api/agent/${path}`, {
      method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) {
      showLogin(data.message || "");
      throw new ApiError(401, data.message || "");
    }
    if (!response.ok) throw new ApiError(response.status, data.message || `HTTP ${response.status}`);
    return data;
  }

  let channelNames = {};
  let current = null; // {id, handoff, lastMessage, suggestions, chosen}
  let queueTimer = null;
  let detailTimer = null;

  function showLogin(message) {
    window.clearInterval(queueTimer);
    window.clearInterval(detailTimer);
    session.clear();
    $("desk").hidden = true;
    $("me").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  function showDesk() {
    $("login").hidden = true;
    $("desk").hidden = false;
    $("me").hidden = false;
    $("me-name").textContent = T.agent(session.name);
    refreshQueue();
    window.clearInterval(queueTimer);
    queueTimer = window.setInterval(refreshQueue, POLL_MS);
  }

  async function login(event) {
    event.preventDefault();
    const name = $("login-name").value.trim();
    const password = $("login-password").value;
    try {
      const response = await fetch("/api/agent/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name, password }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        $("login-error").textContent = data.message || T.loginFailed;
        return;
      }
      session.save(data.token, data.name);
      $("login-password").value = "";
      $("login-error").textContent = "";
      showDesk();
    } catch (_) {
      $("login-error").textContent = T.loginFailed;
    }
  }

  function stateText(item) {
    if (item.status === "waiting") return T.waiting;
    return item.mine ? T.mine : T.takenBy(item.agent);
  }

  async function refreshQueue() {
    let data;
    try {
      data = await api("GET", "queue");
      $("queue-error").textContent = "";
    } catch (error) {
      if (error.status !== 401) $("queue-error").textContent = error.message;
      return;
    }
    const list = $("queue");
    list.replaceChildren(...data.conversations.map((item) => {
      const open = el("button", { type: "button", className: "ag-item", "aria-current": current && current.id === item.conversation_id ? "true" : null },
        el("span", { className: "ag-item-type" }, item.complaint_label),
        el("span", { className: `ag-item-state ag-item-state--${item.status}` }, stateText(item)),
        el("span", { className: "ag-item-wait" }, T.waited(item.waiting_seconds)),
        el("span", { className: "ag-item-summary" }, item.summary_line));
      open.addEventListener("click", () => openConversation(item.conversation_id));
      return el("li", { "data-conversation": item.conversation_id }, open);
    }));
    $("queue-empty").hidden = data.conversations.length > 0;
  }

  function renderTranscript(messages) {
    const list = $("transcript");
    list.replaceChildren(...messages.map((m) => {
      const who = m.role === "user" ? T.user : m.role === "agent" ? T.agent(m.agent) : T.bot;
      let text = m.text || "";
      if (!text && m.custom && m.custom.type === "route") {
        const next = (m.custom.steps || []).find((s) => s.state === "next");
        text = next ? `【路线卡片】${T.channel}：${channelNames[next.channel] || next.channel}` : "【路线卡片】";
      } else if (!text && m.custom && m.custom.type === "rule") {
        text = `【规则卡片】${m.custom.title || ""}`;
      }
      return el("li", { className: `ag-msg ag-msg--${m.role}` }, el("span", { className: "ag-who" }, `${who}：`), text);
    }));
    list.scrollTop = list.scrollHeight;
  }

  function renderCase(detail) {
    $("summary").textContent = detail.summary || "";
    const facts = (detail.case && detail.case.facts) || [];
    $("facts").replaceChildren(...(facts.length ? facts : [T.none]).map((line) => el("li", {}, line)));
    const route = detail.case && detail.case.route;
    $("route").replaceChildren(...(route ? route.steps : []).map((step) => el("li", { className: `ag-step ag-step--${step.state}` },
      el("strong", {}, `${T.states[step.state] || step.state}：${step.name}`),
      step.why ? el("span", {}, ` ${step.why}`) : null,
      step.deadline ? el("span", { className: "ag-muted" }, ` ${step.deadline}`) : null)));
  }

  function renderHandoff(handoff) {
    current.handoff = handoff;
    $("detail-title").textContent = `${handoff.complaint_label}${handoff.case_id ? ` · ${handoff.case_id}` : ""}`;
    $("detail-state").textContent = handoff.status === "returned" ? T.returned
      : handoff.mine ? T.claimedByMe : stateText(handoff);
    $("claim").hidden = handoff.status !== "waiting";
    $("handback").hidden = !(handoff.status === "claimed" && handoff.mine);
    $("reply-form").hidden = !(handoff.status === "claimed" && handoff.mine);
  }

  function renderSuggestions(data) {
    current.suggestions = data.suggestions || [];
    current.lastMessage = data.message;
    current.chosen = null;
    $("suggest-for").textContent = data.message ? T.suggestFor(data.message) : T.noMessage;
    $("suggestions").replaceChildren(...current.suggestions.map((s, index) => {
      const use = el("button", { type: "button", className: "ag-use" }, T.use);
      use.addEventListener("click", () => {
        current.chosen = index;
        $("reply").value = s.text;
        $("reply").focus();
      });
      const meta = [T.confidence(s.confidence)];
      if (s.channel) meta.push(`${T.channel}：${channelNames[s.channel] || s.channel}`);
      if (s.rule_ids.length) meta.push(`${T.rules}：${s.rule_ids.join("、")}`);
      return el("li", { className: "ag-suggestion" },
        el("p", { className: "ag-suggestion-text" }, s.text),
        el("p", { className: "ag-muted" }, meta.join(" · ")),
        use);
    }));
  }

  async function loadSuggestions() {
    const id = current.id;
    const data = await api("GET", `conversations/${encodeURIComponent(id)}/suggestions`);
    if (current && current.id === id) renderSuggestions(data);
  }

  async function refreshDetail(withSuggestions) {
    if (!current) return;
    const id = current.id;
    try {
      const detail = await api("GET", `conversations/${encodeURIComponent(id)}`);
      if (!current || current.id !== id) return;
      renderHandoff(detail.handoff);
      renderTranscript(detail.messages);
      renderCase(detail);
      const users = detail.messages.filter((m) => m.role === "user");
      const latest = users.length ? users[users.length - 1].text : null;
      if (withSuggestions || latest !== current.latestUserText) {
        current.latestUserText = latest;
        await loadSuggestions();
      }
      $("detail-error").textContent = "";
    } catch (error) {
      if (error.status !== 401) $("detail-error").textContent = error.message;
    }
  }

  async function openConversation(id) {
    current = { id, suggestions: [], chosen: null, latestUserText: undefined };
    $("detail").hidden = false;
    $("reply").value = "";
    $("detail-error").textContent = "";
    await refreshDetail(true);
    window.clearInterval(detailTimer);
    detailTimer = window.setInterval(() => refreshDetail(false), POLL_MS);
    refreshQueue();
  }

  async function act(path, body) {
    try {
      const result = await api("POST", `conversations/${encodeURIComponent(current.id)}/${path}`, body);
      $("detail-error").textContent = "";
      return result;
    } catch (error) {
      if (error.status !== 401) $("detail-error").textContent = error.message;
      return null;
    }
  }

  async function claim() {
    const handoff = await act("claim");
    if (handoff) renderHandoff(handoff);
    refreshQueue();
  }

  async function send(event) {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    const sent = await act("messages", {
      text, message: current.lastMessage, suggestions: current.suggestions, chosen: current.chosen,
    });
    if (!sent) return;
    $("reply").value = "";
    current.chosen = null;
    refreshDetail(false);
  }

  async function handBack() {
    const handoff = await act("handback");
    if (handoff) renderHandoff(handoff);
    window.clearInterval(detailTimer);
    refreshDetail(false);
    refreshQueue();
  }

  async function loadChannelNames() {
    try {
      const response = await fetch("/widget/channels.zh.json");
      channelNames = await response.json();
    } catch (_) {
      channelNames = {};
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    loadChannelNames();
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", () => showLogin(""));
    $("claim").addEventListener("click", claim);
    $("handback").addEventListener("click", handBack);
    $("reply-form").addEventListener("submit", send);
    if (session.token) showDesk();
  });
})();
