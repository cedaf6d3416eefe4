/* cloudfn emulator console: plain JS, no framework, no build step.
   Reads the admin API (/_emulator/*) of the emulator that serves it; builds the DOM with
   textContent only (never as HTML), so no value from the emulator can inject markup. */
"use strict";
(function () {
  const main = document.getElementById("main");
  const clockEl = document.getElementById("clock");
  const POLL_MS = 1500;
  let pollTimer = null;
  let overviewCache = null;
  const orderFilters = { q: "", appid: "", delivery_id: "", status: "" };

  // ------------------------------------------------------------------ helpers
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") el.textContent = v;
      else if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "value") el.value = v;
      else if (k === "srcdoc") el.srcdoc = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  const pad = (n) => String(n).padStart(2, "0");
  function fmt(t) {
    if (t === null || t === undefined) return "—";
    const d = new Date(t * 1000);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function badge(text, tone) { return h("span", { class: "badge " + (tone || "muted") }, text); }
  function statusTone(s) {
    if (s === "delivered") return "ok";
    if (/failed|cancelled|held/.test(s)) return "bad";
    return "warn";
  }
  function outcomeTone(o) { return o === "delivered" || o === "answered" ? "ok" : o === "failed" ? "bad" : "warn"; }
  function table(caption, headers, rows, empty) {
    if (!rows.length) return h("p", { class: "empty" }, empty || "Nothing yet.");
    for (const row of rows) [...row.children].forEach((td, i) => td.setAttribute("data-label", headers[i] || ""));
    return h("div", { class: "scroll", role: "region", "aria-label": caption, tabindex: "0" },
      h("table", { class: "stack" },
        h("caption", { class: "sr-only" }, caption),
        h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", class: /ms|Steps|Attempts|Quota|#/.test(x) ? "num" : null }, x)))),
        h("tbody", {}, rows)));
  }
  function pre(label, text) {
    return h("details", {}, h("summary", {}, label), h("pre", { tabindex: "0" }, text === null || text === undefined ? "(none)" : text));
  }
  function heading(text) { return h("h1", { tabindex: "-1", id: "page-title" }, text); }
  function result() { return h("p", { class: "result", role: "status", "aria-live": "polite" }); }
  function show(out, ok, text) { out.className = "result " + (ok ? "ok" : "bad"); out.textContent = text; }
  function errorText(e) {
    const d = e && e.data;
    if (d && (d.errcode !== undefined || d.errmsg)) return `errcode ${d.errcode}: ${d.errmsg}`;
    return String((e && e.message) || e);
  }

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const r = await fetch(path, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = { errcode: -1, errmsg: `HTTP ${r.status}, not JSON` }; }
    if (!r.ok || (data && typeof data.errcode === "number" && data.errcode !== 0)) {
      const err = new Error(data && data.errmsg ? data.errmsg : `HTTP ${r.status}`);
      err.data = data;
      throw err;
    }
    return data;
  }
  async function overview(fresh) {
    if (fresh || !overviewCache) overviewCache = await api("GET", "/_emulator/overview");
    return overviewCache;
  }
  function poll(fn) {
    stopPolling();
    pollTimer = setInterval(() => { if (!document.hidden) fn().catch(() => {}); }, POLL_MS);
  }
  function stopPolling() { if (pollTimer) clearInterval(pollTimer); pollTimer = null; }
  // Replace a container's content only when its data changed (keeps focus and open <details> otherwise).
  function update(box, data, build) {
    const key = JSON.stringify(data);
    if (box.dataset.key === key) return;
    const open = new Set([...box.querySelectorAll("details[open][data-id]")].map((d) => d.dataset.id));
    const focusId = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    box.dataset.key = key;
    box.replaceChildren(build(data));
    for (const d of box.querySelectorAll("details[data-id]")) if (open.has(d.dataset.id)) d.open = true;
    if (focusId) { const again = document.getElementById(focusId); if (again) again.focus(); }
  }
  async function refreshClock() {
    try {
      const c = await api("GET", "/_emulator/clock");
      clockEl.textContent = `Emulator clock ${fmt(c.now)}` + (c.offset ? ` (+${Math.round(c.offset)} s)` : "");
    } catch (e) { clockEl.textContent = "Emulator unreachable"; }
  }
  function field(id, label, control) { return h("div", { class: "field" }, h("label", { for: id }, label), control); }
  function select(id, label, options, value, onchange) {
    return field(id, label, h("select", { id, onchange }, options.map(([v, t]) => h("option", { value: v, selected: v === value ? "selected" : null }, t))));
  }

  // ------------------------------------------------------------------ Overview
  async function pageOverview() {
    const o = await overview(true);
    main.append(heading("Overview"));
    const cards = [["Orders", o.orders]].concat(Object.entries(o.orders_by_status)).concat([
      ["Active faults", o.faults.length], ["API calls", Object.values(o.calls).reduce((a, b) => a + b, 0)],
      ["Recent errors", o.recent_errors.length]]);
    main.append(h("ul", { class: "cards", "aria-label": "Counts" },
      cards.map(([k, n]) => h("li", {}, h("span", { class: "n" }, n), h("span", { class: "k" }, k)))));
    main.append(h("p", { class: "muted" }, "Pushes: ", o.pushes.push_url ? `add_express_path to ${o.pushes.push_url}` : "no push URL configured",
      o.pushes.provider ? "; carrier (provider) events configured" : ""));
    main.append(h("h2", {}, "Apps"));
    const grid = h("div", { class: "grid" });
    for (const app of o.apps) {
      grid.append(h("section", { class: "panel", "aria-label": `App ${app.appid}` },
        h("h3", {}, h("span", { class: "mono" }, app.appid), app.default ? " " : "", app.default ? badge("default", "ok") : ""),
        h("p", {}, `${app.orders} order(s)`, Object.keys(app.orders_by_status).length ? ": " : "",
          Object.entries(app.orders_by_status).map(([k, n]) => `${n} ${k}`).join(", ")),
        h("h4", {}, "Bound accounts"),
        table(`Accounts of ${app.appid}`, ["Carrier", "Biz id", "Review state", "Quota"], app.accounts.map((a) => h("tr", {},
          h("td", {}, `${a.carrier} (${a.delivery_id})`), h("td", { class: "mono" }, a.biz_id),
          h("td", {}, badge(a.state, a.status_code === 0 ? "ok" : a.status_code === 1 ? "warn" : "bad"), a.remark_wrong_msg ? ` ${a.remark_wrong_msg}` : ""),
          h("td", { class: "num" }, a.quota_num))), "No account bound."),
        h("h4", {}, "Printers"),
        app.printers.length ? h("ul", { class: "plain" }, app.printers.map((p) => h("li", {}, h("span", { class: "mono" }, p.openid),
          p.tagid_list.length ? ` — tag ids ${p.tagid_list.join(", ")}` : " — no tag"))) : h("p", { class: "empty" }, "No printer.")));
    }
    main.append(grid);
    main.append(h("h2", {}, "Recent errors"));
    main.append(table("Recent errors", ["Time", "Method", "App", "Transport", "HTTP", "Errcode", "Message"], o.recent_errors.map((c) => h("tr", {},
      h("td", {}, fmt(c.at)), h("td", {}, c.api), h("td", { class: "mono" }, c.appid || "—"), h("td", {}, c.transport),
      h("td", {}, c.status === null ? "dropped" : c.status), h("td", {}, badge(c.errcode === null ? "—" : c.errcode, "bad")), h("td", {}, c.errmsg))),
      "No failed call."));
    if (o.failed_events.length) {
      main.append(h("h3", {}, "Failed pushes"), h("ul", { class: "plain" }, o.failed_events.map((e) =>
        h("li", {}, `#${e.id} ${e.event} to ${e.url || "(no URL)"}: ${e.attempts.length} attempt(s)`))));
    }
  }

  // ------------------------------------------------------------------ Orders
  async function pageOrders() {
    const o = await overview(true);
    main.append(heading("Orders"));
    const count = h("p", { class: "muted", role: "status", "aria-live": "polite", id: "order-count" });
    const box = h("div", { id: "orders-table" });
    let debounce = null;
    let sent = 0;
    const load = async () => {
      const mine = ++sent;
      const q = new URLSearchParams(Object.entries(orderFilters).filter(([, v]) => v));
      const data = await api("GET", "/_emulator/orders/search?" + q.toString());
      if (mine !== sent) return; // a newer search was sent meanwhile: its answer wins, whatever the order of arrival
      count.textContent = `${data.count} order(s)` + (data.count > data.orders.length ? `, showing the newest ${data.orders.length}` : "");
      update(box, data.orders, (rows) => table("Orders", ["Waybill id", "Order id", "App", "Carrier", "Status", "Steps", "Last step", "Created"],
        rows.map((r) => h("tr", {},
          h("td", {}, h("a", { href: "#/order/" + encodeURIComponent(r.waybill_id), class: "mono" }, r.waybill_id)),
          h("td", { class: "mono" }, r.order_id), h("td", { class: "mono" }, r.appid), h("td", {}, `${r.carrier} (${r.delivery_id})`),
          h("td", {}, badge(r.status, statusTone(r.status))), h("td", { class: "num" }, r.steps), h("td", {}, r.last_msg),
          h("td", {}, fmt(r.create_time)))), "No order matches."));
    };
    const set = (key) => (ev) => { orderFilters[key] = ev.target.value; clearTimeout(debounce); debounce = setTimeout(() => load().catch(fail), 150); };
    const form = h("form", { class: "filters", role: "search", "aria-label": "Filter orders", onsubmit: (ev) => { ev.preventDefault(); load().catch(fail); } },
      field("f-q", "Order id or waybill id", h("input", { id: "f-q", type: "search", value: orderFilters.q, oninput: set("q"), placeholder: "part of an id" })),
      select("f-app", "App", [["", "All apps"]].concat(o.apps.map((a) => [a.appid, a.appid])), orderFilters.appid, set("appid")),
      select("f-carrier", "Carrier", [["", "All carriers"]].concat(o.carriers.map((c) => [c, c])), orderFilters.delivery_id, set("delivery_id")),
      select("f-status", "Status", [["", "Any status"]].concat(o.statuses.map((s) => [s, s])), orderFilters.status, set("status")),
      h("button", { type: "submit", class: "secondary" }, "Refresh"));
    main.append(form, count, box);
    await load();
  }

  // ------------------------------------------------------------------ one order
  function person(title, p) {
    return h("section", { class: "panel", "aria-label": title }, h("h2", {}, title), h("dl", { class: "kv" },
      h("dt", {}, "Name"), h("dd", {}, p.name || "—"), h("dt", {}, "Mobile"), h("dd", { class: "mono" }, p.mobile || "—"),
      h("dt", {}, "Phone"), h("dd", { class: "mono" }, p.tel || "—"), h("dt", {}, "Company"), h("dd", {}, p.company || "—"),
      h("dt", {}, "Address"), h("dd", {}, [p.province, p.city, p.area, p.address].filter(Boolean).join(" ") || "—")));
  }
  function cargo(d) {
    const c = d.cargo || {};
    return h("section", { class: "panel", "aria-label": "Cargo" }, h("h2", {}, "Cargo"), h("dl", { class: "kv" },
      h("dt", {}, "Pieces"), h("dd", {}, c.count), h("dt", {}, "Weight"), h("dd", {}, `${c.weight} kg`),
      h("dt", {}, "Size"), h("dd", {}, `${c.space_x} × ${c.space_y} × ${c.space_z} cm`),
      h("dt", {}, "Contents"), h("dd", {}, (c.detail_list || []).map((x) => `${x.name} × ${x.count}`).join(", ") || "—"),
      h("dt", {}, "Service"), h("dd", {}, d.service ? `${d.service.service_name} (${d.service.service_type})` : "—"),
      h("dt", {}, "Insured"), h("dd", {}, d.insured && d.insured.use_insured ? `yes, ${d.insured.insured_value}` : "no"),
      h("dt", {}, "Remark"), h("dd", {}, d.custom_remark || "—")));
  }
  function timeline(path) {
    if (!path.length) return h("p", { class: "empty" }, "No path step yet.");
    return h("ol", { class: "timeline", "aria-label": "Path" }, path.map((p) => h("li", {
      class: p.action === "delivered" ? "done" : /failed|cancelled|held/.test(p.action) ? "fail" : null },
      h("time", { datetime: new Date(p.action_time * 1000).toISOString() }, fmt(p.action_time)), " ",
      h("strong", {}, p.action), h("span", { class: "muted" }, ` (${p.action_type})`), h("br"), p.action_msg)));
  }
  function attempts(list) {
    return table("Delivery attempts", ["Attempt", "At", "HTTP", "Error"], list.map((a) => h("tr", {},
      h("td", { class: "num" }, a.attempt), h("td", {}, fmt(a.at)), h("td", {}, a.status === null || a.status === undefined ? "—" : a.status),
      h("td", {}, a.error || ""))), "No attempt yet.");
  }
  function pushes(list) {
    return table("Pushes of this order", ["#", "Event", "To", "Outcome", "Attempts", "Last answer", "Time", "Details"], list.map((e) => {
      const last = e.attempts[e.attempts.length - 1] || {};
      return h("tr", {}, h("td", { class: "num" }, e.id), h("td", {}, e.event), h("td", {}, e.direction === "push" ? "business" : "carrier"),
        h("td", {}, badge(e.outcome, outcomeTone(e.outcome))), h("td", { class: "num" }, e.attempts.length),
        h("td", {}, last.error || (last.status ? `HTTP ${last.status}` : "—")), h("td", {}, fmt(e.created)),
        h("td", {}, h("details", { "data-id": "p" + e.id }, h("summary", {}, "Attempts and payload"), attempts(e.attempts),
          h("pre", { tabindex: "0" }, JSON.stringify(e.payload, null, 1)))));
    }), "No push for this order (pushes need --push-url or --provider-url).");
  }
  async function pageOrder(waybill) {
    const url = "/_emulator/orders/detail?waybill_id=" + encodeURIComponent(waybill);
    const d = await api("GET", url);
    const title = heading(`Order ${d.order_id}`);
    const statusBox = h("span", { id: "order-status" });
    const out = result();
    const advance = (to, label) => h("button", { type: "button", onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await api("POST", "/_emulator/orders/advance", { waybill_id: waybill, to });
        show(out, true, r.added.length ? `${label}: added ${r.added.map((a) => a.action_msg).join(" / ")}` : `${label}: the track has already ended`);
        await refresh();
      } catch (e) { show(out, false, `${label} failed: ${errorText(e)}`); }
      ev.target.disabled = false;
    } }, label);
    const pathBox = h("div", { id: "order-path" });
    const pushBox = h("div", { id: "order-pushes" });
    const refresh = async () => {
      const x = await api("GET", url);
      update(statusBox, x.status, (s) => badge(s, statusTone(s)));
      update(pathBox, x.path, timeline);
      update(pushBox, x.pushes, pushes);
    };
    main.append(h("p", {}, h("a", { href: "#/orders" }, "← All orders")), title,
      h("p", {}, "Waybill ", h("span", { class: "mono" }, d.waybill_id), ` · ${d.carrier} (${d.delivery_id}) · app `, h("span", { class: "mono" }, d.appid),
        " · ", statusBox),
      h("div", { class: "row", role: "group", "aria-label": "Move this order" },
        advance("next", "Advance one step"), advance("delivered", "Advance to delivered"), advance("failed", "Advance to failed")),
      out,
      h("div", { class: "grid" }, person("Sender", d.sender), person("Receiver", d.receiver), cargo(d)),
      h("div", { class: "grid two" },
        h("section", { "aria-labelledby": "h-path" }, h("h2", { id: "h-path" }, "Path"), pathBox),
        h("section", { "aria-labelledby": "h-label" }, h("h2", { id: "h-label" }, "Waybill label"),
          h("p", { class: "muted" }, "As getOrder's printHtml renders it (sandboxed: the label cannot run scripts)."),
          h("iframe", { class: "label", title: `Waybill label of ${d.waybill_id}`, sandbox: "", srcdoc: d.label_html }))),
      h("h2", {}, "Pushes"), pushBox);
    update(statusBox, d.status, (s) => badge(s, statusTone(s)));
    update(pathBox, d.path, timeline);
    update(pushBox, d.pushes, pushes);
    poll(refresh);
  }

  // ------------------------------------------------------------------ Events
  const eventFilters = { event: "", direction: "" };
  async function pageEvents() {
    main.append(heading("Events"));
    main.append(h("p", { class: "muted" }, "Pushes to the business (add_express_path) and exchanges with carriers (add_waybill, cancel_waybill, check_biz, get_quota); updated live."));
    const box = h("div", { id: "events-table" });
    const count = h("p", { class: "muted", role: "status", "aria-live": "polite" });
    const load = async () => {
      const data = await api("GET", "/_emulator/events");
      const rows = data.events.filter((e) => (!eventFilters.event || e.event === eventFilters.event) && (!eventFilters.direction || e.direction === eventFilters.direction)).reverse();
      count.textContent = `${rows.length} event(s)`;
      update(box, rows, (list) => table("Events", ["#", "Time", "Event", "Direction", "Outcome", "Attempts", "Last answer", "Details"], list.map((e) => {
        const last = e.attempts[e.attempts.length - 1] || {};
        return h("tr", {}, h("td", { class: "num" }, e.id), h("td", {}, fmt(e.created)), h("td", {}, e.event),
          h("td", {}, e.direction === "push" ? "→ business" : "→ carrier"), h("td", {}, badge(e.outcome, outcomeTone(e.outcome))),
          h("td", { class: "num" }, e.attempts.length), h("td", {}, last.error || (last.status ? `HTTP ${last.status}` : "—")),
          h("td", {}, h("details", { "data-id": "e" + e.id }, h("summary", {}, "Payload and attempts"),
            h("p", { class: "mono" }, e.url || "(no URL)"), h("pre", { tabindex: "0" }, JSON.stringify(e.payload, null, 1)),
            attempts(e.attempts), e.reply !== null ? h("pre", { tabindex: "0" }, typeof e.reply === "string" ? e.reply : JSON.stringify(e.reply, null, 1)) : "")));
      }), "No event yet."));
    };
    const set = (key) => (ev) => { eventFilters[key] = ev.target.value; load().catch(fail); };
    main.append(h("form", { class: "filters", "aria-label": "Filter events", onsubmit: (ev) => ev.preventDefault() },
      select("f-event", "Event", [["", "All events"], ["add_express_path", "add_express_path"], ["add_waybill", "add_waybill"],
        ["cancel_waybill", "cancel_waybill"], ["check_biz", "check_biz"], ["get_quota", "get_quota"]], eventFilters.event, set("event")),
      select("f-direction", "Direction", [["", "Both"], ["push", "to the business"], ["provider", "to carriers"]], eventFilters.direction, set("direction"))),
    count, box);
    await load();
    poll(load);
  }

  // ------------------------------------------------------------------ Calls
  const callFilters = { api: "", transport: "", errors: false };
  async function pageCalls() {
    main.append(heading("Calls"));
    main.append(h("p", { class: "muted" }, "Every API call, HTTPS and gateway alike (the newest 500); bodies masked as cloudfn's logs mask them."));
    const o = await overview(true);
    let rows = [];
    let last = 0;
    const box = h("div", { id: "calls-table" });
    const count = h("p", { class: "muted", role: "status", "aria-live": "polite" });
    const render = () => {
      const shown = rows.filter((c) => (!callFilters.api || c.api === callFilters.api) && (!callFilters.transport || c.transport === callFilters.transport)
        && (!callFilters.errors || c.status !== 200 || (c.errcode !== 0 && c.errcode !== null) || c.reply === null));
      count.textContent = `${shown.length} call(s)`;
      update(box, shown.map((c) => c.id), () => table("Calls", ["Time", "App", "Method", "Transport", "HTTP", "Errcode", "ms", "Fault", "Bodies"],
        shown.slice().reverse().map((c) => h("tr", {}, h("td", {}, fmt(c.at)), h("td", { class: "mono" }, c.appid || "—"), h("td", {}, c.api),
          h("td", {}, c.transport === "gateway" ? "gateway" : "HTTPS"), h("td", {}, c.status === null ? "dropped" : c.status),
          h("td", {}, c.errcode === null ? "—" : badge(c.errcode, c.errcode === 0 ? "ok" : "bad"), c.errcode ? ` ${c.errmsg}` : ""),
          h("td", { class: "num" }, c.ms.toFixed(1)), h("td", {}, c.fault || ""),
          h("td", {}, h("details", { "data-id": "c" + c.id }, h("summary", {}, "Request and reply"),
            h("h4", {}, "Request"), h("pre", { tabindex: "0" }, c.request || "(empty)"), h("h4", {}, "Reply"), h("pre", { tabindex: "0" }, c.reply || "(no answer)"))))),
        "No call yet."));
    };
    const load = async () => {
      const data = await api("GET", "/_emulator/calls/log?after=" + last);
      if (data.oldest === null || (rows.length && data.oldest > rows[0].id)) rows = rows.filter((c) => data.oldest !== null && c.id >= data.oldest);
      rows = rows.concat(data.calls).slice(-500);
      if (data.calls.length) last = data.calls[data.calls.length - 1].id;
      render();
    };
    const set = (key, checkbox) => (ev) => { callFilters[key] = checkbox ? ev.target.checked : ev.target.value; render(); };
    main.append(h("form", { class: "filters", "aria-label": "Filter calls", onsubmit: (ev) => ev.preventDefault() },
      select("f-api", "Method", [["", "All methods"]].concat(o.methods.map((m) => [m, m])), callFilters.api, set("api")),
      select("f-transport", "Transport", [["", "Both"], ["https", "HTTPS"], ["gateway", "gateway"]], callFilters.transport, set("transport")),
      h("label", { class: "inline", for: "f-errors" }, h("input", { id: "f-errors", type: "checkbox", checked: callFilters.errors ? "checked" : null, onchange: set("errors", true) }), "Errors only")),
    count, box);
    await load();
    poll(load);
  }

  // ------------------------------------------------------------------ Actions
  function action(title, intro, fields, buttons) {
    const out = result();
    const section = h("section", { class: "panel" + (fields.length > 4 ? " wide" : ""), "aria-labelledby": "h-" + title.replace(/\W+/g, "-") },
      h("h2", { id: "h-" + title.replace(/\W+/g, "-") }, title), intro ? h("p", { class: "muted" }, intro) : "");
    const form = h("form", { class: "row", onsubmit: (ev) => ev.preventDefault() }, fields,
      buttons.map(([label, run, cls]) => h("button", { type: "button", class: cls || null, onclick: async (ev) => {
        ev.target.disabled = true;
        try { show(out, true, await run()); } catch (e) { show(out, false, errorText(e)); }
        ev.target.disabled = false;
      } }, label)));
    section.append(form, out);
    return section;
  }
  function num(id) { const v = document.getElementById(id).value.trim(); return v === "" ? null : Number(v); }
  function faultRule() {
    const rule = { api: document.getElementById("a-api").value };
    const appid = document.getElementById("a-app").value;
    if (appid) rule.appid = appid;
    const kind = document.getElementById("a-kind").value;
    const value = num("a-value");
    if (kind === "errcode" || kind === "status") rule[kind] = value;
    if (kind === "drop" || kind === "timeout") rule[kind] = true;
    const msg = document.getElementById("a-errmsg").value.trim();
    if (msg && kind === "errcode") rule.errmsg = msg;
    const mean = num("a-delay"), sd = num("a-stddev");
    if (mean !== null) rule.delay_ms = sd ? { mean, stddev: sd } : mean;
    const p = num("a-prob");
    if (p !== null) rule.probability = p;
    const count = document.getElementById("a-count").value.trim();
    if (count === "unlimited") rule.count = null; else if (count !== "") rule.count = Number(count);
    return rule;
  }
  function faultList(list) {
    return table("Active faults", ["#", "Rule", "Remaining"], list.map((f) => h("tr", {}, h("td", { class: "num" }, f.id),
      h("td", { class: "mono" }, JSON.stringify(Object.fromEntries(Object.entries(f).filter(([k]) => !["id", "remaining", "count"].includes(k))))),
      h("td", {}, f.remaining === null ? "unlimited" : `${f.remaining} of ${f.count}`))), "No active fault.");
  }
  async function pageActions() {
    const o = await overview(true);
    main.append(heading("Actions"));
    const grid = h("div", { class: "actions" });
    const faultsBox = h("div", { id: "faults-table" });
    const loadFaults = async () => { const f = await api("GET", "/_emulator/faults"); update(faultsBox, f.faults, faultList); return f.faults; };
    main.append(grid);
    const orders = (await api("GET", "/_emulator/orders/search?limit=200")).orders;
    const open = orders.filter((r) => !["delivered", "cancelled"].includes(r.status));
    grid.append(action("Advance an order", "Move an order along its track now (each step is pushed as add_express_path when pushes are configured).", [
      field("a-waybill", "Waybill id", h("input", { id: "a-waybill", list: "a-waybills", value: open.length ? open[0].waybill_id : "", autocomplete: "off" })),
      h("datalist", { id: "a-waybills" }, open.map((r) => h("option", { value: r.waybill_id }, `${r.order_id} (${r.status})`))),
      select("a-to", "To", [["next", "one step"], ["delivered", "delivered"], ["failed", "failed"]], "next", null)],
    [["Advance", async () => {
      const r = await api("POST", "/_emulator/orders/advance", { waybill_id: document.getElementById("a-waybill").value.trim(), to: document.getElementById("a-to").value });
      return r.added.length ? `${r.waybill_id}: added ${r.added.map((a) => a.action_msg).join(" / ")}` : `${r.waybill_id}: the track has already ended`;
    }]]));
    const faults = action("Faults", "The next matching calls fail or slow down (HTTPS and gateway alike).", [
      select("a-api", "API", [["*", "* (every method)"]].concat(o.methods.map((m) => [m, m])), "*", null),
      select("a-app", "App", [["", "any app"]].concat(o.apps.map((a) => [a.appid, a.appid])), "", null),
      select("a-kind", "Kind", [["errcode", "errcode"], ["status", "HTTP status"], ["drop", "drop the connection"], ["timeout", "time out"], ["delay", "latency only"]], "errcode", null),
      field("a-value", "Errcode or status", h("input", { id: "a-value", type: "number", value: "-1" })),
      field("a-errmsg", "Errmsg", h("input", { id: "a-errmsg", type: "text", placeholder: "injected fault" })),
      field("a-prob", "Probability (0–1)", h("input", { id: "a-prob", type: "number", min: "0", max: "1", step: "0.01", placeholder: "1" })),
      field("a-delay", "Latency ms", h("input", { id: "a-delay", type: "number", min: "0", placeholder: "0" })),
      field("a-stddev", "± ms (std dev)", h("input", { id: "a-stddev", type: "number", min: "0", placeholder: "0" })),
      field("a-count", "Count", h("input", { id: "a-count", type: "text", inputmode: "numeric", placeholder: "1, or unlimited" }))],
    [["Inject fault", async () => {
      const r = await api("POST", "/_emulator/faults", faultRule());
      await loadFaults();
      return `fault #${r.faults[0].id} injected: ${JSON.stringify(r.faults[0])}`;
    }], ["Clear all faults", async () => { await api("DELETE", "/_emulator/faults"); await loadFaults(); return "every fault cleared"; }, "secondary"]]);
    faults.append(h("h3", {}, "Active faults"), faultsBox);
    grid.append(faults);
    await loadFaults();
    grid.append(action("Clock", "Move the emulator's clock forward: tokens expire, auto-advance steps fall due.", [
      field("a-seconds", "Seconds", h("input", { id: "a-seconds", type: "number", min: "0", value: "3600" }))],
    [["Move clock forward", async () => {
      const r = await api("POST", "/_emulator/clock", { advance_s: num("a-seconds") });
      refreshClock();
      return `clock now ${fmt(r.now)} (+${Math.round(r.offset)} s in all); ${r.moved} waybill step(s) made`;
    }]]));
    grid.append(action("Snapshot", "The whole state as JSON (GET/PUT /_emulator/state).", [
      field("a-file", "Snapshot file to upload", h("input", { id: "a-file", type: "file", accept: "application/json,.json" }))],
    [["Download snapshot", async () => {
      const doc = await api("GET", "/_emulator/state");
      const text = JSON.stringify(doc, null, 1);
      const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: `cloudfn-emulator-${Date.now()}.json` });
      document.body.append(link); link.click(); link.remove();
      return `snapshot downloaded: ${doc.orders.length} order(s), ${doc.accounts.length} account(s), ${text.length} bytes`;
    }, "secondary"], ["Upload snapshot", async () => {
      const file = document.getElementById("a-file").files[0];
      if (!file) throw new Error("choose a snapshot file first");
      await api("PUT", "/_emulator/state", await file.text());
      await loadFaults();
      return `snapshot ${file.name} loaded`;
    }]]));
    grid.append(action("Reset", "Forget accounts, printers, orders, faults, calls and events (access tokens stay valid).", [],
      [["Reset emulator", async () => { await api("POST", "/_emulator/reset"); await loadFaults(); return "emulator reset"; }, "danger"]]));
  }

  // ------------------------------------------------------------------ router
  const pages = { overview: pageOverview, orders: pageOrders, order: pageOrder, events: pageEvents, calls: pageCalls, actions: pageActions };
  function fail(e) { main.append(h("p", { class: "result bad", role: "alert" }, errorText(e))); }
  async function route() {
    stopPolling();
    const [name, ...rest] = (location.hash.replace(/^#\/?/, "") || "overview").split("/");
    const page = pages[name] ? name : "overview";
    for (const a of document.querySelectorAll("nav a[data-page]")) {
      if (a.dataset.page === page || (page === "order" && a.dataset.page === "orders")) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    main.replaceChildren();
    try { await pages[page](decodeURIComponent(rest.join("/"))); } catch (e) { fail(e); }
    const title = document.getElementById("page-title");
    document.title = (title ? title.textContent + " — " : "") + "cloudfn emulator console";
    if (title) title.focus();
    main.dataset.ready = page;
    refreshClock();
  }
  window.addEventListener("hashchange", route);
  route();
  setInterval(() => { if (!document.hidden) refreshClock(); }, 5000);
})();
