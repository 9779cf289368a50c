// Endure's dashboard: plain JavaScript (no build step, no dependencies), served by the engine at
// /_endure/. Everything it shows comes from the REST API and the GraphQL analytics API, with the
// API's token (kept in this tab's sessionStorage, sent as a Bearer header, never in a URL).

const API = "/client/v4/accounts/local/workflows";
const GRAPHQL = "/client/v4/graphql";
const TERMINAL = new Set(["complete", "errored", "terminated"]);
const STATUSES = ["queued", "running", "paused", "waitingForPause", "waiting", "errored", "terminated", "complete"];
const PAGE_SIZE = 25;
const REFRESH_MS = 1000;

let token = sessionStorage.getItem("endure-token") || "";
let refresh = null; // the live page's timer
let cursors = []; // earlier pages' cursors of the instance list

class Unauthorized extends Error {}

// ---- helpers ---------------------------------------------------------------------------------

/** An element: attributes (`class`, `text`, `on<event>`, others as attributes), then children. */
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function svgEl(tag, attrs = {}, ...kids) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

const main = () => document.getElementById("main");
const badge = (status) => el("span", { class: `badge ${status}`, "data-status": status, text: status });
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const enc = encodeURIComponent;

function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const span = (a, b) => (a && b ? Date.parse(b) - Date.parse(a) : null);
const pretty = (v) => el("pre", { text: JSON.stringify(v, null, 2) });

async function api(path, opts = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(path, { ...opts, headers });
  // 401: no token; 403 with code 10000: a token the server does not know.
  if (r.status === 401 || r.status === 403) {
    const body = await r.clone().json().catch(() => null);
    if (r.status === 401 || body?.errors?.[0]?.code === 10000) throw new Unauthorized();
  }
  const body = await r.json().catch(() => null);
  if (!r.ok || (body && body.success === false)) {
    const e = body?.errors?.[0];
    throw new Error(e ? `${e.message} (code ${e.code})` : `HTTP ${r.status}`);
  }
  return body;
}

async function graphql(query, variables) {
  const body = await api(GRAPHQL, { method: "POST", body: JSON.stringify({ query, variables }) });
  if (body.errors) throw new Error(body.errors[0].message);
  return body.data.viewer.accounts[0];
}

/** Asks to confirm `title`; resolves true when confirmed. */
function confirmAction(title, detail) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-body").replaceChildren(detail ? el("p", { text: detail }) : "");
  d.returnValue = "";
  d.showModal();
  return new Promise((resolve) => d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true }));
}

function notice(message) {
  return el("div", { class: "notice", role: "alert", text: message });
}

// ---- routing ---------------------------------------------------------------------------------

async function route() {
  clearTimeout(refresh);
  const [path, query] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const parts = (path || "/").split("/").filter(Boolean).map(decodeURIComponent);
  document.getElementById("logout").hidden = !token;
  try {
    if (parts[0] === "workflows" && parts[2] === "instances" && parts[3]) await instancePage(parts[1], parts[3]);
    else if (parts[0] === "workflows" && parts[1]) await workflowPage(parts[1], params);
    else await workflowsPage();
  } catch (e) {
    if (e instanceof Unauthorized) loginPage();
    else main().replaceChildren(notice(e.message));
  }
}

function loginPage() {
  const input = el("input", { type: "password", id: "token", autocomplete: "current-password", required: true });
  const form = el(
    "form",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        token = input.value.trim();
        sessionStorage.setItem("endure-token", token);
        route();
      },
    },
    el("label", { for: "token", text: "API token" }),
    input,
    el("button", { type: "submit", text: "Sign in" }),
  );
  const wrong = token ? notice("That token was refused.") : null;
  main().replaceChildren(
    el("div", { class: "card login" }, el("h1", { text: "Sign in to Endure" }),
      el("p", { class: "muted", text: "Enter one of the server's API tokens (api_tokens in endure.toml)." }), wrong, form),
  );
  input.focus();
}

// ---- workflows -------------------------------------------------------------------------------

function counts(instances) {
  const keys = Object.keys(instances || {});
  if (!keys.length) return el("span", { class: "muted", text: "no instances" });
  return el("span", { class: "counts" }, keys.map((s) => el("span", { class: `badge ${s}`, text: `${s} ${instances[s]}` })));
}

async function workflowsPage() {
  const { result } = await api(`${API}?per_page=100`);
  const rows = result.map((w) =>
    el("tr", { "data-workflow": w.name },
      el("td", {}, el("a", { href: `#/workflows/${enc(w.name)}`, text: w.name })),
      el("td", {}, counts(w.instances)),
      el("td", {}, (w.schedules || []).map((s) => el("div", {}, el("code", { text: s.cron }), ` next ${when(s.next_instance)}`))),
      el("td", { text: w.class_name })),
  );
  main().replaceChildren(
    el("h1", { text: "Workflows" }),
    result.length
      ? el("table", { id: "workflows" },
          el("thead", {}, el("tr", {}, ["Name", "Instances", "Schedules", "Class"].map((h) => el("th", { text: h })))),
          el("tbody", {}, rows))
      : el("p", { class: "muted", text: "No workflows are registered." }),
  );
}

async function workflowPage(name, params) {
  const { result: wf } = await api(`${API}/${enc(name)}`);
  const status = params.get("status") || "";
  const from = params.get("from") || "";
  const to = params.get("to") || "";
  const q = params.get("q") || "";
  const cursor = params.get("cursor") || "";
  if (!cursor) cursors = [];

  const statusSel = el("select", { id: "f-status" }, el("option", { value: "", text: "any" }),
    STATUSES.map((s) => el("option", { value: s, text: s, selected: s === status })));
  const fromIn = el("input", { type: "datetime-local", id: "f-from", value: from });
  const toIn = el("input", { type: "datetime-local", id: "f-to", value: to });
  const qIn = el("input", { type: "search", id: "f-id", placeholder: "instance id", value: q });
  const apply = (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (statusSel.value) p.set("status", statusSel.value);
    if (fromIn.value) p.set("from", fromIn.value);
    if (toIn.value) p.set("to", toIn.value);
    if (qIn.value.trim()) p.set("q", qIn.value.trim());
    location.hash = `#/workflows/${enc(name)}?${p}`;
  };
  const filters = el("form", { class: "filters", onsubmit: apply },
    el("label", {}, "Status", statusSel), el("label", {}, "Created from", fromIn), el("label", {}, "Created to", toIn),
    el("label", {}, "Id", qIn), el("button", { type: "submit", id: "f-apply", text: "Apply" }));

  let list;
  let info = {};
  if (q) {
    try {
      const { result: doc } = await api(`${API}/${enc(name)}/instances/${enc(q)}?simple=true`);
      list = [{ id: doc.id, status: doc.status, created_on: doc.queued, started_on: doc.start, ended_on: doc.end }];
    } catch (e) {
      if (e instanceof Unauthorized) throw e;
      list = [];
    }
  } else {
    const p = new URLSearchParams({ per_page: PAGE_SIZE });
    if (status) p.set("status", status);
    if (from) p.set("date_start", new Date(from).toISOString());
    if (to) p.set("date_end", new Date(to).toISOString());
    if (cursor) p.set("cursor", cursor);
    const body = await api(`${API}/${enc(name)}/instances?${p}`);
    list = body.result;
    info = body.result_info || {};
  }
  const rows = list.map((i) =>
    el("tr", { "data-instance": i.id },
      el("td", {}, el("a", { href: `#/workflows/${enc(name)}/instances/${enc(i.id)}`, text: i.id })),
      el("td", {}, badge(i.status)),
      el("td", { text: when(i.created_on) }),
      el("td", { text: when(i.started_on) }),
      el("td", { text: duration(span(i.started_on, i.ended_on)) })),
  );
  const page = (c) => {
    const p = new URLSearchParams(params);
    if (c) p.set("cursor", c);
    else p.delete("cursor");
    location.hash = `#/workflows/${enc(name)}?${p}`;
  };
  const pager = el("div", { class: "pager" },
    el("button", { class: "secondary", id: "prev", disabled: !cursor, text: "← Newer",
      onclick: () => page(cursors.pop() || "") }),
    el("button", { class: "secondary", id: "next", disabled: !info.cursor || list.length < PAGE_SIZE, text: "Older →",
      onclick: () => { cursors.push(cursor); page(info.cursor); } }));

  const charts = el("div", { class: "grid", id: "charts" }, el("p", { class: "muted", text: "Loading metrics…" }));
  main().replaceChildren(
    el("h1", {}, el("a", { href: "#/", text: "Workflows" }), " / ", name),
    el("div", { class: "card" },
      el("dl", { class: "facts" },
        el("dt", { text: "Instances" }), el("dd", {}, counts(wf.instances)),
        el("dt", { text: "Class" }), el("dd", { text: wf.class_name }),
        el("dt", { text: "Schedules" }),
        el("dd", {}, (wf.schedules || []).length
          ? wf.schedules.map((s) => el("div", {}, el("code", { text: s.cron }), ` next ${when(s.next_instance)}`))
          : el("span", { class: "muted", text: "none" })))),
    createForm(name),
    el("h2", { text: "Instances" }),
    filters,
    list.length
      ? el("table", { id: "instances", "data-query": params.toString() },
          el("thead", {}, el("tr", {}, ["Id", "Status", "Created", "Started", "Duration"].map((h) => el("th", { text: h })))),
          el("tbody", {}, rows))
      : el("p", { class: "muted", id: "no-instances", "data-query": params.toString(), text: "No instances match." }),
    q ? null : pager,
    el("h2", { text: "Last 24 hours" }),
    charts,
  );
  drawCharts(name, charts).catch((e) => charts.replaceChildren(notice(`Metrics: ${e.message}`)));
}

function createForm(name) {
  const id = el("input", { id: "new-id", placeholder: "id (optional)" });
  const params = el("textarea", { id: "new-params", text: "{}" });
  const err = el("div", { class: "error" });
  return el("details", { class: "card", style: "margin-top:1rem" },
    el("summary", { text: "Trigger an instance" }),
    el("form", {
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const body = { params: JSON.parse(params.value || "null") };
          if (id.value.trim()) body.instance_id = id.value.trim();
          const { result } = await api(`${API}/${enc(name)}/instances`, { method: "POST", body: JSON.stringify(body) });
          location.hash = `#/workflows/${enc(name)}/instances/${enc(result.id)}`;
        } catch (e) {
          err.textContent = e.message;
        }
      },
    }, el("label", {}, "Id ", id), el("label", {}, "Params (JSON)", params), err,
    el("button", { type: "submit", id: "new-create", text: "Create" })));
}

// ---- charts (from the GraphQL analytics) -----------------------------------------------------

const HOURLY = `query($tag: string!, $wf: string, $from: Time, $to: Time, $until: Time) {
  viewer { accounts(filter: {accountTag: $tag}) {
    hours: workflowsAdaptiveGroups(limit: 10000, orderBy: [datetimeHour_ASC],
      filter: {workflowName: $wf, datetimeHour_geq: $from, datetimeHour_leq: $to,
               eventType_in: ["WORKFLOW_START", "STEP_START", "WORKFLOW_SUCCESS", "WORKFLOW_FAILURE"]}) {
      count dimensions { datetimeHour eventType } }
    ends: workflowsAdaptive(limit: 10000, orderBy: [wallTime_ASC],
      filter: {workflowName: $wf, datetime_geq: $from, datetime_leq: $until, eventType: "WORKFLOW_SUCCESS"}) {
      wallTime }
  } } }`;

async function drawCharts(name, into) {
  const hour = 3_600_000;
  const end = Math.floor(Date.now() / hour) * hour;
  const start = end - 23 * hour;
  const data = await graphql(HOURLY, {
    tag: "local", wf: name, from: new Date(start).toISOString(), to: new Date(end).toISOString(),
    until: new Date(end + hour - 1).toISOString(),
  });
  const series = (type) => {
    const out = Array(24).fill(0);
    for (const g of data.hours) {
      if (g.dimensions.eventType !== type) continue;
      const i = Math.round((Date.parse(g.dimensions.datetimeHour) - start) / hour);
      if (i >= 0 && i < 24) out[i] += g.count;
    }
    return out;
  };
  const labels = Array.from({ length: 24 }, (_, i) => new Date(start + i * hour).getHours());
  const ok = series("WORKFLOW_SUCCESS");
  const bad = series("WORKFLOW_FAILURE");
  const rate = ok.map((s, i) => (s + bad[i] ? (100 * bad[i]) / (s + bad[i]) : 0));
  const walls = data.ends.map((r) => r.wallTime);
  const pct = (p) => (walls.length ? walls[Math.min(walls.length - 1, Math.floor((p / 100) * walls.length))] : null);
  into.replaceChildren(
    chartCard("Instances started", "chart-instances", series("WORKFLOW_START"), labels),
    chartCard("Steps started", "chart-steps", series("STEP_START"), labels),
    chartCard("Error rate (%)", "chart-errors", rate, labels, true),
    el("div", { class: "card", id: "chart-durations" }, el("strong", { text: "Instance duration" }),
      el("dl", { class: "facts" },
        ["p50", "p90", "p99"].map((p) => [el("dt", { text: p }), el("dd", { text: duration(pct(Number(p.slice(1)))) })]),
        el("dt", { text: "completed" }), el("dd", { text: String(walls.length) }))),
  );
}

function chartCard(title, id, values, labels, bad = false) {
  const w = 240;
  const h = 120;
  const max = Math.max(1, ...values);
  const bw = w / values.length;
  const svg = svgEl("svg", { class: "chart", viewBox: `0 0 ${w} ${h + 14}`, role: "img", "aria-label": title });
  values.forEach((v, i) => {
    const bh = (v / max) * h;
    const r = svgEl("rect", { class: bad ? "bar bad" : "bar", x: i * bw + 1, y: h - bh, width: bw - 2, height: bh });
    r.append(svgEl("title", {}, `${labels[i]}:00 — ${Number.isInteger(v) ? v : v.toFixed(1)}`));
    svg.append(r);
    if (i % 6 === 0) svg.append(svgEl("text", { x: i * bw, y: h + 12 }, `${labels[i]}h`));
  });
  const total = values.reduce((a, b) => a + b, 0);
  return el("div", { class: "card", id }, el("strong", { text: title }),
    bad ? null : el("span", { class: "muted" }, " · ", el("span", { class: "total", text: String(total) })), svg);
}

// ---- one instance ----------------------------------------------------------------------------

async function instancePage(name, id) {
  const url = `${API}/${enc(name)}/instances/${enc(id)}`;
  const header = el("div");
  const facts = el("div", { class: "card" });
  const timeline = el("div", { id: "timeline" });
  const problem = el("div");
  const restartFrom = el("select", { id: "restart-from" });
  const eventType = el("input", { id: "event-type", placeholder: "event type" });
  const eventPayload = el("textarea", { id: "event-payload", text: "{}" });

  const act = async (title, detail, call) => {
    if (!(await confirmAction(title, detail))) return;
    try {
      await call();
      problem.replaceChildren();
    } catch (e) {
      if (e instanceof Unauthorized) return loginPage();
      problem.replaceChildren(notice(e.message));
    }
    await load();
  };
  const patch = (body) => api(`${url}/status`, { method: "PATCH", body: JSON.stringify(body) });
  const buttons = {
    pause: el("button", { class: "secondary", id: "act-pause", text: "Pause",
      onclick: () => act("Pause this instance?", "It pauses once its running step ends.", () => patch({ status: "pause" })) }),
    resume: el("button", { class: "secondary", id: "act-resume", text: "Resume",
      onclick: () => act("Resume this instance?", null, () => patch({ status: "resume" })) }),
    terminate: el("button", { class: "danger", id: "act-terminate", text: "Terminate",
      onclick: () => act("Terminate this instance?", "This cannot be undone.", () => patch({ status: "terminate" })) }),
    restart: el("button", { class: "secondary", id: "act-restart", text: "Restart",
      onclick: () => act("Restart this instance from the beginning?", "Every step runs again.", () => patch({ status: "restart" })) }),
    restartFrom: el("button", { class: "secondary", id: "act-restart-from", text: "Restart from step",
      onclick: () => {
        const from = JSON.parse(restartFrom.value);
        return act(`Restart from ${from.name}?`, "Steps before it keep their results; it and every later step run again.",
          () => patch({ status: "restart", from }));
      } }),
    send: el("button", { class: "secondary", id: "act-send", text: "Send event",
      onclick: () => {
        let payload;
        try {
          payload = JSON.parse(eventPayload.value || "null");
        } catch (e) {
          problem.replaceChildren(notice(`The payload is not JSON: ${e.message}`));
          return;
        }
        const type = eventType.value.trim();
        return act(`Send event "${type}"?`, null,
          () => api(`${url}/events/${enc(type)}`, { method: "POST", body: JSON.stringify(payload) }));
      } }),
  };

  async function load() {
    clearTimeout(refresh);
    const { result: doc } = await api(url);
    render(doc);
    if (!TERMINAL.has(doc.status) && location.hash.includes(`/instances/${enc(id)}`)) {
      refresh = setTimeout(() => load().catch(() => {}), REFRESH_MS);
    }
  }

  function render(doc) {
    const s = doc.status;
    header.replaceChildren(el("h1", {}, el("a", { href: `#/workflows/${enc(name)}`, text: name }), " / ", id, " ", badge(s)));
    facts.replaceChildren(
      el("dl", { class: "facts", id: "facts" },
        el("dt", { text: "Status" }), el("dd", { id: "status" }, badge(s)),
        el("dt", { text: "Trigger" }), el("dd", { text: doc.trigger?.source || "—" }),
        el("dt", { text: "Created" }), el("dd", { text: when(doc.queued) }),
        el("dt", { text: "Started" }), el("dd", { text: when(doc.start) }),
        el("dt", { text: "Ended" }), el("dd", { text: when(doc.end) }),
        el("dt", { text: "Duration" }), el("dd", { text: duration(span(doc.start, doc.end)) }),
        el("dt", { text: "Steps" }), el("dd", { text: String(doc.step_count) }),
        el("dt", { text: "Version" }), el("dd", {}, el("code", { text: doc.versionId }))),
      el("details", {}, el("summary", { text: "Params" }), pretty(doc.params)),
      doc.error ? el("div", { class: "error", id: "instance-error" }, el("strong", { text: doc.error.name }), `: ${doc.error.message}`) : null,
      s === "complete" ? el("details", { open: true }, el("summary", { text: "Output" }), pretty(doc.output)) : null,
    );
    const paused = s === "paused" || s === "waitingForPause";
    buttons.pause.disabled = TERMINAL.has(s) || paused;
    buttons.resume.disabled = !paused;
    buttons.terminate.disabled = TERMINAL.has(s);
    const steps = doc.steps.filter((st) => st.type !== "termination");
    const chosen = restartFrom.value;
    restartFrom.replaceChildren(...steps.map((st) => {
      const value = JSON.stringify({ name: st.name, count: st.count, type: st.type === "step" ? "do" : st.type });
      return el("option", { value, text: `${st.name}${st.count > 1 ? ` #${st.count}` : ""}`, selected: value === chosen });
    }));
    buttons.restartFrom.disabled = steps.length === 0;
    buttons.send.disabled = TERMINAL.has(s);
    timeline.replaceChildren(drawTimeline(doc));
  }

  main().replaceChildren(
    header,
    facts,
    el("div", { class: "actions" }, buttons.pause, buttons.resume, buttons.terminate, buttons.restart, restartFrom, buttons.restartFrom),
    el("details", { class: "card" }, el("summary", { text: "Send an event" }),
      el("div", { class: "filters" }, el("label", {}, "Type", eventType)), el("label", {}, "Payload (JSON)", eventPayload),
      el("div", { class: "actions" }, buttons.send)),
    problem,
    el("h2", { text: "Steps" }),
    timeline,
  );
  await load();
}

/** The steps on one time axis: attempts (failed ones red), the back-off between them, sleeps
 *  up to their wake-up time, waits up to their event or time-out. */
function drawTimeline(doc) {
  const steps = doc.steps;
  if (!steps.length) return el("p", { class: "muted", id: "no-steps", text: "No steps yet." });
  const t = (iso) => (iso ? Date.parse(iso) : null);
  const now = Date.now();
  const t0 = t(doc.start) ?? t(doc.queued);
  let t1 = t(doc.end) ?? now;
  for (const st of steps) {
    if (st.type === "sleep" || st.type === "waitForEvent") t1 = Math.max(t1, t(st.end));
  }
  const range = Math.max(1, t1 - t0);
  const pos = (ms) => `${(100 * (ms - t0)) / range}%`;
  const bar = (a, b, cls, title) =>
    el("div", { class: `tl-bar ${cls}`, style: `left:${pos(a)};width:${(100 * Math.max(0, b - a)) / range}%`, title });

  const rows = [];
  for (const st of steps) {
    if (st.type === "termination") {
      rows.push(el("div", { class: "tl-row" }, el("div", { class: "tl-name" }, el("strong", { text: "terminated" })), el("div", { class: "tl-track" })));
      continue;
    }
    const label = `${st.name}${st.count > 1 ? ` #${st.count}` : ""}`;
    const track = el("div", { class: "tl-track" });
    let kind;
    let detail;
    if (st.type === "step") {
      const attempts = st.attempts || [];
      kind = `step · ${attempts.length} attempt${attempts.length === 1 ? "" : "s"}`;
      attempts.forEach((a, i) => {
        const end = t(a.end) ?? now;
        const cls = a.success === true ? "ok" : a.success === false ? "bad" : "live";
        track.append(bar(t(a.start), end, cls, `attempt ${i + 1}: ${duration(end - t(a.start))}`));
        const next = attempts[i + 1];
        if (a.success === false && next) track.append(bar(end, t(next.start), "backoff", `back-off ${duration(t(next.start) - end)}`));
        else if (a.success === false && a.retryDelayMs && !next && !TERMINAL.has(doc.status))
          track.append(bar(end, end + a.retryDelayMs, "backoff", `retry in ${duration(a.retryDelayMs)}`));
      });
      detail = el("details", { class: "step-detail" }, el("summary", { text: "attempts and output" }),
        el("table", {},
          el("thead", {}, el("tr", {}, ["#", "Started", "Took", "Result"].map((h) => el("th", { text: h })))),
          el("tbody", {}, attempts.map((a, i) => el("tr", { class: "attempt" },
            el("td", { text: String(i + 1) }), el("td", { text: when(a.start) }),
            el("td", { text: duration(span(a.start, a.end)) }),
            el("td", {}, a.success === true ? "success" : a.success === false
              ? el("span", { class: "error", text: `${a.error?.name}: ${a.error?.message}${a.retryDelayMs ? ` (retry after ${duration(a.retryDelayMs)})` : ""}` })
              : "running"))))),
        st.success === true ? pretty(st.output) : null,
        st.error ? el("div", { class: "error", text: `${st.error.name}: ${st.error.message}` }) : null);
    } else if (st.type === "sleep") {
      kind = `sleep · ${st.finished ? "woke" : "wakes"} ${when(st.end)}`;
      track.append(bar(t(st.start), t(st.end), "sleep", `sleep until ${when(st.end)}`));
    } else {
      kind = `waitForEvent "${st.event_type}" · ${st.finished ? (st.error ? "timed out" : "received") : `until ${when(st.end)}`}`;
      const end = st.finished ? t(st.end) : Math.max(now, t(st.start));
      track.append(bar(t(st.start), end, "wait", kind));
      if (st.finished && !st.error) detail = el("details", {}, el("summary", { text: "event payload" }), pretty(st.output));
    }
    const state = st.type === "step" ? (st.success === true ? "ok" : st.success === false ? "failed" : "running") : st.finished ? "done" : "pending";
    rows.push(el("div", { class: "tl-row", "data-step": st.name, "data-state": state },
      el("div", { class: "tl-name" }, el("div", {}, el("strong", { text: label })), el("div", { class: "kind", text: kind })),
      track,
      detail ? el("div", { class: "tl-detail" }, detail) : null));
  }
  return el("div", { class: "timeline" }, rows);
}

document.getElementById("logout").addEventListener("click", () => {
  token = "";
  sessionStorage.removeItem("endure-token");
  route();
});
window.addEventListener("hashchange", route);
route();
