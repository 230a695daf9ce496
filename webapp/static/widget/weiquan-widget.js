/*
 * 维权助手 web widget: a chat panel on socket.io-client, talking to Rasa's socket.io channel.
 *
 * Embed with one script tag and a config object (JSON in data-weiquan-config):
 *   <script src="http://127.0.0.1:8080/widget/weiquan-widget.js" defer
 *           data-weiquan-config='{"serverUrl": "http://127.0.0.1:5005", "title": "维权助手"}'></script>
 * or call window.WeiquanWidget.init({serverUrl, socketPath, title, initPayload, container}) yourself.
 *
 * Every piece of user and bot text goes into the page as text nodes (never innerHTML).
 */
(function () {
  "use strict";

  if (window.WeiquanWidget) {
    return;
  }

  const SCRIPT = document.currentScript;
  const WIDGET_BASE = new URL(".", SCRIPT ? SCRIPT.src : window.location.href);
  const APP_BASE = new URL("..", WIDGET_BASE);
  const MAX_CHARS = 500;
  const TYPING_TIMEOUT_MS = 20000;
  const KEYS = { sender: "weiquan.senderId", open: "weiquan.open", evidence: "weiquan.evidence." };

  const DEFAULTS = {
    serverUrl: "http://127.0.0.1:5005",
    socketPath: "/socket.io/",
    title: "维权助手",
    initPayload: "/greet",
    container: null,
    apiUrl: APP_BASE.href,
    userMessageEvent: "user_uttered",
    botMessageEvent: "bot_uttered",
    transports: ["websocket"],
  };

  const T = {
    launcher: "维权助手",
    subtitle: "网购纠纷帮你理清下一步",
    open: "打开维权助手对话",
    close: "收起对话窗口",
    newConversation: "新对话",
    newConversationLabel: "开始新的对话（清空当前对话）",
    log: "对话记录",
    botSays: "助手：",
    youSay: "我：",
    agentSays: (name) => `人工客服 ${name}：`,
    inputLabel: "输入你的问题",
    placeholder: "说说遇到了什么问题…（Enter 发送，Shift+Enter 换行）",
    send: "发送",
    typing: "维权助手正在输入",
    online: "在线",
    connecting: "连接中…",
    offline: "连接已断开，正在重新连接…你的对话已保存，恢复后可以接着聊。",
    notConnectedYet: "还没连上服务，请稍候再发送，输入的内容会保留。",
    historyFailed: "暂时读不到之前的对话，连上后会自动重试。",
    tooLong: (n) => `这条消息有 ${n} 个字，超过了 ${MAX_CHARS} 字的上限。麻烦精简一下，或者分成几条发送。`,
    counter: (n) => `${n}/${MAX_CHARS}`,
    counterLabel: (n) => `已输入 ${n} 字，最多 ${MAX_CHARS} 字`,
    repliesLabel: "可选的回答",
    routeTitle: "你的维权路线",
    routeLabel: "维权路线卡片",
    caseId: "案件编号",
    copy: "复制",
    copied: "已复制",
    stepStates: { done: "已完成", next: "下一步", later: "之后" },
    stepNumber: (i) => `第 ${i} 步`,
    why: "为什么",
    deadline: "期限",
    evidenceTitle: "先准备好这些证据",
    ruleBadge: "规则说明",
    ruleLabel: "规则说明卡片",
    source: "依据",
    viewImage: "查看图片",
  };

  const URL_PATTERN = /https?:\/\/[^\s<>"'，。；、！？（）【】《》“”]+/g;

  // ---------- small helpers ----------

  const store = {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (_) {
        /* storage blocked: the conversation then lasts as long as the page */
      }
    },
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function newSenderId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "wq-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function charCount(text) {
    return Array.from(text).length;
  }

  function safeHref(raw) {
    try {
      const url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function appendLinkified(parent, line) {
    let last = 0;
    for (const match of line.matchAll(URL_PATTERN)) {
      let url = match[0].replace(/[.,;:!?)\]]+$/, "");
      const href = safeHref(url);
      if (!href) continue;
      parent.appendChild(document.createTextNode(line.slice(last, match.index)));
      parent.appendChild(el("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, url));
      last = match.index + url.length;
    }
    parent.appendChild(document.createTextNode(line.slice(last)));
  }

  /** Text with paragraphs (blank lines), line breaks and safe links; everything else stays text. */
  function richText(text, linkify) {
    const box = el("div", { className: "wq-text" });
    for (const paragraph of String(text).split(/\n{2,}/)) {
      const p = el("p");
      paragraph.split("\n").forEach((line, i) => {
        if (i > 0) p.appendChild(el("br"));
        if (linkify) appendLinkified(p, line);
        else p.appendChild(document.createTextNode(line));
      });
      box.appendChild(p);
    }
    return box;
  }

  function formatTime(ms) {
    const date = new Date(ms);
    const pad = (n) => String(n).padStart(2, "0");
    const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    const today = new Date();
    if (date.toDateString() === today.toDateString()) return hm;
    return `${date.getMonth() + 1}月${date.getDate()}日 ${hm}`;
  }

  function timeElement(ms) {
    const date = new Date(ms);
    return el("time", { className: "wq-time", datetime: date.toISOString(), title: date.toLocaleString("zh-CN") },
      formatTime(ms));
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = el("script", { src, async: true });
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(script);
    });
  }

  function loadStyles(href) {
    if (document.querySelector("link[data-weiquan-css]")) return Promise.resolve();
    return new Promise((resolve) => {
      const link = el("link", { rel: "stylesheet", href, "data-weiquan-css": true });
      link.onload = resolve;
      link.onerror = resolve;
      document.head.appendChild(link);
    });
  }

  async function loadChannelNames() {
    try {
      const response = await fetch(new URL("channels.zh.json", WIDGET_BASE));
      return response.ok ? await response.json() : {};
    } catch (_) {
      return {};
    }
  }

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "wq-launcher-icon");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("fill-rule", "evenodd");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 " +
      "1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    svg.appendChild(path);
    return svg;
  }

  // ---------- cards ----------

  function routeCard(payload, channelNames) {
    const steps = Array.isArray(payload.steps) ? payload.steps : [];
    const card = el("section", { className: "wq-card wq-route", "aria-label": T.routeLabel });
    const head = el("div", { className: "wq-card-head" }, el("strong", { className: "wq-card-title" }, T.routeTitle));
    if (payload.case_id) {
      const caseId = String(payload.case_id);
      const copy = el("button", { type: "button", className: "wq-copy", "aria-label": `${T.copy}${T.caseId}` },
        T.copy);
      copy.addEventListener("click", () => {
        if (navigator.clipboard) {
          navigator.clipboard.writeText(caseId).then(() => { copy.textContent = T.copied; }, () => {});
        }
      });
      head.appendChild(el("span", { className: "wq-case" }, `${T.caseId} `, el("code", {}, caseId), " ", copy));
    }
    card.appendChild(head);

    const list = el("ol", { className: "wq-steps" });
    steps.forEach((step, index) => {
      const state = ["done", "next", "later"].includes(step.state) ? step.state : "later";
      const channel = String(step.channel || "");
      const item = el("li", {
        className: `wq-step wq-step--${state}`,
        "data-state": state,
        "aria-current": state === "next" ? "step" : null,
      },
      el("span", { className: "wq-step-marker", "aria-hidden": "true" }, state === "done" ? "✓" : String(index + 1)),
      el("div", { className: "wq-step-body" },
        el("div", { className: "wq-step-line" },
          el("span", { className: "wq-sr-only" }, `${T.stepNumber(index + 1)}，`),
          el("span", { className: "wq-step-name" }, channelNames[channel] || channel),
          el("span", { className: "wq-step-state" }, T.stepStates[state])),
        step.why ? el("p", { className: "wq-step-why" }, el("span", { className: "wq-sr-only" }, `${T.why}：`),
          String(step.why)) : null,
        step.deadline ? el("p", { className: "wq-step-deadline" }, `${T.deadline}：${step.deadline}`) : null));
      list.appendChild(item);
    });
    card.appendChild(list);

    const evidence = Array.isArray(payload.evidence) ? payload.evidence : [];
    if (evidence.length) {
      const key = KEYS.evidence + (payload.case_id || "");
      const checked = new Set(JSON.parse(store.get(key) || "[]"));
      const box = el("div", { className: "wq-evidence" }, el("strong", {}, T.evidenceTitle));
      const items = el("ul", { className: "wq-evidence-list" });
      evidence.forEach((thing, i) => {
        const input = el("input", { type: "checkbox", checked: checked.has(i) });
        input.addEventListener("change", () => {
          if (input.checked) checked.add(i);
          else checked.delete(i);
          if (payload.case_id) store.set(key, JSON.stringify([...checked]));
        });
        items.appendChild(el("li", {}, el("label", {}, input, " ", String(thing))));
      });
      box.appendChild(items);
      card.appendChild(box);
    }
    return card;
  }

  function ruleCard(payload) {
    const card = el("section", { className: "wq-card wq-rule", "aria-label": T.ruleLabel },
      el("span", { className: "wq-rule-badge" }, T.ruleBadge));
    if (payload.title) card.appendChild(el("strong", { className: "wq-card-title" }, String(payload.title)));
    if (payload.text) card.appendChild(richText(payload.text, true));
    if (payload.source) card.appendChild(el("p", { className: "wq-rule-source" }, `${T.source}：${payload.source}`));
    return card;
  }

  // ---------- the widget ----------

  class Widget {
    constructor(config) {
      this.config = Object.assign({}, DEFAULTS, config || {});
      this.channelNames = {};
      this.socket = null;
      this.connected = false;
      this.everConfirmed = false;
      this.historyOk = false;
      this.initSentFor = null;
      this.composing = false;
      this.openReplies = [];
      this.typingTimer = null;
      this.queue = null;
      this.senderId = store.get(KEYS.sender);
      this.ready = this.start();
    }

    async start() {
      const styles = loadStyles(new URL("weiquan-widget.css", WIDGET_BASE).href);
      this.build();
      this.root.hidden = true; // until styled: no flash of an unstyled chat
      styles.then(() => { this.root.hidden = false; });
      const [names] = await Promise.all([
        loadChannelNames(),
        window.io ? null : loadScript(new URL("vendor/socket.io/socket.io.min.js", APP_BASE).href),
      ]);
      this.channelNames = names;
      if (this.senderId) {
        await this.loadHistory();
      } else {
        this.senderId = newSenderId();
        store.set(KEYS.sender, this.senderId);
        this.historyOk = true;
      }
      this.connect();
    }

    // ----- DOM -----

    build() {
      const c = this.config;
      const container = typeof c.container === "string" ? document.querySelector(c.container) : c.container;
      this.inline = Boolean(container);
      this.root = el("div", { className: `wq-root ${this.inline ? "wq-inline" : "wq-floating"}`, lang: "zh-CN" });

      const panelId = `wq-panel-${Math.random().toString(36).slice(2, 8)}`;
      this.panel = el("section", { className: "wq-panel", id: panelId, "aria-label": `${c.title}对话` });

      this.status = el("span", { className: "wq-status", "data-state": "connecting" }, T.connecting);
      this.newButton = el("button", { type: "button", className: "wq-new", "aria-label": T.newConversationLabel },
        T.newConversation);
      this.newButton.addEventListener("click", () => this.newConversation());
      const header = el("header", { className: "wq-header" },
        el("div", { className: "wq-heading" },
          el("h2", { className: "wq-title" }, c.title),
          el("span", { className: "wq-subtitle" },
            el("span", { className: "wq-tagline" }, T.subtitle, " · "), this.status)),
        this.newButton);
      if (!this.inline) {
        const close = el("button", { type: "button", className: "wq-close", "aria-label": T.close }, "×");
        close.addEventListener("click", () => this.setOpen(false));
        header.appendChild(close);
      }

      this.notice = el("div", { className: "wq-notice", role: "status", hidden: true });
      this.list = el("ol", {
        className: "wq-messages", role: "log", "aria-live": "polite", "aria-relevant": "additions",
        "aria-label": T.log, tabindex: "0",
      });
      this.typing = el("div", { className: "wq-typing", hidden: true },
        el("span", { className: "wq-typing-dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
        el("span", { className: "wq-typing-text" }, T.typing));

      const inputId = `${panelId}-input`;
      this.input = el("textarea", {
        id: inputId, className: "wq-input", rows: "2", placeholder: T.placeholder,
        "aria-describedby": `${panelId}-counter ${panelId}-limit`, enterkeyhint: "send",
      });
      this.counter = el("span", { className: "wq-counter", id: `${panelId}-counter`, "aria-label": T.counterLabel(0) },
        T.counter(0));
      this.limitMessage = el("p", { className: "wq-limit", id: `${panelId}-limit`, role: "alert", hidden: true });
      this.sendButton = el("button", { type: "submit", className: "wq-send" }, T.send);
      this.form = el("form", { className: "wq-composer", novalidate: true },
        el("label", { className: "wq-sr-only", for: inputId }, T.inputLabel),
        this.input,
        this.limitMessage,
        el("div", { className: "wq-composer-foot" }, this.counter, this.sendButton));

      this.panel.append(header, this.notice, this.list, this.typing, this.form);
      this.bindComposer();

      if (this.inline) {
        this.root.appendChild(this.panel);
        container.appendChild(this.root);
        return;
      }
      this.launcher = el("button", {
        type: "button", className: "wq-launcher", "aria-controls": panelId, "aria-expanded": "false",
        "aria-label": T.open,
      }, chatIcon(), T.launcher);
      this.launcher.addEventListener("click", () => this.setOpen(true));
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.setOpen(false);
      });
      this.root.append(this.launcher, this.panel);
      document.body.appendChild(this.root);
      this.setOpen(store.get(KEYS.open) === "1", false);
    }

    setOpen(open, moveFocus = true) {
      if (this.inline) return;
      this.panel.hidden = !open;
      this.launcher.hidden = open;
      this.launcher.setAttribute("aria-expanded", String(open));
      store.set(KEYS.open, open ? "1" : "0");
      if (!moveFocus) return;
      if (open) {
        this.input.focus();
        this.scrollToEnd();
      } else {
        this.launcher.focus();
      }
    }

    bindComposer() {
      this.input.addEventListener("compositionstart", () => { this.composing = true; });
      this.input.addEventListener("compositionend", () => { this.composing = false; });
      this.input.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" || event.shiftKey) return;
        // A pinyin IME uses Enter to confirm its candidate: that Enter must not send.
        if (event.isComposing || this.composing || event.keyCode === 229) return;
        event.preventDefault();
        this.submit();
      });
      this.input.addEventListener("input", () => this.updateCounter());
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
    }

    updateCounter() {
      const n = charCount(this.input.value);
      const over = n > MAX_CHARS;
      this.counter.textContent = T.counter(n);
      this.counter.setAttribute("aria-label", T.counterLabel(n));
      this.counter.classList.toggle("wq-over", over);
      this.input.setAttribute("aria-invalid", String(over));
      if (!over) this.limitMessage.hidden = true;
      return n;
    }

    showNotice(text) {
      this.notice.textContent = text;
      this.notice.hidden = !text;
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
    }

    // ----- messages -----

    addUserMessage(text, ms) {
      this.list.appendChild(el("li", { className: "wq-msg wq-msg--user" },
        el("span", { className: "wq-sr-only" }, T.youSay),
        el("div", { className: "wq-bubble" }, richText(text, false)),
        timeElement(ms)));
      this.scrollToEnd();
    }

    /** A message a person of our service wrote (webapp/agent.py), labelled with their name. */
    addAgentMessage(agent, text, ms) {
      this.list.appendChild(el("li", { className: "wq-msg wq-msg--agent" },
        el("span", { className: "wq-agent-name" }, T.agentSays(agent)),
        el("div", { className: "wq-bubble" }, richText(text, true)),
        timeElement(ms)));
      this.scrollToEnd();
    }

    /** One bot message: text, quick replies, a route or rule card, an image link. */
    addBotMessage(message, ms, options = {}) {
      const custom = message.custom && typeof message.custom === "object" ? message.custom : null;
      if (custom && custom.type === "agent_message") {
        if (typeof custom.text === "string" && custom.text) this.addAgentMessage(String(custom.agent || ""), custom.text, ms);
        return;
      }
      const item = el("li", { className: "wq-msg wq-msg--bot" }, el("span", { className: "wq-sr-only" }, T.botSays));
      if (message.text) item.appendChild(el("div", { className: "wq-bubble" }, richText(message.text, true)));
      if (custom && custom.type === "route") item.appendChild(routeCard(custom, this.channelNames));
      else if (custom && custom.type === "rule") item.appendChild(ruleCard(custom));
      else if (custom && typeof custom.text === "string") {
        item.appendChild(el("div", { className: "wq-bubble" }, richText(custom.text, true)));
      }
      const image = message.image && safeHref(message.image);
      if (image) {
        item.appendChild(el("div", { className: "wq-bubble" },
          el("a", { href: image, target: "_blank", rel: "noopener noreferrer nofollow" }, T.viewImage)));
      }
      const buttons = Array.isArray(message.buttons) ? message.buttons.filter((b) => b && b.title) : [];
      if (buttons.length) item.appendChild(this.replies(buttons, options));
      if (item.childElementCount === 1) return;
      item.appendChild(timeElement(ms));
      this.list.appendChild(item);
      this.scrollToEnd();
    }

    replies(buttons, { answered = false, chosen = null } = {}) {
      const group = el("div", { className: "wq-replies", role: "group", "aria-label": T.repliesLabel });
      for (const button of buttons) {
        const payload = String(button.payload || button.title);
        const node = el("button", { type: "button", className: "wq-reply", "aria-pressed": "false" },
          String(button.title));
        if (answered) {
          node.disabled = true;
          if (payload === chosen) this.markChosen(node);
        }
        node.addEventListener("click", (event) => {
          if (node.disabled) return;
          if (!this.send(payload, String(button.title))) return;
          this.markChosen(node);
          // The chosen button is now disabled and loses focus: keep it in the panel. A keyboard user
          // (click with detail 0) goes on typing; a pointer user gets no on-screen keyboard popping up.
          if (event.detail === 0) this.input.focus();
          else this.list.focus({ preventScroll: true });
        });
        group.appendChild(node);
      }
      if (!answered) this.openReplies.push(group);
      return group;
    }

    markChosen(node) {
      node.classList.add("wq-reply--chosen");
      node.setAttribute("aria-pressed", "true");
    }

    closeOpenReplies() {
      for (const group of this.openReplies) {
        for (const button of group.querySelectorAll("button")) button.disabled = true;
      }
      this.openReplies = [];
    }

    /** Rasa's socket.io shapes: {text}, {text, quick_replies}, {custom} (webapp/rasa_channel.py), {attachment}. */
    onBotMessage(data) {
      if (this.queue) {
        this.queue.push(data);
        return;
      }
      this.setTyping(false);
      if (!data || typeof data !== "object") return;
      const attachment = data.attachment;
      const message = {
        text: typeof data.text === "string" ? data.text : "",
        buttons: data.quick_replies || data.buttons || [],
        custom: data.custom || (data.type === "route" || data.type === "rule" ? data : null),
        image: attachment && attachment.type === "image" && attachment.payload ? attachment.payload.src : null,
      };
      this.addBotMessage(message, Date.now());
    }

    /** A tracker message as Rasa's socket.io channel sends it live: text split at blank lines with the
     *  buttons on the last part, then the custom payload, then the image, each a message of its own. */
    static asSent(messages) {
      return messages.flatMap((message) => {
        if (message.role !== "bot") return [message];
        const { timestamp, chosen } = message;
        const buttons = message.buttons || [];
        const sent = [];
        if (message.text || buttons.length) {
          const parts = String(message.text || "").trim().split("\n\n");
          parts.forEach((text, i) => {
            const last = i === parts.length - 1;
            sent.push({ role: "bot", text, timestamp, buttons: last ? buttons : [], chosen: last ? chosen : null });
          });
        }
        if (message.custom) sent.push({ role: "bot", custom: message.custom, timestamp });
        if (message.image) sent.push({ role: "bot", image: message.image, timestamp });
        return sent;
      });
    }

    renderHistory(history) {
      const messages = Widget.asSent(history);
      this.list.setAttribute("aria-busy", "true");
      this.list.replaceChildren();
      this.openReplies = [];
      messages.forEach((message, index) => {
        const ms = message.timestamp ? message.timestamp * 1000 : Date.now();
        if (message.role === "user") {
          this.addUserMessage(message.text, ms);
          return;
        }
        if (message.role === "agent") {
          this.addAgentMessage(String(message.agent || ""), message.text, ms);
          return;
        }
        const answered = messages.slice(index + 1).some((later) => later.role === "user");
        this.addBotMessage(message, ms, { answered, chosen: message.chosen || null });
      });
      this.list.removeAttribute("aria-busy");
      this.scrollToEnd();
    }

    async loadHistory() {
      const url = new URL(`api/history/${encodeURIComponent(this.senderId)}`, this.config.apiUrl);
      try {
        const response = await fetch(url, { cache: "no-store" });
        if (!response.ok) throw new Error(`history: HTTP ${response.status}`);
        const body = await response.json();
        this.renderHistory(body.messages || []);
        this.historyOk = true;
      } catch (_) {
        this.historyOk = false;
        if (!this.list.childElementCount) this.showNotice(T.historyFailed);
      }
    }

    setTyping(on) {
      window.clearTimeout(this.typingTimer);
      this.typing.hidden = !on;
      if (on) {
        this.typingTimer = window.setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
        this.scrollToEnd();
      }
    }

    // ----- sending -----

    submit() {
      const text = this.input.value;
      const n = this.updateCounter();
      if (n > MAX_CHARS) {
        this.limitMessage.textContent = T.tooLong(n);
        this.limitMessage.hidden = false;
        this.input.focus();
        return;
      }
      if (!text.trim()) return;
      if (this.send(text.trim(), text.trim())) {
        this.input.value = "";
        this.updateCounter();
      }
      this.input.focus();
    }

    /** Sends `payload` and shows `shown` as the user's message; false while disconnected. */
    send(payload, shown) {
      if (!this.connected) {
        this.showNotice(this.everConfirmed ? T.offline : T.notConnectedYet);
        return false;
      }
      this.closeOpenReplies();
      this.addUserMessage(shown, Date.now());
      this.emit(payload);
      return true;
    }

    emit(payload) {
      this.socket.emit(this.config.userMessageEvent, { message: payload, session_id: this.senderId });
      this.setTyping(true);
    }

    // ----- connection -----

    connect() {
      const c = this.config;
      const socket = window.io(c.serverUrl, {
        path: c.socketPath,
        transports: c.transports,
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 4000,
        timeout: 8000,
        forceNew: true,
      });
      this.socket = socket;
      socket.on("connect", () => socket.emit("session_request", { session_id: this.senderId }));
      socket.on("session_confirm", (sessionId) => {
        if (socket !== this.socket || sessionId !== this.senderId) return;
        this.onConfirmed();
      });
      socket.on("disconnect", () => socket === this.socket && this.setConnected(false));
      socket.on("connect_error", () => socket === this.socket && this.setConnected(false));
      socket.on(c.botMessageEvent, (data) => socket === this.socket && this.onBotMessage(data));
    }

    async onConfirmed() {
      const reconnected = this.everConfirmed;
      this.everConfirmed = true;
      if (reconnected || !this.historyOk) {
        // Replies may have been lost while the server was away: show what the tracker holds.
        this.queue = [];
        await this.loadHistory();
        const queued = this.queue;
        this.queue = null;
        queued.forEach((data) => this.onBotMessage(data));
      }
      this.setConnected(true);
      if (this.historyOk && !this.list.childElementCount && this.config.initPayload &&
          this.initSentFor !== this.senderId) {
        this.initSentFor = this.senderId;
        this.emit(this.config.initPayload);
      }
    }

    setConnected(connected) {
      this.connected = connected;
      this.status.textContent = connected ? T.online : T.connecting;
      this.status.dataset.state = connected ? "online" : "offline";
      this.sendButton.setAttribute("aria-disabled", String(!connected));
      if (connected) {
        this.showNotice("");
      } else if (this.everConfirmed || this.socket) {
        this.setTyping(false);
        this.showNotice(T.offline);
      }
    }

    newConversation() {
      this.senderId = newSenderId();
      store.set(KEYS.sender, this.senderId);
      this.list.replaceChildren();
      this.openReplies = [];
      this.setTyping(false);
      this.historyOk = true;
      this.everConfirmed = false;
      const old = this.socket;
      this.socket = null;
      if (old) {
        old.removeAllListeners();
        old.disconnect();
      }
      this.setConnected(false);
      this.showNotice("");
      this.connect();
      this.input.focus();
    }
  }

  function init(config) {
    return new Widget(config);
  }

  window.WeiquanWidget = { init, version: "1" };

  function autoInit() {
    let config = window.WeiquanWidgetConfig || null;
    const raw = SCRIPT && SCRIPT.getAttribute("data-weiquan-config");
    if (raw) {
      try {
        config = Object.assign({}, JSON.parse(raw), config || {});
      } catch (error) {
        console.error("weiquan-widget: data-weiquan-config is not valid JSON", error);
      }
    }
    if (config) window.WeiquanWidget.instance = init(config);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoInit);
  else autoInit();
})();
