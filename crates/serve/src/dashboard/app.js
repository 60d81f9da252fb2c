// The dashboard of `daoctl serve`: reads the JSON API of the server it came from and draws each
// view with plain DOM and inline SVG. No third-party code, no network beyond this server.
// Live: a long poll on /api/head?after=N returns when a new block is indexed; the view redraws.
"use strict";

const main = document.getElementById("main");
const headEl = document.getElementById("head");
let head = null;
let cellNames = {};

// Everything from the chain is text chosen by someone else: always escaped.
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const short = (h) => (h && h.length > 14 ? `${h.slice(0, 8)}…${h.slice(-4)}` : h ?? "");
const api = async (path) => {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || `${r.status}`);
  return body;
};
const all = async (name, query = "") => {
  let items = [];
  let cursor = null;
  for (;;) {
    const q = new URLSearchParams(query);
    q.set("limit", "500");
    if (cursor) q.set("cursor", cursor);
    const page = await api(`/api/${name}?${q}`);
    items = items.concat(page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
};
// Amounts are decimal strings of wei: shown in ether (18 decimals), exact digits trimmed to 4.
const eth = (wei) => {
  const v = BigInt(wei || "0");
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").slice(0, 4).replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
};
const cellLink = (id) => `<a href="#/cell/${esc(id)}">${esc(cellNames[id] || short(id))}</a>`;
const blockLink = (b) => (b == null ? "" : `<a href="#/block/${esc(b)}" class="mono">#${esc(b)}</a>`);
const txLink = (tx, b) => (tx ? `<a href="#/block/${esc(b)}" class="mono" title="${esc(tx)}" data-tx="${esc(tx)}">${esc(short(tx))}</a>` : "");
const pill = (t, cls = t) => `<span class="pill ${esc(cls)}">${esc(t)}</span>`;
const SUPPORT = ["against", "for", "abstain"];
const runPill = (c) => pill(c.run_by === "vote" ? "vote-run" : c.run_by === "safe" ? "Safe-run" : "person-run", c.run_by);

async function loadNames() {
  const cells = await all("cells");
  cellNames = Object.fromEntries(cells.map((c) => [c.id, c.name]));
  return cells;
}

// ---- views ----------------------------------------------------------------------------------

async function viewNetwork() {
  const [cells, status, activity] = await Promise.all([loadNames(), api("/api/status"), recentActivity()]);
  const kids = {};
  for (const c of cells) (kids[c.parent && c.parent !== "0" ? c.parent : "root"] ||= []).push(c);
  const node = (c) => `<li data-cell="${esc(c.id)}"><div class="cellrow">${cellLink(c.id)}
      ${pill(c.phase)} <span class="muted">${esc(c.scale)}</span> ${runPill(c)}
      <span class="muted mono" title="who runs it">${esc(short(c.runner))}</span></div>
      ${kids[c.id] ? `<ul class="tree">${kids[c.id].map(node).join("")}</ul>` : ""}</li>`;
  const a = status.audit || {};
  main.innerHTML = `<h1>The network</h1>
    <div class="kpis">
      <div class="kpi">cells<b>${cells.length}</b></div>
      <div class="kpi">proposals<b>${status.counts.proposals}</b></div>
      <div class="kpi">tasks<b>${status.counts.tasks}</b></div>
      <div class="kpi">events indexed<b>${status.logs}</b></div>
      <div class="kpi">audit<b><a href="#/audit">${a.pending ? "running…" : a.error ? "could not run" : a.clean ? "clean" : `${a.errors} errors`}</a></b></div>
    </div>
    <div class="grid">
      <div class="card"><h2>Tree of cells</h2><ul class="tree root" id="tree">${(kids.root || []).map(node).join("")}</ul></div>
      <div class="card"><h2>Recent activity</h2><table id="activity"><tr><th>block</th><th>what</th><th>tx</th></tr>
        ${activity.map((e) => `<tr><td>${blockLink(e.block)}</td><td>${e.what}</td><td>${txLink(e.tx, e.block)}</td></tr>`).join("")}</table></div>
    </div>`;
}

// The newest events of each kind (or, with a block range, every event in it).
async function recentActivity(query = "") {
  const take = async (name, f) => (query ? await all(name, query) : (await api(`/api/${name}?order=desc&limit=25`)).items).map(f);
  const lists = await Promise.all([
    take("spends", (s) => ({ block: s.at?.block, tx: s.at?.tx_hash, what: `${cellLink(s.cell)} spent ${eth(s.amount)} to <span class="mono">${esc(short(s.to))}</span>` })),
    take("allocations", (s) => ({ block: s.at?.block, tx: s.at?.tx_hash, what: `${cellLink(s.parent)} ${s.kind === "clawback" ? "clawed back" : "allocated"} ${eth(s.amount)} ${s.kind === "clawback" ? "from" : "to"} ${cellLink(s.child)}` })),
    take("proposals", (p) => ({ block: p.created?.block, tx: p.created?.tx_hash, what: `proposal <a href="#/proposal/${esc(p.id)}">${esc(short(p.id))}</a> in ${cellLink(p.cell)} ${pill(p.state)}` })),
    take("decisions", (d) => ({ block: d.at?.block, tx: d.at?.tx_hash, what: `${cellLink(d.cell)} decision ${esc(d.index)} (${d.executed ? "executed proposal" : "recorded"}) ${esc(d.uri)}` })),
    take("tasks", (t) => ({ block: t.created?.block, tx: t.created?.tx_hash, what: `task ${esc(short(t.id))} in ${cellLink(t.cell)} ${pill(t.status)}` })),
  ]);
  return lists.flat().filter((e) => e.block != null).sort((a, b) => b.block - a.block).slice(0, query ? 1000 : 25);
}

async function viewBlock(n) {
  await loadNames();
  const rows = await recentActivity(`from_block=${n}&to_block=${n}`);
  main.innerHTML = `<h1>Block ${esc(n)}</h1><div class="card"><table><tr><th>what</th><th>tx</th></tr>
    ${rows.map((e) => `<tr><td>${e.what}</td><td class="mono">${esc(e.tx)}</td></tr>`).join("") || `<tr><td class="muted">no indexed event created in this block</td></tr>`}</table></div>`;
}

async function viewCell(id) {
  await loadNames();
  const p = await api(`/api/cells/${encodeURIComponent(id)}`);
  const c = p.cell;
  const roles = p.roles.map((r) => `<tr><td class="mono">${esc(short(r.hex_id))}</td><td>${esc(r.details)}</td><td>${r.wearers.map((w) => `<div class="mono">${esc(w)}</div>`).join("") || '<span class="muted">none</span>'}</td></tr>`).join("");
  const docs = p.state_docs.map((d) => `<tr><td class="mono">${esc(short(d.key))}</td><td>v${esc(d.versions.at(-1)?.version)}</td><td>${(d.versions || []).map((v) => `<div>v${esc(v.version)} ${esc(v.uri)} ${blockLink(v.at?.block)}</div>`).join("")}</td></tr>`).join("");
  const decisions = p.decisions.map((d) => `<tr><td>${esc(d.index)}</td><td class="mono">${esc(short(d.reference))}</td><td>${esc(d.uri)}</td><td>${blockLink(d.at?.block)} ${txLink(d.at?.tx_hash, d.at?.block)}</td></tr>`).join("");
  // The page carries the newest of what grows with the cell's history; say so when there is more.
  const more = (k) => (p.totals && p.totals[k] > p[k].length ? ` <span class="muted">(the newest ${p[k].length} of ${p.totals[k]})</span>` : "");
  const budgets = p.budgets.filter((b) => b.cell === c.id).map((b) => `<tr><td class="mono">${esc(short(b.token))}</td><td>${eth(b.ledger?.terms?.amount)}</td><td>${b.ledger?.terms?.funded ? "funded" : "cap"}</td><td>${eth(b.ledger?.totals?.spent)}</td><td>${eth(b.ledger?.totals?.sub_allocated_out)}</td><td>${eth(b.ledger?.totals?.bounties_paid)}</td></tr>`).join("");
  main.innerHTML = `<h1 data-cell-page="${esc(c.id)}">${esc(c.name)} ${pill(c.phase)} ${runPill(c)}</h1>
    <p class="muted">${esc(c.scale)} · id <span class="mono">${esc(c.id)}</span> · parent ${c.parent && c.parent !== "0" ? cellLink(c.parent) : "none (a DAO)"} · run by <span class="mono">${esc(c.runner)}</span></p>
    <div class="grid">
      <div class="card"><h2>Roles and wearers</h2><table><tr><th>role</th><th>details</th><th>wearers</th></tr>${roles}</table></div>
      <div class="card"><h2>Sub-cells</h2>${p.children.map((k) => `<div>${cellLink(k.id)} ${pill(k.phase)}</div>`).join("") || '<span class="muted">none</span>'}
        <h2>Phase history</h2><ul class="timeline">${(c.phase_history || []).map((h) => `<li>${h.from == null ? "created" : "moved"} to ${esc(h.to)} ${blockLink(h.at?.block)}</li>`).join("")}</ul></div>
    </div>
    <div class="card"><h2>Budgets</h2><table><tr><th>token</th><th>amount</th><th></th><th>spent</th><th>handed down</th><th>bounties paid</th></tr>${budgets || '<tr><td class="muted">none</td></tr>'}</table></div>
    <div class="card"><h2>State documents</h2><table><tr><th>key</th><th>current</th><th>versions</th></tr>${docs || '<tr><td class="muted">none</td></tr>'}</table></div>
    <div class="card"><h2>Decision registry${more("decisions")}</h2><table><tr><th>#</th><th>ref</th><th>uri</th><th>at</th></tr>${decisions || '<tr><td class="muted">none</td></tr>'}</table></div>
    <div class="card"><h2>Proposals${more("proposals")}</h2>${proposalTable(p.proposals)}</div>
    <div class="card"><h2>Tasks${more("tasks")}</h2>${taskBoard(p.tasks)}</div>`;
}

function tallyBar(p) {
  const t = p.tally || {};
  const n = SUPPORT.map((k) => Number(BigInt(t[k] || "0")));
  const sum = n.reduce((a, b) => a + b, 0) || 1;
  return `<div class="tally" title="for ${n[1]}, against ${n[0]}, abstain ${n[2]}">${SUPPORT.map((k, i) => `<span class="${k}" style="width:${(100 * n[i]) / sum}%"></span>`).join("")}</div>`;
}

function proposalTable(ps) {
  if (!ps.length) return '<span class="muted">none</span>';
  return `<table><tr><th>proposal</th><th>cell</th><th>state</th><th>tally</th><th>voters / electorate</th><th>created</th></tr>
    ${ps.map((p) => `<tr><td><a href="#/proposal/${esc(p.id)}" class="mono">${esc(short(p.id))}</a><div class="muted">${esc(p.uri)}</div></td><td>${cellLink(p.cell)}</td><td>${pill(p.state)}</td><td>${tallyBar(p)}</td><td>${esc(p.voters)} / ${esc(p.electorate_supply)}</td><td>${blockLink(p.created?.block)}</td></tr>`).join("")}</table>`;
}

async function viewProposals() {
  await loadNames();
  const page = await api("/api/proposals?order=desc&limit=200");
  main.innerHTML = `<h1>Proposals</h1><p class="muted">the newest ${page.items.length} of ${page.total}</p><div class="card">${proposalTable(page.items)}</div>`;
}

async function viewProposal(id) {
  await loadNames();
  const p = await api(`/api/proposals/${encodeURIComponent(id)}`);
  const t = p.tally || {};
  main.innerHTML = `<h1>Proposal <span class="mono">${esc(short(p.id))}</span> ${pill(p.state)}</h1>
    <p>${esc(p.uri)}</p>
    <p class="muted">in ${cellLink(p.cell)} · proposed by <span class="mono">${esc(p.proposer)}</span> · voting ends at block ${esc(p.vote_end)}</p>
    <div class="grid">
      <div class="card" id="tally"><h2>Tally</h2>
        <table><tr><th>for</th><th>against</th><th>abstain</th><th>voters</th><th>electorate</th><th>quorum</th></tr>
        <tr><td data-tally="for">${esc(t.for)}</td><td data-tally="against">${esc(t.against)}</td><td data-tally="abstain">${esc(t.abstain)}</td><td>${esc(p.voters)}</td><td>${esc(p.electorate_supply)}</td>
        <td>${p.quorum == null ? "-" : `${esc(p.quorum)} ${Number(p.voters) >= Number(p.quorum) ? pill("reached", "ok") : pill("not reached", "Warning")}`}</td></tr></table>
        ${tallyBar(p)}</div>
      <div class="card"><h2>Timeline</h2><ul class="timeline">${(p.timeline || []).map((e) => `<li><b>${esc(e.event)}</b> ${blockLink(e.block)} ${e.voter ? `<span class="mono">${esc(short(e.voter))}</span> ${esc(e.support)} (${esc(e.weight)})` : ""} ${txLink(e.tx, e.block)}</li>`).join("")}</ul></div>
    </div>
    <div class="card"><h2>Votes</h2><table><tr><th>voter</th><th>support</th><th>weight</th><th>reason</th><th>block</th></tr>
      ${(p.votes || []).map((v) => `<tr><td class="mono">${esc(v.voter)}</td><td>${esc(v.support)}</td><td>${esc(v.weight)}</td><td>${esc(v.reason)}</td><td>${blockLink(v.at?.block)} ${txLink(v.at?.tx_hash, v.at?.block)}</td></tr>`).join("")}</table></div>
    <div class="card"><h2>Actions</h2><table><tr><th>target</th><th>value</th><th>call</th></tr>
      ${(p.actions || []).map((a) => `<tr><td class="mono">${esc(a.target)}</td><td>${eth(a.value)}</td><td class="mono">${esc(a.selector)} (${esc(a.data_len)} bytes)</td></tr>`).join("")}</table></div>`;
}

const COLUMNS = ["Open", "Claimed", "Submitted", "Paid", "Cancelled"];
function taskBoard(tasks) {
  return `<div class="board">${COLUMNS.map((col) => `<div class="col" data-column="${col}"><b>${col}</b>
    ${tasks.filter((t) => t.status === col).map((t) => `<div class="task" data-task="${esc(t.id)}"><div class="mono">task ${esc(short(t.id))}</div>
      <div>${cellLink(t.cell)}</div><div class="muted">${esc(t.spec_uri)}</div>
      ${t.bounty ? `<div>bounty ${eth(t.bounty)}</div>` : ""}${t.claimant ? `<div class="mono muted">${esc(short(t.claimant))}</div>` : ""}</div>`).join("")}</div>`).join("")}</div>`;
}

async function viewTasks() {
  await loadNames();
  const page = await api("/api/tasks?order=desc&limit=500");
  main.innerHTML = `<h1>Task board</h1><p class="muted">the newest ${page.items.length} of ${page.total} tasks</p><div class="card">${taskBoard(page.items)}</div>`;
}

// Sankey-style flow: columns by depth (Safe, then the tree levels, then where money left), node
// heights and link widths proportional to the amounts.
async function viewFlows() {
  await loadNames();
  const f = await api("/api/flows");
  const edges = f.edges.map((e) => ({ ...e, v: Number(BigInt(e.amount) / 10n ** 12n) / 1e6 }));
  const depth = Object.fromEntries(f.cells.map((c) => [c.id, c.depth + 1]));
  const sinkCol = Math.max(1, ...Object.values(depth)) + 1;
  const nodes = {};
  const nodeOf = (id, col, label) => (nodes[id] ||= { id, col, label, in: 0, out: 0 });
  for (const e of edges) {
    const from = e.kind === "funding" ? nodeOf(e.from, 0, `Safe ${short(e.from.slice(5))}`) : nodeOf(e.from, depth[e.from] ?? 1, cellNames[e.from] || short(e.from));
    const sinkId = e.kind === "spend" ? `spends:${e.from}` : e.kind === "bounty" ? `bounties:${e.from}` : e.to;
    const label = e.kind === "spend" ? `spends of ${cellNames[e.from] || short(e.from)}` : e.kind === "bounty" ? `bounties of ${cellNames[e.from] || short(e.from)}` : cellNames[e.to] || short(e.to);
    const to = nodeOf(sinkId, e.kind === "spend" || e.kind === "bounty" ? sinkCol : depth[e.to] ?? 1, label);
    e.a = from; e.b = to;
    from.out += e.v; to.in += e.v;
  }
  const W = 1100, colW = 150, pad = 14;
  const cols = {};
  for (const n of Object.values(nodes)) (cols[n.col] ||= []).push(n);
  const maxSum = Math.max(1e-9, ...Object.values(cols).map((ns) => ns.reduce((s, n) => s + Math.max(n.in, n.out), 0)));
  const maxCount = Math.max(1, ...Object.values(cols).map((ns) => ns.length));
  const H = Math.max(260, maxCount * 46 + 40);
  const scale = (H - 40 - pad * maxCount) / maxSum;
  const x = (col) => 10 + (col * (W - colW - 20)) / Math.max(1, sinkCol);
  for (const ns of Object.values(cols)) {
    let y = 20;
    for (const n of ns) { n.h = Math.max(3, Math.max(n.in, n.out) * scale); n.y = y; n.oy = y; n.iy = y; y += n.h + pad; }
  }
  const colors = { funding: "#68d391", allocation: "#63b3ed", spend: "#f6ad55", bounty: "#b794f4" };
  const links = edges.map((e) => {
    const w = Math.max(1.5, e.v * scale);
    const x0 = x(e.a.col) + 12, x1 = x(e.b.col);
    const y0 = e.a.oy + w / 2, y1 = e.b.iy + w / 2;
    e.a.oy += w; e.b.iy += w;
    const mx = (x0 + x1) / 2;
    return `<path d="M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}" stroke="${colors[e.kind]}" stroke-width="${w}" fill="none" opacity=".55"><title>${esc(e.kind)}: ${eth(e.amount)}</title></path>`;
  }).join("");
  const rects = Object.values(nodes).map((n) => `<g><rect x="${x(n.col)}" y="${n.y}" width="12" height="${n.h}" fill="#2d3748"/><text x="${x(n.col) + 16}" y="${n.y + Math.min(n.h / 2 + 4, 14)}">${esc(n.label)} · ${eth(BigInt(Math.round(Math.max(n.in, n.out) * 1e6)) * 10n ** 12n)}</text></g>`).join("");
  const t = f.totals;
  main.innerHTML = `<h1>Money flow</h1>
    <div class="kpis" id="flow-totals">
      <div class="kpi">from the Safes<b data-total="from_safes" data-wei="${esc(t.from_safes)}">${eth(t.from_safes)}</b></div>
      <div class="kpi">spent<b data-total="spent" data-wei="${esc(t.spent)}">${eth(t.spent)}</b></div>
      <div class="kpi">bounties paid<b data-total="bounties_paid" data-wei="${esc(t.bounties_paid)}">${eth(t.bounties_paid)}</b></div>
      <div class="kpi">token<b class="mono">${esc(short(f.token))}</b></div>
    </div>
    <div class="card"><svg id="sankey" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="money flow">${links}${rects}</svg>
      <p class="muted">Green: Safe to a DAO's root cell (what left it) · blue: allocations down the tree (net of clawbacks) · orange: direct spends · purple: bounties paid for tasks.</p></div>
    <div class="card"><h2>Edges</h2><table id="flow-edges"><tr><th>kind</th><th>from</th><th>to</th><th>amount</th></tr>
      ${f.edges.map((e) => `<tr><td>${esc(e.kind)}</td><td>${depth[e.from] ? cellLink(e.from) : `<span class="mono">${esc(short(e.from))}</span>`}</td><td>${depth[e.to] ? cellLink(e.to) : `<span class="mono">${esc(short(e.to))}</span>`}</td><td data-wei="${esc(e.amount)}">${eth(e.amount)}</td></tr>`).join("")}</table></div>`;
}

async function viewAudit() {
  const a = await api("/api/audit");
  if (a.pending) { main.innerHTML = "<h1>Audit</h1><p>The audit of this head is running…</p>"; return; }
  if (a.error) { main.innerHTML = `<h1>Audit</h1><p class="error">${esc(a.error)}</p>`; return; }
  const errors = a.findings.filter((f) => f.severity === "Error").length;
  main.innerHTML = `<h1>Audit ${errors ? pill(`${errors} errors`, "Error") : pill("clean", "ok")}</h1>
    <p class="muted">Every budget, spend, allocation, clawback and bounty replayed from block ${esc(a.from_block)} to ${esc(a.head)} and checked against the contracts at the head.</p>
    <div class="card"><h2>Findings</h2><table id="findings"><tr><th>severity</th><th>rule</th><th>event</th><th>block</th><th>tx</th><th>detail</th></tr>
      ${a.findings.map((f) => `<tr><td>${pill(f.severity)}</td><td>${esc(f.rule)}</td><td>${esc(f.event)}</td><td>${blockLink(f.at?.block)}</td><td>${txLink(f.at?.tx_hash, f.at?.block)}</td><td>${esc(f.detail)}</td></tr>`).join("") || '<tr><td colspan="6" class="muted">no finding</td></tr>'}</table></div>
    <div class="card"><h2>Checked</h2><pre class="mono">${esc(JSON.stringify(a.checked, null, 1))}</pre></div>`;
}

function barChart(title, series, value, fmt = (v) => v) {
  const W = 360, H = 140, n = series.length || 1, bw = (W - 20) / n;
  const vals = series.map(value);
  const max = Math.max(1e-9, ...vals.map((v) => v ?? 0));
  const bars = vals.map((v, i) => `<rect x="${10 + i * bw + 2}" y="${H - 20 - ((v ?? 0) / max) * (H - 40)}" width="${bw - 4}" height="${((v ?? 0) / max) * (H - 40)}" fill="#4299e1"><title>blocks ${series[i].window.from_block}-${series[i].window.to_block}: ${v == null ? "-" : fmt(v)}</title></rect>`).join("");
  return `<div class="card"><h2>${esc(title)}</h2><svg viewBox="0 0 ${W} ${H}" width="100%">${bars}<line x1="10" x2="${W - 10}" y1="${H - 20}" y2="${H - 20}" stroke="#a0aec0"/>
    <text x="10" y="${H - 5}">block ${series[0]?.window.from_block ?? ""}</text><text x="${W - 10}" y="${H - 5}" text-anchor="end">${series[n - 1]?.window.to_block ?? ""}</text><text x="10" y="12">max ${fmt(max)}</text></svg></div>`;
}

async function viewMetrics() {
  const cells = await loadNames();
  const sel = new URLSearchParams(location.hash.split("?")[1] || "").get("cell") || "";
  const r = await api(`/api/metrics?buckets=8${sel ? `&cell=${encodeURIComponent(sel)}` : ""}`);
  const m = r.metrics;
  const pct = (x) => (x.value == null ? "-" : `${(x.value * 100).toFixed(1)}%`);
  const money = m.money[0];
  main.innerHTML = `<h1>Governance metrics</h1>
    <p>Scope: <select id="scope"><option value="">the network</option>${cells.map((c) => `<option value="${esc(c.id)}" ${c.id === sel ? "selected" : ""}>${esc(c.name)} and below</option>`).join("")}</select>
      <span class="muted">blocks ${m.window.from_block}–${m.window.to_block} · definitions in docs/metrics.md</span></p>
    <div class="kpis">
      <div class="kpi">decisions<b>${m.decisions}</b><span class="muted">${Object.entries(m.decisions_by_level).map(([l, n]) => `level ${l}: ${n}`).join(", ")}</span></div>
      <div class="kpi">participation<b>${pct(m.participation)}</b><span class="muted">${m.participation.numerator} ballots / ${m.participation.denominator}</span></div>
      <div class="kpi">proposal → execution<b>${m.proposal_to_execution_blocks ? `${m.proposal_to_execution_blocks.median} blocks` : "-"}</b><span class="muted">median</span></div>
      <div class="kpi">vetoes / cancellations<b>${m.vetoes} / ${m.cancellations}</b></div>
      <div class="kpi">budget utilisation<b>${money ? pct(money.utilisation) : "-"}</b></div>
      <div class="kpi">money to tasks<b>${money ? pct(money.to_tasks) : "-"}</b><span class="muted">vs direct spends</span></div>
      <div class="kpi">task completion<b>${pct(m.task_completion)}</b><span class="muted">cycle ${m.task_cycle_blocks ? `${m.task_cycle_blocks.median} blocks` : "-"}</span></div>
      <div class="kpi">phase changes<b>${m.phase_forward} ↑ ${m.phase_back} ↓</b></div>
      <div class="kpi">role turnover<b>${pct(m.role_turnover)}</b></div>
    </div>
    <div class="grid" id="charts">
      ${barChart("Decisions", r.series, (s) => s.decisions)}
      ${barChart("Participation", r.series, (s) => s.participation.value, (v) => `${(v * 100).toFixed(0)}%`)}
      ${barChart("Proposals created", r.series, (s) => s.proposals_created)}
      ${barChart("Tasks approved", r.series, (s) => s.tasks_approved)}
      ${barChart("Budget utilisation", r.series, (s) => s.money[0]?.utilisation.value, (v) => `${(v * 100).toFixed(1)}%`)}
      ${barChart("Role grants begun or ended", r.series, (s) => Number(s.role_turnover.numerator))}
    </div>`;
  document.getElementById("scope").onchange = (e) => { location.hash = e.target.value ? `#/metrics?cell=${e.target.value}` : "#/metrics"; };
}

// ---- routing and live updates ---------------------------------------------------------------

async function render() {
  const [path] = location.hash.slice(1).split("?");
  const parts = (path || "/").split("/").filter(Boolean);
  try {
    if (!parts.length) await viewNetwork();
    else if (parts[0] === "cell") await viewCell(parts[1]);
    else if (parts[0] === "proposals") await viewProposals();
    else if (parts[0] === "proposal") await viewProposal(parts[1]);
    else if (parts[0] === "tasks") await viewTasks();
    else if (parts[0] === "flows") await viewFlows();
    else if (parts[0] === "audit") await viewAudit();
    else if (parts[0] === "metrics") await viewMetrics();
    else if (parts[0] === "block") await viewBlock(parts[1]);
    else main.innerHTML = `<p class="error">no page ${esc(path)}</p>`;
  } catch (e) {
    main.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
  document.body.dataset.renderedHead = head ?? "";
}

async function live() {
  for (;;) {
    try {
      const h = await api(`/api/head${head == null ? "" : `?after=${head}&wait_ms=20000`}`);
      if (h.head !== head) {
        head = h.head;
        headEl.textContent = `block ${head ?? "-"}`;
        headEl.classList.add("fresh");
        setTimeout(() => headEl.classList.remove("fresh"), 800);
        await render();
      } else if (head == null) {
        await new Promise((r) => setTimeout(r, 500)); // nothing indexed yet
      }
    } catch {
      await new Promise((r) => setTimeout(r, 2000)); // the server restarts or the network blips
    }
  }
}

window.addEventListener("hashchange", render);
live();
