// The Swan market explorer: one page over the indexer's read API (/api/*, see /openapi.json).
// Views: overview, tasks, a task, providers, a provider. Each view builds its frame once and
// refreshes its data every POLL_MS, so a task or provider that changes on chain changes on the
// page without a reload. Every value from the API is put in the page as text (never as HTML).
'use strict';

const POLL_MS = 2000;
const WEI = 10n ** 18n;
const MODES = ['keeper_attested', 'known_answer', 'quorum', 'service'];
const TASK_STATUS = ['open', 'assigned', 'completed', 'failed', 'cancelled'];
const REASONS = [
  'keeper verdict', 'known answer revealed', 'cancelled by the submitter',
  'expired before assignment', 'quorum counted', 'accepted after settle-by without a verdict',
  'every replica missed its result deadline', 'service ran to its end',
  'service terminated by the submitter', 'every service replica failed',
];

let info = { explorer: null };
let current = null;
let timer = null;
let busy = false;

// ---- small helpers ------------------------------------------------------------------------

/** An element with attributes and children (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace `el`'s children (strings become text; null and false are skipped). */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

async function api(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  let body;
  try { body = await r.json(); } catch { body = {}; }
  if (!r.ok) {
    const e = new Error(body.error || `${path}: HTTP ${r.status}`);
    e.status = r.status;
    e.parameter = body.parameter;
    throw e;
  }
  return body;
}

/** An exact decimal amount of wei as SWAN (up to 6 decimals). */
function swan(wei) {
  if (wei === null || wei === undefined || wei === '') return '—';
  let v;
  try { v = BigInt(wei); } catch { return String(wei); }
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = (v / WEI).toLocaleString('en-US');
  // six decimals; an amount below 0.000001 to its first four significant digits (one format for
  // every amount on the page, never a row of eighteen decimals)
  const all = (v % WEI).toString().padStart(18, '0');
  const digits = v < 10n ** 12n ? all.search(/[1-9]/) + 4 : 6;
  const frac = all.slice(0, digits).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''} SWAN`;
}

/** wei as a float number of SWAN, for charts only. */
function swanFloat(wei) {
  try { return Number(BigInt(wei) / 10n ** 12n) / 1e6; } catch { return 0; }
}

/** `n` things, in the right number: "1 core", "4 cores". */
function plural(n, one) {
  return `${n} ${Number(n) === 1 ? one : `${one}s`}`;
}

function short(hex) {
  return hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex || '—';
}

function when(unix) {
  if (unix === null || unix === undefined) return '—';
  return new Date(Number(unix) * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** How long ago `unix` was, in words ("3 min ago"), from this computer's clock. */
function ago(unix, now = Date.now() / 1000) {
  if (unix === null || unix === undefined) return '—';
  const s = Math.max(0, Math.round(now - Number(unix)));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function badge(status) {
  return h('span', { class: `badge ${status}`, 'data-status': status }, status);
}

function pendingMark(row) {
  return row && row.finalized === false ? h('span', { class: 'pending', title: 'its block is not final yet' }, 'pending') : null;
}

function explorerUrl(kind, value) {
  return info.explorer ? `${info.explorer.replace(/\/$/, '')}/${kind}/${value}` : null;
}

/** An address: a link to its provider page when it is one, and to the block explorer. */
function address(a, { provider = false } = {}) {
  if (!a) return '—';
  const parts = [];
  if (provider) parts.push(h('a', { href: `/providers/${a}`, 'data-nav': true, class: 'mono', title: a }, short(a)));
  else parts.push(h('span', { class: 'mono', title: a }, short(a)));
  const ext = explorerUrl('address', a);
  if (ext) parts.push(' ', h('a', { href: ext, target: '_blank', rel: 'noopener', title: 'on the block explorer' }, '↗'));
  return h('span', {}, parts);
}

function tx(hash) {
  if (!hash) return '—';
  const ext = explorerUrl('tx', hash);
  return ext
    ? h('a', { href: ext, target: '_blank', rel: 'noopener', class: 'mono', title: hash }, short(hash))
    : h('span', { class: 'mono', title: hash }, short(hash));
}

/** A URI shortened for a table cell: a link when the browser can open it. */
function uri(u) {
  if (!u) return '—';
  const text = u.length > 36 ? `${u.slice(0, 22)}…${u.slice(-10)}` : u;
  return /^https?:\/\//.test(u)
    ? h('a', { href: u, target: '_blank', rel: 'noopener', class: 'mono', title: u }, text)
    : h('code', { title: u }, text);
}

function taskLink(id) {
  return h('a', { href: `/tasks/${id}`, 'data-nav': true, class: 'mono', title: id }, short(id));
}

function table(columns, rows, { testid, empty = 'none yet' } = {}) {
  const head = h('tr', {}, columns.map(([label, , cls]) => h('th', { class: cls }, label)));
  const body = rows.length
    ? rows.map((r) => h('tr', r.attrs || {}, columns.map(([, cell, cls]) => h('td', { class: cls }, cell(r.row)))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'note' }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': testid }, h('thead', {}, head), h('tbody', {}, body)));
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([k, v, id]) => [h('dt', {}, k), h('dd', { 'data-testid': id }, v)]));
}

function errorBox(e) {
  return h('div', { class: 'error', role: 'alert', 'data-testid': 'error' }, e.message || String(e));
}

function setLive(ok, message) {
  const el = document.getElementById('live');
  el.className = `live ${ok ? 'ok' : 'down'}`;
  el.textContent = ok ? `live · ${new Date().toLocaleTimeString()}` : `not updating: ${message}`;
}

/** A uPlot time chart in `el`, created on first data, updated after. */
/** Axis ticks that say different things: three significant digits (SWAN amounts are small
 * fractions, and integer labels repeated "0 0 0"). */
function ticks(_u, splits) {
  return splits.map((v) => (v === null || v === undefined ? '' : String(Number(v.toPrecision(3)))));
}

function chart(el, title, series, { bars = false, stepped = false, integer = false } = {}) {
  let plot = null;
  const opts = () => ({
    title,
    width: Math.max(240, el.clientWidth || 320),
    height: 220,
    scales: { x: { time: true } },
    series: [{}, ...series.map((s) => ({
      label: s.label, stroke: s.color, fill: bars ? s.color + '99' : s.color + '22', width: 2,
      scale: s.scale || 'y',
      paths: !window.uPlot ? undefined
        : bars ? window.uPlot.paths.bars({ size: [0.7, 40] })
          : stepped ? window.uPlot.paths.stepped({ align: 1 }) : undefined,
      value: (u, v) => (v === null || v === undefined ? '—' : s.format ? s.format(v) : String(v)),
    }))],
    // counts step by whole numbers; amounts get ticks with enough digits to differ
    axes: [{}, integer ? { size: 60, scale: 'y', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000] } : { size: 72, scale: 'y', values: ticks },
      ...series.filter((s) => s.scale).map((s) => ({ scale: s.scale, side: 1, size: 72, stroke: s.color, grid: { show: false }, values: ticks }))],
  });
  const onResize = () => {
    if (!el.isConnected) return window.removeEventListener('resize', onResize); // its view is gone
    if (plot) plot.setSize({ width: Math.max(240, el.clientWidth), height: 220 });
  };
  window.addEventListener('resize', onResize);
  return (data) => {
    if (!window.uPlot) { el.replaceChildren(h('p', { class: 'note' }, 'chart library not loaded')); return; }
    if (!plot) { el.replaceChildren(); plot = new window.uPlot(opts(), data, el); } else plot.setData(data);
  };
}

// ---- routing --------------------------------------------------------------------------------

const ROUTES = [
  [/^\/$/, 'overview', overview],
  [/^\/tasks\/?$/, 'tasks', taskList],
  [/^\/tasks\/([^/]+)$/, 'tasks', taskPage],
  [/^\/providers\/?$/, 'providers', providerList],
  [/^\/providers\/([^/]+)$/, 'providers', providerPage],
  [/^\/new\/?$/, 'new', newTask],
];

function navigate(url) {
  history.pushState(null, '', url);
  route();
}

async function tick() {
  if (busy || !current) return;
  busy = true;
  const view = current;
  try {
    await view.refresh();
    if (view === current) setLive(true);
  } catch (e) {
    if (view === current) setLive(false, e.message);
  } finally {
    busy = false;
  }
}

function route() {
  clearInterval(timer);
  const root = document.getElementById('view');
  root.replaceChildren();
  const path = location.pathname;
  const found = ROUTES.map(([re, tab, view]) => [path.match(re), tab, view]).find(([m]) => m);
  for (const a of document.querySelectorAll('nav a')) {
    if (found && a.dataset.tab === found[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    root.append(h('h1', {}, 'Not found'), h('p', {}, 'No page here. ', h('a', { href: '/', 'data-nav': true }, 'Back to the overview.')));
    current = null;
    return;
  }
  const [m, , view] = found;
  current = view(root, m.slice(1).map(decodeURIComponent), new URLSearchParams(location.search));
  busy = false;
  tick();
  timer = setInterval(tick, POLL_MS);
}

// ---- search ---------------------------------------------------------------------------------

/** Where a search leads: a task by its id (hex or decimal) or by a transaction of it, a provider
 * by its address (or the tasks an address submitted). Throws a sentence when nothing matches. */
async function searchTarget(text) {
  const q = text.trim();
  const found = async (path) => {
    try { return await api(path); } catch (e) { if (e.status === 404) return null; throw e; }
  };
  const taskPath = (id) => `/tasks/0x${BigInt(id).toString(16).padStart(64, '0')}`;
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) {
    const a = q.toLowerCase();
    if (await found(`/api/providers/${a}`)) return `/providers/${a}`;
    return `/tasks?submitter=${a}`;
  }
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) {
    if (await found(`/api/tasks/${q.toLowerCase()}`)) return `/tasks/${q.toLowerCase()}`;
    const ev = await api(`/api/events?tx=${q.toLowerCase()}&limit=50`);
    const withTask = ev.items.find((e) => e.args && e.args.taskId);
    if (withTask) return taskPath(withTask.args.taskId);
    const withProvider = ev.items.find((e) => e.args && e.args.provider);
    if (withProvider) return `/providers/${withProvider.args.provider}`;
    throw new Error(`no task and no transaction of this market has the hash ${q}`);
  }
  if (/^\d+$/.test(q)) {
    if (await found(`/api/tasks/${q}`)) return taskPath(q);
    throw new Error(`there is no task ${q} on this market`);
  }
  throw new Error('search takes a task id (0x and 64 hex digits, or decimal), a transaction hash or an address (0x and 40 hex digits)');
}

function searchBox() {
  const input = h('input', { type: 'search', name: 'q', placeholder: 'task id, tx hash or address', 'aria-label': 'search', 'data-testid': 'search', autocomplete: 'off', spellcheck: 'false' });
  const said = h('span', { class: 'search-error', role: 'alert', 'data-testid': 'search-error' });
  const form = h('form', { class: 'search', role: 'search', onsubmit: async (e) => {
    e.preventDefault();
    said.textContent = '';
    try {
      navigate(await searchTarget(input.value));
      input.value = '';
    } catch (err) {
      said.textContent = err.message;
    }
  } }, input, said);
  return form;
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-nav]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

// ---- overview -------------------------------------------------------------------------------

function overview(root) {
  const cards = h('div', { class: 'cards', 'data-testid': 'stats' });
  const volumeEl = h('div', { class: 'chart', 'data-testid': 'chart-volume' });
  const tasksEl = h('div', { class: 'chart', 'data-testid': 'chart-tasks' });
  const bucketNote = h('p', { class: 'note' });
  const pricesEl = h('div', { 'data-testid': 'prices' });
  const recentEl = h('div');
  const errEl = h('div');
  root.append(
    h('h1', {}, 'Market overview'), errEl, cards,
    h('section', { class: 'box' }, h('h2', {}, 'Over time'), bucketNote, h('div', { class: 'charts' }, volumeEl, tasksEl)),
    h('section', { class: 'box' }, h('h2', {}, 'Suggested price per resource class'),
      h('p', { class: 'note' }, "The keeper's dynamic price: base (median asked) × (1 + 4·(0.35·H + 0.65·C)²), H = 30-day usage, C = occupancy above 40 %."),
      pricesEl),
    h('section', { class: 'box' }, h('h2', {}, 'Newest tasks'), recentEl),
  );
  const volumeChart = chart(volumeEl, 'Paid to providers, fees and slashed (SWAN)', [
    { label: 'volume', color: '#2453d6', format: (v) => v.toFixed(6) },
    { label: 'fees', color: '#d97706', format: (v) => v.toFixed(6) },
    { label: 'slashed (right axis)', color: '#b42318', format: (v) => v.toFixed(6), scale: 'slashed' },
  ]);
  const tasksChart = chart(tasksEl, 'Tasks created', [{ label: 'tasks', color: '#137a3d' }], { bars: true, integer: true });

  function card(label, value, id, title) {
    return h('div', { class: 'card', title }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-testid': `stat-${id}` }, value));
  }

  return {
    async refresh() {
      const [stats, series, recent, prices] = await Promise.all([
        api('/api/stats'), api('/api/series'), api('/api/tasks?limit=8'),
        api('/api/prices').catch((e) => ({ error: e.message })),
      ]);
      errEl.replaceChildren();
      const t = stats.tasks;
      const online = (stats.providers && stats.providers.active) || 0;
      cards.replaceChildren(
        card('Open tasks', t.open, 'open', 'waiting for a provider'),
        card('Running tasks', t.assigned, 'running', 'assigned, results not settled yet'),
        card('Completed', t.completed, 'completed'),
        card('Failed', t.failed, 'failed'),
        card('Cancelled', t.cancelled, 'cancelled'),
        card('Providers online', online, 'providers', 'active providers'),
        card('Utilization', `${Math.round(stats.utilization * 100)} %`, 'utilization', 'active providers running at least one replica'),
        card('Replicas running', stats.running_replicas, 'replicas'),
        card('Volume', swan(stats.volume), 'volume', 'paid to providers'),
        card('Fees', swan(stats.fees), 'fees', 'protocol fees'),
        card('Slashed', swan(stats.slashed), 'slashed', 'collateral slashed'),
        card('In escrow', swan(stats.escrowed), 'escrowed'),
      );
      const pts = series.points;
      bucketNote.textContent = `${pts.length} buckets of ${series.bucket_secs} s, to ${when(series.to)}.`;
      const xs = pts.map((p) => p.t);
      volumeChart([xs, pts.map((p) => swanFloat(p.volume)), pts.map((p) => swanFloat(p.fees)), pts.map((p) => swanFloat(p.slashed))]);
      tasksChart([xs, pts.map((p) => p.tasks_created)]);
      if (prices.error) {
        pricesEl.replaceChildren(h('p', { class: 'note', 'data-testid': 'prices-missing' }, prices.error));
      } else {
        const rows = (Array.isArray(prices.prices) ? prices.prices : []).map((row) => ({ row }));
        pricesEl.replaceChildren(table([
          ['Class', (r) => r.class],
          ['Capacity', (r) => r.capacity, 'num'],
          ['Base / unit-hour', (r) => swan(r.base), 'num'],
          ['Occupancy', (r) => `${(r.occupancy_ppm / 1e4).toFixed(1)} %`, 'num'],
          ['30-day usage', (r) => `${(r.history_ppm / 1e4).toFixed(1)} %`, 'num'],
          ['Suggested / unit-hour', (r) => (/^\d+$/.test(r.suggested) ? swan(r.suggested) : r.suggested), 'num'],
        ], rows, { testid: 'prices-table', empty: 'the keeper has not published prices yet' }));
      }
      recentEl.replaceChildren(taskTable(recent.items));
    },
  };
}

// ---- tasks ----------------------------------------------------------------------------------

function taskKind(t) { return t.mode === 'service' ? 'service' : 'batch'; }

function taskTable(items) {
  return table([
    // the name the task's spec gives itself (read by the indexer from the committed document)
    ['Task', (t) => [t.name ? h('span', { class: 'task-name', 'data-testid': 'task-name' }, t.name) : null, taskLink(t.task_id)]],
    ['Kind', taskKind],
    ['Mode', (t) => t.mode],
    ['Status', (t) => [badge(t.status), pendingMark(t)]],
    ['Replicas', (t) => t.replicas, 'num'],
    ['Price', (t) => swan(t.price) + (t.mode === 'service' ? '/s' : ''), 'num'],
    ['Escrow', (t) => swan(t.escrow), 'num'],
    ['Submitter', (t) => address(t.submitter)],
    ['Created', (t) => h('span', { title: `block ${t.created_block}, ${when(t.created_at)}`, 'data-testid': 'task-age' }, ago(t.created_at)), 'num'],
  ], items.map((t) => ({ row: t, attrs: { 'data-testid': 'task-row', 'data-task-id': t.task_id, 'data-status': t.status } })),
  { testid: 'tasks-table', empty: 'no task matches' });
}

function select(name, label, options, value) {
  return h('label', {}, label, h('select', { name, 'data-testid': `filter-${name}` },
    h('option', { value: '' }, 'any'),
    options.map((o) => h('option', { value: o, selected: o === value }, o.replace('_', ' ')))));
}

function textFilter(name, label, value, placeholder) {
  return h('label', {}, label, h('input', { name, value: value || '', placeholder, 'data-testid': `filter-${name}`, autocomplete: 'off', spellcheck: 'false' }));
}

/** A filter form whose values live in the URL's query, with a pager under the list. */
function listView(root, title, params, fields, load) {
  const form = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); } }, fields(params), h('button', { type: 'submit' }, 'Apply'));
  const errEl = h('div');
  const listEl = h('div');
  const summary = h('span', { 'data-testid': 'pager-summary' });
  const prev = h('button', { type: 'button', 'data-testid': 'pager-prev', onclick: () => move(-1) }, '‹ Previous');
  const next = h('button', { type: 'button', 'data-testid': 'pager-next', onclick: () => move(1) }, 'Next ›');
  root.append(h('h1', {}, title), form, errEl, h('section', { class: 'box' }, listEl, h('div', { class: 'pager' }, prev, summary, next)));
  form.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT') apply(); });
  const limit = Math.min(500, Math.max(1, Number(params.get('limit')) || 20));
  let total = 0;

  function apply() {
    const q = new URLSearchParams();
    for (const el of form.elements) if (el.name && el.value.trim()) q.set(el.name, el.value.trim());
    if (params.get('limit')) q.set('limit', String(limit));
    setQuery(q);
  }
  function move(dir) {
    const q = new URLSearchParams(location.search);
    const offset = Math.max(0, (Number(q.get('offset')) || 0) + dir * limit);
    if (offset) q.set('offset', String(offset)); else q.delete('offset');
    setQuery(q);
  }
  function setQuery(q) {
    const s = q.toString();
    history.pushState(null, '', location.pathname + (s ? `?${s}` : ''));
    view.refresh().catch(() => {});
  }
  let seq = 0; // a refresh started later wins over one that answers later
  const view = {
    async refresh() {
      const mine = ++seq;
      const q = new URLSearchParams(location.search);
      const offset = Number(q.get('offset')) || 0;
      q.set('limit', String(limit));
      let page;
      try {
        page = await load(q);
      } catch (e) {
        if (mine !== seq) return;
        if (e.status === 400) { errEl.replaceChildren(errorBox(e)); listEl.replaceChildren(); summary.textContent = ''; return; }
        throw e;
      }
      if (mine !== seq) return;
      errEl.replaceChildren();
      total = page.total;
      listEl.replaceChildren(page.view);
      const shown = page.count;
      summary.textContent = total ? `${offset + 1}–${offset + shown} of ${total}` : '0 of 0';
      prev.disabled = offset === 0;
      next.disabled = offset + shown >= total;
    },
  };
  return view;
}

function taskList(root, _args, params) {
  return listView(root, 'Tasks', params, (p) => [
    select('status', 'Status', TASK_STATUS, p.get('status')),
    select('kind', 'Kind', ['batch', 'service'], p.get('kind')),
    select('mode', 'Verification', MODES, p.get('mode')),
    textFilter('submitter', 'Submitter', p.get('submitter'), '0x…'),
    textFilter('provider', 'Provider', p.get('provider'), '0x…'),
  ], async (q) => {
    const page = await api(`/api/tasks?${q}`);
    return { total: page.total, count: page.items.length, view: taskTable(page.items) };
  });
}

/** The four steps of a task, from its events. */
function steps(t) {
  const ev = (names) => t.timeline.find((e) => names.includes(e.event));
  const created = ev(['TaskCreated']);
  const assigned = ev(['TaskAssigned']);
  const submitted = ev(t.mode === 'service' ? ['ServiceStarted'] : ['ResultSubmitted']);
  const settled = ev(['TaskFinalized', 'TaskCancelled']);
  const bad = ['failed', 'cancelled'].includes(t.status);
  const step = (name, e, id, isBad) => h('li', { class: e ? (isBad ? 'bad' : 'done') : '', 'data-testid': `step-${id}`, 'data-done': e ? 'yes' : 'no' },
    h('div', { class: 'step' }, e ? '✓ ' : '○ ', name),
    h('div', { class: 'when' }, e ? [`block ${e.block_number} · ${when(e.block_time)} · `, tx(e.tx_hash), pendingMark(e)] : 'not yet'));
  return h('ol', { class: 'steps', 'data-testid': 'steps' },
    step('Created', created, 'created'),
    step('Assigned', assigned, 'assigned'),
    step(t.mode === 'service' ? 'Started' : 'Submitted', submitted, 'submitted'),
    step(settled ? `Settled: ${t.status}` : 'Settled', settled, 'settled', bad));
}

/** What the keeper's checks said of one replica's result (keeper-attested tasks). */
function keeperEvidence(kv, r) {
  const mine = (kv || []).filter((v) => Number(v.replica) === Number(r.idx));
  return mine.map((v) => {
    if (v.error) return h('div', { 'data-testid': 'keeper-check' }, `keeper: not judged — ${v.error}`);
    const shortHashes = (d) => d.replace(/0x[0-9a-f]{64}/g, (x) => short(x));
    const checks = (v.evidence.checks || []).map((c) => `${c.name} ${c.passed ? '✓' : '✗'} (${shortHashes(c.detail)})`);
    return h('div', { 'data-testid': 'keeper-check', 'data-passed': v.passed ? 'yes' : 'no' },
      `keeper ${v.passed ? 'passed' : 'failed'} it: ${v.evidence.bytes} bytes fetched from `, uri(v.evidence.uri), `; ${checks.join('; ')}`);
  });
}

/** A replica's verdict and the on-chain evidence for it (and the keeper's, when it judged). */
function verdict(t, r, kv) {
  const results = t.results.filter((x) => Number(x.idx) === Number(r.idx));
  const paid = t.payments.filter((x) => Number(x.idx) === Number(r.idx) && ['replica_paid', 'service_claimed'].includes(x.kind));
  const slashed = t.slashes.filter((x) => Number(x.idx) === Number(r.idx));
  const v = slashed.length ? 'slashed' : r.status === 'paid' || r.status === 'ended' ? 'passed' : r.status === 'refunded' ? 'refunded' : 'pending';
  const evidence = [];
  for (const x of results) evidence.push(h('div', {}, `${x.kind} `, h('code', {}, short(x.result_hash)), ` in block ${x.block_number} (`, tx(x.tx_hash), ')'));
  evidence.push(...keeperEvidence(kv, r));
  if (t.mode === 'known_answer' && t.answer_commit) evidence.push(h('div', {}, 'answer committed ', h('code', {}, short(t.answer_commit))));
  for (const x of paid) evidence.push(h('div', {}, `paid ${swan(x.amount)} (fee ${swan(x.fee)}) in block ${x.block_number} (`, tx(x.tx_hash), ')'));
  for (const x of slashed) evidence.push(h('div', {}, `slashed ${swan(x.slashed)}: ${swan(x.to_treasury)} to the treasury, bounty ${swan(x.bounty)}; price refunded ${swan(x.refund)} (`, tx(x.tx_hash), ')'));
  if (!evidence.length) evidence.push(h('span', { class: 'note' }, 'no result yet'));
  return { v, evidence };
}

/** The spec document, fetched once by the indexer and checked against the committed hash. */
async function specDocument(el, id) {
  try {
    const s = await api(`/api/tasks/${encodeURIComponent(id)}/spec`);
    fill(el,
      h('p', { class: 'note', 'data-testid': 'spec-verified' }, `✓ keccak256 ${short(s.hash)} — the hash committed on chain (${s.bytes} bytes from `, h('code', {}, s.uri), ')'),
      h('pre', { class: 'spec', 'data-testid': 'spec-text' }, s.text));
  } catch (e) {
    fill(el, h('p', { class: 'note', 'data-testid': 'spec-missing' }, e.message));
  }
}

function taskPage(root, [id]) {
  const head = h('h1', {}, 'Task ', h('span', { class: 'mono' }, short(id)));
  const body = h('div');
  root.append(head, body);
  let frame = null;
  let kv = null; // the keeper's verdicts
  let kvFinal = false;
  return {
    async refresh() {
      let t;
      try {
        t = await api(`/api/tasks/${encodeURIComponent(id)}`);
      } catch (e) {
        if (e.status === 404 || e.status === 400) { body.replaceChildren(errorBox(e)); return; }
        throw e;
      }
      // the keeper's verdicts with their evidence, while they can still change and once after
      if (t.mode === 'keeper_attested' && t.replicas.some((r) => r.result_hash) && !(kvFinal && kv)) {
        kvFinal = !['open', 'assigned'].includes(t.status);
        kv = await api(`/api/tasks/${encodeURIComponent(id)}/verdicts`).then((v) => v.verdicts, () => kv);
      }
      fill(head, 'Task ', t.name ? h('span', { 'data-testid': 'task-title-name' }, `${t.name} `) : null, h('span', { class: 'mono', title: t.task_id }, short(t.task_id)), ' ', h('span', { 'data-testid': 'task-status' }, badge(t.status)), pendingMark(t));
      const service = t.mode === 'service';
      const gpu = Number(t.req_gpu_count) > 0 ? `${t.req_gpu_count} × ${t.req_gpu_model || 'any'} (${t.req_gpu_memory_gib} GiB)` : 'none';
      const specLink = /^https?:\/\//.test(t.spec_uri) ? h('a', { href: t.spec_uri, target: '_blank', rel: 'noopener' }, t.spec_uri) : h('code', {}, t.spec_uri || '—');
      const spec = facts([
        ['Kind', taskKind(t), 'task-kind'],
        ['Verification', t.mode, 'task-mode'],
        ['Submitter', address(t.submitter)],
        ['Spec hash', h('code', {}, t.spec_hash)],
        ['Spec URI', specLink],
        ['Replicas', t.mode === 'quorum' ? `${t.replica_count} (quorum ${t.quorum})` : t.replica_count],
        ['Requirements', `${plural(t.req_cpu_cores, 'core')}, ${t.req_memory_gib} GiB memory, ${t.req_storage_gib} GiB storage, GPU ${gpu}`],
        ['Region', t.region || 'any'],
        [service ? 'Price per second' : 'Price per replica', swan(t.price)],
        ['Collateral', `${t.collateral_pct} % of each replica's price (at most ${swan(t.collateral)})`],
        ['Assign by', when(t.assign_by)],
        !service && ['Result by', when(t.result_by)],
        !service && ['Settle by', when(t.settle_by)],
        service && ['Service', t.service_started ? `${when(t.service_started)} → ${when(t.service_ends)}` : 'not started'],
        t.mode === 'known_answer' && ['Answer commit', h('code', {}, t.answer_commit)],
        t.final_reason !== null && t.final_reason !== undefined && ['Ended because', REASONS[t.final_reason] || `reason ${t.final_reason}`, 'task-reason'],
        ['Parameters version', t.params_version],
      ]);
      const money = facts([
        ['Escrowed', swan(t.escrow), 'money-escrow'],
        ['Paid to providers', swan(t.paid), 'money-paid'],
        ['Protocol fees', swan(t.fees), 'money-fees'],
        ['Refunded', swan(t.refunded), 'money-refunded'],
        ['Slashed', swan(t.slashed), 'money-slashed'],
      ]);
      // each replica with its verdict, worked out once
      const judged = t.replicas.map((r) => ({ ...r, verdict: verdict(t, r, kv) }));
      const replicas = table([
        ['#', (r) => r.idx, 'num'],
        ['Provider', (r) => address(r.provider, { provider: true })],
        ['Price', (r) => swan(r.price), 'num'],
        ['Status', (r) => [badge(r.status), pendingMark(r)]],
        ['Result', (r) => (r.result_hash ? h('code', { title: r.result_hash }, short(r.result_hash)) : '—')],
        ['Result URI', (r) => uri(r.result_uri)],
        ['Verdict', (r) => badge(r.verdict.v)],
      ], judged.map((r) => ({ row: r, attrs: { 'data-testid': 'replica-row', 'data-verdict': r.verdict.v } })),
      { testid: 'replicas-table', empty: 'no provider assigned yet' });
      const evidence = h('div', { class: 'evidence' }, judged.map((r) =>
        h('div', { class: 'replica-evidence', 'data-testid': 'replica-evidence' },
          h('div', {}, h('strong', {}, `Replica ${r.idx}`), ' on ', address(r.provider, { provider: true }), ' ', badge(r.verdict.v)),
          r.verdict.evidence)));
      const timeline = table([
        ['Event', (e) => e.event],
        ['Block', (e) => e.block_number, 'num'],
        ['Time', (e) => when(e.block_time)],
        ['Transaction', (e) => [tx(e.tx_hash), pendingMark(e)]],
      ], t.timeline.map((e) => ({ row: e, attrs: { 'data-testid': 'timeline-row', 'data-event': e.event } })), { testid: 'timeline' });
      if (!frame) {
        frame = { actions: h('div'), wait: h('div'), steps: h('div'), spec: h('div'), money: h('div'), replicas: h('div'), timeline: h('div'), doc: h('div', { 'data-testid': 'spec-document' }, h('p', { class: 'note' }, 'fetching…')) };
        body.replaceChildren(frame.actions, frame.wait, frame.steps,
          h('div', { class: 'cols' },
            h('section', { class: 'box' }, h('h2', {}, 'Spec (as committed on chain)'), frame.spec),
            h('section', { class: 'box' }, h('h2', {}, 'Money'), frame.money)),
          h('section', { class: 'box' }, h('h2', {}, 'Spec document'), frame.doc),
          h('section', { class: 'box' }, h('h2', {}, 'Replicas, results and verdicts'), frame.replicas),
          h('section', { class: 'box' }, h('h2', {}, 'Timeline'), frame.timeline));
      }
      if (!frame.docLoaded) { frame.docLoaded = true; specDocument(frame.doc, t.task_id); }
      // the submitter's buttons, drawn again only when what they offer changes (not every poll:
      // that would clear what is being typed)
      const actionsKey = `${t.status}|${wallet && wallet.address}`;
      redrawActions(frame, actionsKey, () => taskActions(t));
      // why an open task waits: the keeper's last allocation, in the keeper's words
      if (t.status === 'open') {
        const why = await api(`/api/tasks/${encodeURIComponent(id)}/decision`)
          .then((d) => d.reason || 'the keeper gave no reason', (e) => `the keeper's reason is not known: ${e.message}`);
        fill(frame.wait, h('p', { class: 'note', 'data-testid': 'wait-reason' }, h('strong', {}, 'Waiting: '), why));
      } else {
        frame.wait.replaceChildren();
      }
      frame.steps.replaceChildren(steps(t));
      frame.spec.replaceChildren(spec);
      frame.money.replaceChildren(money);
      frame.replicas.replaceChildren(replicas, evidence);
      frame.timeline.replaceChildren(timeline);
    },
  };
}

// ---- providers ------------------------------------------------------------------------------

function providerList(root, _args, params) {
  return listView(root, 'Providers', params, (p) => [
    select('status', 'Status', ['active', 'paused', 'exited'], p.get('status')),
    textFilter('region', 'Region', p.get('region'), 'us'),
    textFilter('gpu_model', 'GPU model', p.get('gpu_model'), 'A100'),
    select('sort', 'Sort by', ['reputation', 'price', 'free'], p.get('sort')),
  ], async (q) => {
    const page = await api(`/api/providers?${q}`);
    const view = table([
      ['Provider', (p) => address(p.address, { provider: true })],
      ['Status', (p) => [badge(p.status), pendingMark(p)]],
      ['Region', (p) => p.region || '—'],
      ['CPU', (p) => p.cpu_cores, 'num'],
      ['Memory', (p) => `${p.memory_gib} GiB`, 'num'],
      ['GPU', (p) => (Number(p.gpu_count) > 0 ? `${p.gpu_count} × ${p.gpu_model}` : '—')],
      ['CPU-hour', (p) => swan(p.price_cpu_hour), 'num'],
      ['Free collateral', (p) => swan(p.free), 'num'],
      ['Locked', (p) => swan(p.locked), 'num'],
      ['Reputation', (p) => Number(p.reputation).toFixed(3), 'num'],
      ['Completed', (p) => p.completed, 'num'],
      ['Failed', (p) => p.failed, 'num'],
      ['Running', (p) => p.running, 'num'],
    ], page.items.map((p) => ({ row: p, attrs: { 'data-testid': 'provider-row', 'data-address': p.address } })), { testid: 'providers-table', empty: 'no provider matches' });
    return { total: page.total, count: page.items.length, view };
  });
}

function providerPage(root, [addr]) {
  const head = h('h1', {}, 'Provider ', h('span', { class: 'mono' }, short(addr)));
  const body = h('div');
  const chartEl = h('div', { class: 'chart', 'data-testid': 'chart-earnings' });
  const draw = chart(chartEl, 'Earned and slashed, cumulative (SWAN)', [
    { label: 'earned', color: '#137a3d', format: (v) => v.toFixed(6) },
    { label: 'slashed', color: '#b42318', format: (v) => v.toFixed(6) },
  ], { stepped: true });
  let frame = null;
  root.append(head, body);
  return {
    async refresh() {
      let p;
      try {
        p = await api(`/api/providers/${encodeURIComponent(addr)}`);
      } catch (e) {
        if (e.status === 404 || e.status === 400) { body.replaceChildren(errorBox(e)); return; }
        throw e;
      }
      fill(head, 'Provider ', h('span', { class: 'mono', title: p.address }, short(p.address)), ' ', h('span', { 'data-testid': 'provider-status' }, badge(p.status)));
      const gpu = Number(p.gpu_count) > 0 ? `${p.gpu_count} × ${p.gpu_model} (${p.gpu_memory_gib} GiB)` : 'none';
      const about = facts([
        ['Owner', address(p.address)],
        ['Worker key', address(p.worker)],
        ['Beneficiary', address(p.beneficiary)],
        ['Region', p.region || '—'],
        ['Resources', `${plural(p.cpu_cores, 'core')}, ${p.memory_gib} GiB memory, ${p.storage_gib} GiB storage, GPU ${gpu}`],
        ['Prices per hour', `CPU ${swan(p.price_cpu_hour)}, GiB memory ${swan(p.price_memory_hour)}, GPU ${swan(p.price_gpu_hour)}, GiB storage ${swan(p.price_storage_hour)}`],
        ['Endpoint / metadata', h('code', {}, p.metadata_uri || '—')],
        ['Registered in block', p.registered_block],
      ]);
      const standing = facts([
        ['Stake', swan(p.stake)],
        ['Locked by tasks', swan(p.locked), 'provider-locked'],
        ['Unbonding', p.unbonding !== '0' ? `${swan(p.unbonding)} (release ${when(p.release_at)})` : swan(p.unbonding)],
        ['Free', swan(p.free), 'provider-free'],
        ['Earned (claimable)', swan(p.earned)],
        ['Earned in total', swan(p.earned_total), 'provider-earned'],
        ['Slashed in total', swan(p.slashed_total), 'provider-slashed'],
        ['Completed / failed', `${p.completed} / ${p.failed}`, 'provider-counts'],
        ['Running now', p.running],
        ['Reputation', Number(p.reputation).toFixed(3)],
      ]);
      // cumulative earnings and slashes over time, one point per event
      const points = [];
      for (const x of p.payments) if (['replica_paid', 'service_claimed'].includes(x.kind)) points.push([x.block_time, BigInt(x.amount), 0n]);
      for (const x of p.slashes) points.push([x.block_time, 0n, BigInt(x.slashed)]);
      points.sort((a, b) => a[0] - b[0]);
      // from the first deposit (nothing earned yet) to now (the totals so far)
      const first = p.collateral.length ? p.collateral[0].block_time : null;
      if (first !== null && (!points.length || first < points[0][0])) points.unshift([first, 0n, 0n]);
      if (points.length) points.push([Math.max(points[points.length - 1][0], Math.floor(Date.now() / 1000)), 0n, 0n]);
      let earned = 0n; let slashed = 0n;
      const xs = []; const es = []; const ss = [];
      for (const [t, e, s] of points) {
        earned += e; slashed += s;
        if (xs.length && xs[xs.length - 1] === t) { es[es.length - 1] = swanFloat(earned); ss[ss.length - 1] = swanFloat(slashed); continue; }
        xs.push(t); es.push(swanFloat(earned)); ss.push(swanFloat(slashed));
      }
      const slashes = table([
        ['Task', (x) => taskLink(x.task_id)],
        ['Replica', (x) => x.idx, 'num'],
        ['Slashed', (x) => swan(x.slashed), 'num'],
        ['To treasury', (x) => swan(x.to_treasury), 'num'],
        ['Bounty', (x) => swan(x.bounty), 'num'],
        ['Block', (x) => x.block_number, 'num'],
        ['Time', (x) => when(x.block_time)],
        ['Transaction', (x) => [tx(x.tx_hash), pendingMark(x)]],
      ], p.slashes.map((x) => ({ row: x, attrs: { 'data-testid': 'slash-row' } })), { testid: 'slashes-table', empty: 'never slashed' });
      const work = table([
        ['Task', (r) => taskLink(r.task_id)],
        ['Replica', (r) => r.idx, 'num'],
        ['Status', (r) => badge(r.status)],
        ['Price', (r) => swan(r.price), 'num'],
        ['Payout', (r) => swan(r.payout), 'num'],
        ['Slashed', (r) => swan(r.slashed), 'num'],
        ['Assigned in block', (r) => r.assigned_block, 'num'],
      ], p.replicas.map((r) => ({ row: r, attrs: { 'data-testid': 'work-row' } })), { testid: 'work-table', empty: 'no task yet' });
      const payments = table([
        ['Kind', (x) => x.kind.replace('_', ' ')],
        ['Task', (x) => (x.task_id ? taskLink(x.task_id) : '—')],
        ['Amount', (x) => swan(x.amount), 'num'],
        ['Fee', (x) => swan(x.fee), 'num'],
        ['Time', (x) => when(x.block_time)],
        ['Transaction', (x) => [tx(x.tx_hash), pendingMark(x)]],
      ], p.payments.map((x) => ({ row: x })), { testid: 'payments-table', empty: 'no payment yet' });
      const collateral = table([
        ['Kind', (x) => x.kind.replace('_', ' ')],
        ['Amount', (x) => swan(x.amount), 'num'],
        ['Stake after', (x) => swan(x.stake), 'num'],
        ['Time', (x) => when(x.block_time)],
        ['Transaction', (x) => [tx(x.tx_hash), pendingMark(x)]],
      ], p.collateral.map((x) => ({ row: x })), { testid: 'collateral-table' });
      if (!frame) {
        frame = { actions: h('div'), about: h('div'), standing: h('div'), slashes: h('div'), work: h('div'), payments: h('div'), collateral: h('div') };
        body.replaceChildren(frame.actions,
          h('div', { class: 'cols' },
            h('section', { class: 'box' }, h('h2', {}, 'Machine and prices'), frame.about),
            h('section', { class: 'box' }, h('h2', {}, 'Collateral and reputation'), frame.standing)),
          h('section', { class: 'box' }, h('h2', {}, 'Earnings and slashes over time'), chartEl),
          h('section', { class: 'box' }, h('h2', {}, 'Slashes'), frame.slashes),
          h('section', { class: 'box' }, h('h2', {}, 'Work'), frame.work),
          h('section', { class: 'box' }, h('h2', {}, 'Payments'), frame.payments),
          h('section', { class: 'box' }, h('h2', {}, 'Collateral history'), frame.collateral));
      }
      const actionsKey = `${p.status}|${wallet && wallet.address}`;
      redrawActions(frame, actionsKey, () => providerActions(p));
      frame.about.replaceChildren(about);
      frame.standing.replaceChildren(standing);
      frame.slashes.replaceChildren(slashes);
      frame.work.replaceChildren(work);
      frame.payments.replaceChildren(payments);
      frame.collateral.replaceChildren(collateral);
      if (xs.length > 1) draw([xs, es, ss]);
      else chartEl.replaceChildren(h('p', { class: 'note' }, 'nothing earned or slashed yet'));
    },
  };
}

// ---- start ----------------------------------------------------------------------------------

async function start() {
  document.querySelector('header.top nav').after(searchBox());
  renderWallet();
  try {
    info = await api('/api/info');
    const ext = info.explorer ? ['block explorer ', h('a', { href: info.explorer, target: '_blank', rel: 'noopener' }, info.explorer)] : 'no block explorer configured';
    fill(document.getElementById('chain'),
      `chain ${info.chain_id} · market `, h('code', {}, info.market), ' · token ', h('code', {}, info.token), ' · ', ext,
      ' · data: ', h('a', { href: '/openapi.json' }, 'the read API'));
  } catch (e) {
    setLive(false, e.message);
  }
  route();
}

start();
