// The web inbox of `smsbridge dev`: Preact components written with htm tagged templates
// (no build step), fed by the REST API under /api/v1 and kept live by its Server-Sent Events.
import { Component, h, render } from "preact";
import { useCallback, useEffect, useMemo, useReducer, useRef } from "preact/hooks";
import htm from "htm";

const html = htm.bind(h);
const API = "/api/v1";
const PAGE = 100; // messages fetched at a time
const KEEP_INBOUND = 200;
const KEEP_VIEW = 300; // messages a view holds as they arrive live; older ones: "Load older messages"

const REPORT_STATUSES = ["delivered", "failed", "expired", "delayed"];
const FAULT_KINDS = {
  refuse: "Refuse the connection",
  reset: "Reset after the request body",
  timeout: "Time out (never answer)",
  http500: "HTTP 500",
  html: "HTML error page",
  truncated: "Truncated body",
  rate_limited: "Rate limited",
  no_credit: "No credit",
};
const OPERATIONS = ["send", "balance", "status", "inbound", "admin"];

// ---------------------------------------------------------------- the API

class ApiError extends Error {}

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API + path, init);
  } catch (err) {
    throw new ApiError(`${method} ${path}: the dev server does not answer (${err.message})`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const why = (data && (data.error || data.message)) || text.slice(0, 200) || response.statusText;
    throw new ApiError(`${method} ${path}: HTTP ${response.status}: ${why}`);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---------------------------------------------------------------- state

const initial = {
  live: "connecting", // connecting | live | offline
  selected: null, // null: all messages; else a recipient number
  threads: [],
  messages: [], // the selected view, newest first
  more: false, // older messages exist for the view
  inbound: [],
  rules: [],
  providers: [],
  magic: {},
  settings: null,
  error: null,
  announcement: "",
};

function touches(message, number) {
  return number === null || message.recipients.some((r) => r.number === number);
}

function addToThreads(threads, message) {
  const next = threads.slice();
  for (const { number } of message.recipients) {
    const i = next.findIndex((t) => t.number === number);
    const old = i >= 0 ? next.splice(i, 1)[0] : { number, count: 0 };
    next.unshift({ ...old, count: old.count + 1, last_text: message.text, last_created: message.created });
  }
  return next;
}

function setStatus(message, number, status) {
  return {
    ...message,
    recipients: message.recipients.map((r) => (number == null || r.number === number ? { ...r, status } : r)),
  };
}

function reducer(state, action) {
  switch (action.type) {
    case "batch":
      return action.actions.reduce(reducer, state);
    case "live":
      return { ...state, live: action.live };
    case "select":
      return { ...state, selected: action.number, messages: [], more: false };
    case "loaded":
      return action.selected === state.selected
        ? { ...state, messages: action.messages, more: action.messages.length >= PAGE }
        : state;
    case "older": {
      if (action.selected !== state.selected) return state;
      const known = new Set(state.messages.map((m) => m.id));
      const older = action.messages.filter((m) => !known.has(m.id));
      return { ...state, messages: state.messages.concat(older), more: action.messages.length >= PAGE };
    }
    case "threads":
      return { ...state, threads: action.threads };
    case "message": {
      const m = action.message;
      if (state.messages.some((x) => x.id === m.id)) return state;
      const joins = touches(m, state.selected);
      const messages = joins ? [m, ...state.messages].slice(0, KEEP_VIEW) : state.messages;
      const to = m.recipients.map((r) => r.number).join(", ");
      return {
        ...state,
        messages,
        more: state.more || (joins && state.messages.length >= KEEP_VIEW),
        threads: addToThreads(state.threads, m),
        announcement: `New message to ${to} through ${m.provider}${m.fault ? `, fault: ${m.fault}` : ""}`,
      };
    }
    case "status":
      return {
        ...state,
        messages: state.messages.map((m) => (m.id === action.message ? setStatus(m, action.number, action.status) : m)),
      };
    case "replace":
      return { ...state, messages: state.messages.map((m) => (m.id === action.message.id ? action.message : m)) };
    case "inbound": {
      const one = action.inbound;
      if (one.id != null && state.inbound.some((x) => x.id === one.id)) return state;
      return {
        ...state,
        inbound: [one, ...state.inbound].slice(0, KEEP_INBOUND),
        announcement: `Inbound message from ${one.sender}`,
      };
    }
    case "inbound-list":
      return { ...state, inbound: action.inbound.slice(0, KEEP_INBOUND) };
    case "rules":
      return { ...state, rules: action.rules };
    case "providers":
      return { ...state, providers: action.providers, magic: action.magic };
    case "settings":
      return { ...state, settings: action.settings };
    case "cleared":
      return { ...state, messages: [], threads: [], more: false, announcement: "All messages deleted" };
    case "error":
      return { ...state, error: action.error };
    default:
      throw new Error(`unknown action ${action.type}`);
  }
}

// ---------------------------------------------------------------- formatting

function encodingLabel(encoding) {
  return encoding === "ucs2" ? "UCS-2" : encoding === "gsm7" ? "GSM-7" : encoding;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

function Time({ iso }) {
  return html`<time datetime=${iso}>${clock(iso)}</time>`;
}

function providerName(providers, id) {
  const p = providers.find((x) => x.id === id);
  return p ? p.name : id;
}

function prettyBody(raw) {
  const body = raw.body || "";
  const type = Object.entries(raw.headers || {}).find(([k]) => k.toLowerCase() === "content-type");
  if (/json/i.test(type ? type[1] : "") || /^\s*[[{]/.test(body)) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return body;
}

// ---------------------------------------------------------------- components

function Badge({ kind, children, title }) {
  return html`<span class=${`badge badge-${kind}`} title=${title}>${children}</span>`;
}

function ThreadList({ threads, selected, onSelect }) {
  return html`
    <nav class="threads" aria-label="Conversations">
      <h2>Conversations</h2>
      <ul>
        <li>
          <button type="button" class="thread" aria-current=${selected === null ? "true" : undefined}
                  onClick=${() => onSelect(null)}>
            <span class="thread-number">All messages</span>
            <span class="thread-last">${plural(threads.length, "conversation", "conversations")}</span>
          </button>
        </li>
        ${threads.map(
          (t) => html`
            <li key=${t.number}>
              <button type="button" class="thread" data-number=${t.number}
                      aria-current=${selected === t.number ? "true" : undefined} onClick=${() => onSelect(t.number)}>
                <span class="thread-number">${t.number}</span>
                <span class="count" aria-label=${plural(t.count, "message", "messages")}>${t.count}</span>
                <span class="thread-last" dir="auto">${t.last_text}</span>
                <span class="thread-time"><${Time} iso=${t.last_created} /></span>
              </button>
            </li>`,
        )}
      </ul>
      ${threads.length === 0 && html`<p class="empty">No messages yet. Point your app at this server and send one.</p>`}
    </nav>`;
}

function RawRequest({ raw }) {
  if (!raw) return null;
  const headers = Object.entries(raw.headers || {})
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  return html`
    <details class="raw">
      <summary>Raw request</summary>
      <pre><code>${`${raw.method} ${raw.path}\n${headers}\n\n${prettyBody(raw)}`}</code></pre>
    </details>`;
}

function ReportButtons({ message, number, onReport }) {
  return html`
    <div class="report" role="group" aria-label=${`Delivery report for ${number}`}>
      <span class="report-label" aria-hidden="true">report:</span>
      ${REPORT_STATUSES.map(
        (status) => html`
          <button type="button" class=${`small status-${status}`} title=${`Send a "${status}" report for ${number}`}
                  aria-label=${`Mark ${number} ${status}`} onClick=${() => onReport(message, number, status)}>
            ${status}
          </button>`,
      )}
    </div>`;
}

function Recipient({ message, recipient, onReport }) {
  return html`
    <li class="recipient" data-number=${recipient.number}>
      <span class="recipient-number">${recipient.number}</span>
      <span class=${`status status-${recipient.status}`} data-status=${recipient.status}>${recipient.status}</span>
      ${recipient.message_id && html`<span class="msgid" title="the provider's message id">id ${recipient.message_id}</span>`}
      ${recipient.status !== "rejected" &&
      html`<${ReportButtons} message=${message} number=${recipient.number} onReport=${onReport} />`}
    </li>`;
}

function Bubble({ message, selected, providers, onReport }) {
  const recipients = selected === null ? message.recipients : message.recipients.filter((r) => r.number === selected);
  const to = message.recipients.map((r) => r.number).join(", ");
  return html`
    <li class="out" data-message-id=${message.id}>
      <article class=${`bubble${message.fault ? " bubble-fault" : ""}`} aria-label=${`Message ${message.id} to ${to}`}>
        <header class="meta">
          <span>${message.sender ? `from ${message.sender}` : "no sender id"}</span>
          <span>· account ${message.account}</span>
          <span>· <${Time} iso=${message.created} /></span>
        </header>
        <p class="text" dir="auto">${message.text}</p>
        <p class="badges">
          <${Badge} kind="provider" title=${`received on ${providerName(providers, message.provider)}'s API`}>
            ${providerName(providers, message.provider)}
          <//>
          <${Badge} kind="encoding" title="the encoding the message needs">${encodingLabel(message.encoding)}<//>
          <${Badge} kind="segments" title="SMS parts the message is split into">
            ${plural(message.segments, "segment", "segments")}
          <//>
          ${message.flash && html`<${Badge} kind="flash">flash<//>`}
          ${message.scheduled && html`<${Badge} kind="scheduled">scheduled ${clock(message.scheduled)}<//>`}
          ${message.fault && html`<${Badge} kind="fault" title="the fault the emulator answered with">fault: ${message.fault}<//>`}
        </p>
        <ul class="recipients" aria-label="Recipients">
          ${recipients.map(
            (r) => html`<${Recipient} key=${r.number} message=${message} recipient=${r} onReport=${onReport} />`,
          )}
        </ul>
        <${RawRequest} raw=${message.raw} />
      </article>
    </li>`;
}

// a bubble renders again only when its own props change (messages keep their identity until changed)
class PureBubble extends Component {
  shouldComponentUpdate(next) {
    const props = this.props;
    return Object.keys(next).some((key) => next[key] !== props[key]);
  }

  render(props) {
    return h(Bubble, props);
  }
}

function InboundBubble({ inbound, providers }) {
  return html`
    <li class="in" data-inbound-id=${inbound.id}>
      <article class="bubble bubble-in" aria-label=${`Inbound message from ${inbound.sender}`}>
        <header class="meta">
          <span>from ${inbound.sender}</span>
          ${inbound.to && html`<span>· to ${inbound.to}</span>`}
          ${inbound.created && html`<span>· <${Time} iso=${inbound.created} /></span>`}
        </header>
        <p class="text" dir="auto">${inbound.text}</p>
        <p class="badges">
          <${Badge} kind="provider">${providerName(providers, inbound.provider)}<//>
          <${Badge} kind="inbound">inbound<//>
        </p>
      </article>
    </li>`;
}

function Conversation({ state, onReport, onOlder }) {
  const { selected, messages, inbound, providers } = state;
  const list = useRef(null);
  // a thread reads top to bottom, oldest first, like a phone's; inbound replies join their sender's thread
  const items = useMemo(() => {
    const out = messages.map((m) => ({ at: m.created, key: `m${m.id}`, message: m }));
    const replies = selected === null ? [] : inbound.filter((i) => i.sender === selected);
    const ins = replies.map((i, n) => ({ at: i.created || "", key: `i${i.id ?? n}`, inbound: i }));
    return out.concat(ins).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }, [messages, inbound, selected]);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [items.length, selected]);
  const title = selected === null ? "All messages" : selected;
  return html`
    <main class="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title">${title}</h2>
      <div class="bubbles" ref=${list}>
        ${state.more && html`<button type="button" class="older" onClick=${onOlder}>Load older messages</button>`}
        ${items.length === 0
          ? html`<p class="empty">Nothing here yet.</p>`
          : html`
              <ol class="messages" aria-label=${`Messages: ${title}`}>
                ${items.map((it) =>
                  it.message
                    ? html`<${PureBubble} key=${it.key} message=${it.message} selected=${selected}
                                      providers=${providers} onReport=${onReport} />`
                    : html`<${InboundBubble} key=${it.key} inbound=${it.inbound} providers=${providers} />`,
                )}
              </ol>`}
      </div>
    </main>`;
}

function Field({ label, id, children, hint }) {
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      ${children}
      ${hint && html`<small id=${`${id}-hint`}>${hint}</small>`}
    </div>`;
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function describeRule(rule) {
  const where = [
    rule.provider || "every provider",
    rule.operation ? `${rule.operation}` : "every operation",
    rule.number ? `to ${rule.number}` : null,
  ].filter(Boolean);
  const how = [
    rule.probability >= 1 ? "always" : `${Math.round(rule.probability * 100)} % of requests`,
    rule.remaining != null ? (rule.remaining > 0 ? `${rule.remaining} left` : "used up") : null,
    rule.seed != null ? `seed ${rule.seed}` : null,
  ].filter(Boolean);
  return `${where.join(", ")}; ${how.join(", ")}`;
}

function Faults({ rules, providers, run }) {
  const add = (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const v = formValues(form);
    const rule = {
      kind: v.kind,
      provider: v.provider || null,
      operation: v.operation || null,
      number: v.number.trim() || null,
      probability: v.probability === "" ? 1 : Number(v.probability),
      remaining: v.remaining === "" ? null : Number(v.remaining),
      seed: v.seed === "" ? null : Number(v.seed),
    };
    run(() => api("POST", "/faults", rule)).then((ok) => ok && form.reset());
  };
  return html`
    <section class="panel" aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      ${rules.length === 0
        ? html`<p class="empty">No fault rules: every request is answered normally.</p>`
        : html`
            <ul class="rules" aria-label="Fault rules">
              ${rules.map(
                (r) => html`
                  <li key=${r.id} data-rule-id=${r.id} class=${r.remaining === 0 ? "used-up" : undefined}>
                    <span><strong>${FAULT_KINDS[r.kind] || r.kind}</strong> <span class="rule-where">${describeRule(r)}</span></span>
                    <button type="button" class="small" aria-label=${`Remove fault rule ${r.id}: ${r.kind}`}
                            onClick=${() => run(() => api("DELETE", `/faults/${r.id}`))}>Remove</button>
                  </li>`,
              )}
            </ul>
            <button type="button" class="small remove-all" onClick=${() => run(() => api("DELETE", "/faults"))}>
              Remove all rules
            </button>`}
      <form class="fault-form" onSubmit=${add} aria-label="Add a fault rule">
        <${Field} label="Fault" id="fault-kind">
          <select id="fault-kind" name="kind" required>
            ${Object.entries(FAULT_KINDS).map(([k, label]) => html`<option value=${k}>${label}</option>`)}
          </select>
        <//>
        <div class="row">
          <${Field} label="Provider" id="fault-provider">
            <select id="fault-provider" name="provider">
              <option value="">any</option>
              ${providers.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
            </select>
          <//>
          <${Field} label="Operation" id="fault-operation">
            <select id="fault-operation" name="operation">
              <option value="">any</option>
              ${OPERATIONS.map((o) => html`<option value=${o}>${o}</option>`)}
            </select>
          <//>
        </div>
        <${Field} label="Only to number" id="fault-number">
          <input id="fault-number" name="number" type="text" inputmode="tel" autocomplete="off" placeholder="any number" />
        <//>
        <div class="row">
          <${Field} label="Probability" id="fault-probability">
            <input id="fault-probability" name="probability" type="number" min="0" max="1" step="0.01" value="1" />
          <//>
          <${Field} label="Times" id="fault-remaining">
            <input id="fault-remaining" name="remaining" type="number" min="1" step="1" placeholder="∞" />
          <//>
          <${Field} label="Seed" id="fault-seed">
            <input id="fault-seed" name="seed" type="number" step="1" placeholder="random" />
          <//>
        </div>
        <button type="submit">Add fault rule</button>
      </form>
    </section>`;
}

function Inbound({ inbound, providers, run }) {
  const send = (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const v = formValues(form);
    const body = { provider: v.provider, sender: v.sender.trim(), to: v.to.trim() || null, text: v.text };
    run(() => api("POST", "/inbound", body)).then((ok) => ok && form.elements.text && (form.elements.text.value = ""));
  };
  return html`
    <section class="panel" aria-labelledby="inbound-title">
      <h2 id="inbound-title">Inbound message</h2>
      <form class="inbound-form" onSubmit=${send} aria-label="Simulate an inbound message">
        <${Field} label="Provider" id="inbound-provider">
          <select id="inbound-provider" name="provider" required>
            ${providers.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
          </select>
        <//>
        <div class="row">
          <${Field} label="From" id="inbound-sender">
            <input id="inbound-sender" name="sender" type="text" inputmode="tel" required autocomplete="off"
                   placeholder="+41791234567" />
          <//>
          <${Field} label="To (optional)" id="inbound-to">
            <input id="inbound-to" name="to" type="text" autocomplete="off" placeholder="your number" />
          <//>
        </div>
        <${Field} label="Text" id="inbound-text">
          <textarea id="inbound-text" name="text" rows="2" required dir="auto"></textarea>
        <//>
        <button type="submit">Receive</button>
      </form>
      ${inbound.length > 0 &&
      html`
        <h3>Received</h3>
        <ol class="inbound-list" aria-label="Inbound messages">
          ${inbound.slice(0, 20).map(
            (i, n) => html`
              <li key=${i.id ?? n}>
                <span class="inbound-from">${i.sender}</span>
                <${Badge} kind="provider">${providerName(providers, i.provider)}<//>
                <span class="inbound-text" dir="auto">${i.text}</span>
              </li>`,
          )}
        </ol>`}
    </section>`;
}

function Settings({ settings, run, set }) {
  if (!settings) return null;
  const save = (event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget);
    const body = {
      report_url: v.report_url.trim() || null,
      inbound_url: v.inbound_url.trim() || null,
      report_delay: v.report_delay === "" ? 0 : Number(v.report_delay),
    };
    run(async () => set(await api("PUT", "/settings", body)));
  };
  return html`
    <section class="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Callbacks</h2>
      <form onSubmit=${save} aria-label="Callback settings">
        <${Field} label="Delivery reports to" id="report-url" hint="your app's receiver URL">
          <input id="report-url" name="report_url" type="url" value=${settings.report_url || ""}
                 placeholder="http://127.0.0.1:8000/smsbridge/..." aria-describedby="report-url-hint" />
        <//>
        <${Field} label="Inbound messages to" id="inbound-url">
          <input id="inbound-url" name="inbound_url" type="url" value=${settings.inbound_url || ""} />
        <//>
        <${Field} label="Report delay (s)" id="report-delay">
          <input id="report-delay" name="report_delay" type="number" min="0" step="0.1" value=${settings.report_delay} />
        <//>
        <button type="submit">Save</button>
      </form>
    </section>`;
}

function Providers({ providers, magic }) {
  return html`
    <details class="panel">
      <summary><h2>Providers and magic numbers</h2></summary>
      <table>
        <caption>Account URLs that reach this server</caption>
        <thead><tr><th scope="col">Provider</th><th scope="col">Account URL</th></tr></thead>
        <tbody>
          ${providers.map(
            (p) => html`<tr key=${p.id}><th scope="row">${p.name}</th><td><code>${p.example_url}</code></td></tr>`,
          )}
        </tbody>
      </table>
      <table>
        <caption>Magic numbers</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">Behaviour</th></tr></thead>
        <tbody>
          ${Object.entries(magic).map(
            ([n, what]) => html`<tr key=${n}><th scope="row"><code>${n}</code></th><td>${what}</td></tr>`,
          )}
        </tbody>
      </table>
    </details>`;
}

// ---------------------------------------------------------------- the app

function App() {
  const [state, dispatch] = useReducer(reducer, initial);
  const selectedRef = useRef(state.selected);
  selectedRef.current = state.selected;

  const fail = useCallback((err) => {
    dispatch({ type: "error", error: err instanceof ApiError ? err.message : String(err) });
  }, []);

  // run an API call from a control; the change itself arrives as an event
  const run = useCallback(
    async (call) => {
      try {
        await call();
        dispatch({ type: "error", error: null });
        return true;
      } catch (err) {
        fail(err);
        return false;
      }
    },
    [fail],
  );

  // thread counts are recounted by the server shortly after new messages (a message outside
  // the open view cannot be told apart from one the last snapshot already counted)
  const threadsAsked = useRef({ timer: null, sequence: 0 });
  const recountThreads = useCallback(() => {
    const asked = threadsAsked.current;
    clearTimeout(asked.timer);
    asked.timer = setTimeout(async () => {
      const sequence = ++asked.sequence;
      try {
        const data = await api("GET", "/threads");
        if (sequence === asked.sequence) dispatch({ type: "threads", threads: data.threads });
      } catch (err) {
        fail(err);
      }
    }, 250);
  }, [fail]);

  // Events that arrive while a snapshot is being fetched are held and replayed on top of it,
  // in order: the snapshot may predate them, and replaying one it already holds changes nothing.
  const held = useRef({ depth: 0, actions: [] });
  // events are applied in batches, one render for all that arrived within a few milliseconds:
  // under a burst of sends the page renders a few dozen times a second, not once an event
  const queued = useRef({ actions: [], timer: null });
  const deliver = useCallback((action) => {
    const queue = queued.current;
    queue.actions.push(action);
    if (queue.timer !== null) return;
    queue.timer = setTimeout(() => {
      const actions = queue.actions;
      queue.actions = [];
      queue.timer = null;
      if (held.current.depth > 0) held.current.actions.push(...actions);
      else dispatch({ type: "batch", actions });
    }, 8);
  }, []);
  const holding = useCallback(async (fetch) => {
    held.current.depth += 1;
    try {
      await fetch();
    } finally {
      held.current.depth -= 1;
      if (held.current.depth === 0) {
        const actions = held.current.actions;
        held.current.actions = [];
        dispatch({ type: "batch", actions });
        if (actions.some((action) => action.type === "message")) recountThreads();
      }
    }
  }, [recountThreads]);

  const loadView = useCallback(
    async (number) => {
      const data = await api("GET", `/messages${query({ limit: PAGE, recipient: number })}`);
      dispatch({ type: "loaded", selected: number, messages: data.messages });
    },
    [],
  );

  const refresh = useCallback(async () => {
    threadsAsked.current.sequence += 1; // an older recount must not overwrite this snapshot
    const [threads, rules, inbound, settings, providers] = await Promise.all([
      api("GET", "/threads"),
      api("GET", "/faults"),
      api("GET", "/inbound"),
      api("GET", "/settings"),
      api("GET", "/providers"),
    ]);
    dispatch({ type: "threads", threads: threads.threads });
    dispatch({ type: "rules", rules: rules.rules });
    dispatch({ type: "inbound-list", inbound: inbound.inbound || inbound.messages || [] });
    dispatch({ type: "settings", settings });
    dispatch({ type: "providers", providers: providers.providers, magic: providers.magic_numbers || {} });
    await loadView(selectedRef.current);
  }, [loadView]);

  useEffect(() => {
    const events = new EventSource(`${API}/events`);
    const on = (name, handler) =>
      events.addEventListener(name, (e) => {
        try {
          handler(JSON.parse(e.data));
        } catch (err) {
          fail(err);
        }
      });
    // first load, and what was missed while disconnected; "Live" once the page is in step
    events.onopen = () =>
      holding(refresh).then(
        () => dispatch({ type: "live", live: "live" }),
        (err) => fail(err),
      );
    events.onerror = () => dispatch({ type: "live", live: events.readyState === 2 ? "offline" : "connecting" });
    on("message", (message) => {
      deliver({ type: "message", message });
      recountThreads();
    });
    on("status", (s) => deliver({ type: "status", message: s.message, number: s.number, status: s.status }));
    on("inbound", (inbound) => deliver({ type: "inbound", inbound }));
    on("faults", (f) => deliver({ type: "rules", rules: f.rules }));
    on("cleared", () => deliver({ type: "cleared" }));
    return () => events.close();
  }, [refresh, holding, deliver, recountThreads, fail]);

  const select = useCallback(
    (number) => {
      dispatch({ type: "select", number });
      holding(() => loadView(number)).catch(fail);
    },
    [loadView, holding, fail],
  );

  const older = useCallback(async () => {
    const last = state.messages[state.messages.length - 1];
    if (!last) return;
    try {
      const data = await api("GET", `/messages${query({ limit: PAGE, before: last.id, recipient: state.selected })}`);
      dispatch({ type: "older", selected: state.selected, messages: data.messages });
    } catch (err) {
      fail(err);
    }
  }, [state.messages, state.selected, fail]);

  const report = useCallback(
    (message, number, status) => run(() => api("POST", `/messages/${message.id}/report`, { number, status })),
    [run],
  );

  const liveLabel = { live: "Live", connecting: "Connecting…", offline: "Offline" }[state.live];
  return html`
    <header class="top">
      <h1>smsbridge dev <span class="subtitle">local SMS provider emulator</span></h1>
      <p class=${`live live-${state.live}`} role="status" title="updates from /api/v1/events">${liveLabel}</p>
      <button type="button" class="danger" onClick=${() => run(() => api("DELETE", "/messages"))}>
        Delete all messages
      </button>
    </header>
    ${state.error &&
    html`<div class="error" role="alert">
      <span>${state.error}</span>
      <button type="button" class="small" onClick=${() => dispatch({ type: "error", error: null })}>Dismiss</button>
    </div>`}
    <div class="layout">
      <${ThreadList} threads=${state.threads} selected=${state.selected} onSelect=${select} />
      <${Conversation} state=${state} onReport=${report} onOlder=${older} />
      <aside class="tools" aria-label="Emulator controls">
        <${Faults} rules=${state.rules} providers=${state.providers} run=${run} />
        <${Inbound} inbound=${state.inbound} providers=${state.providers} run=${run} />
        <${Settings} settings=${state.settings} run=${run}
                    set=${(settings) => dispatch({ type: "settings", settings })} />
        <${Providers} providers=${state.providers} magic=${state.magic} />
      </aside>
    </div>
    <p class="visually-hidden" aria-live="polite">${state.announcement}</p>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
