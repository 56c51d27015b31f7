// Browser tests of the market explorer (the indexer's web page), with Playwright driving Debian's
// Chromium against a real devnet (`swan devnet`: anvil, the contracts, the indexer, the keeper and
// four provider agents, p4 dishonest) and real tasks created with `swan task create` during the
// test. Screenshots of every page go to target/explorer-screenshots/ (SWAN_SCREENSHOTS).
//
// Run: node --test tests/browser/   (scripts/test does, after building target/debug/swan)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, SWAN, WAIT, launchBrowser, shot, startDevnet, stopDevnet } from './devnet.mjs';

// the demo's sum task; each test run posts it in its own region
const SUM = fs.readFileSync(path.join(ROOT, 'examples/specs/sum.yaml'), 'utf8').replace('region: us', 'region: REGION');

const IMPOSSIBLE = `kind: batch
name: impossible
run: { command: "true" }
resources: { cpu: 64, gpu: { model: H100, count: 8, memory_gib: 80 } }
deadline: { assign_within: 10s, result_within: 2m, settle_within: 1m }
price: { cap: "5" }
verification: { mode: keeper_attested }
`;

const SERVICE = `kind: service
name: short-service
run: { command: sleep, args: ["3600"] }
resources: { cpu: 1 }
region: us
deadline: { assign_within: 1m }
duration: 15s
price: { cap: "0.0001" }
verification: { mode: service_health, health: { path: /health, interval_secs: 2, timeout_ms: 1000, grace_secs: 60 } }
`;

let devnet; // { child, dir, url, key, submitter, providers: {p1: addr, ...}, manifest }
let browser;
let explorerIndexer; // a second indexer whose manifest names a block explorer
const ids = {};

function swan(args, extraEnv = {}) {
  return execFileSync(SWAN, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      SWAN_MANIFEST: path.join(devnet.dir, 'manifest.json'),
      SWAN_INDEXER_URL: devnet.url,
      SWAN_PRIVATE_KEY: devnet.key,
      NO_COLOR: '1',
      ...extraEnv,
    },
  });
}

function createTask(name, text) {
  const file = path.join(devnet.dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const out = swan(['task', 'create', file]);
  const m = out.match(/^task (0x[0-9a-f]{64})/m);
  assert.ok(m, `task id in ${out}`);
  return m[1];
}

/** The id the contract gives the submitter's n-th task: submitter << 96 | n. */
function nthTaskId(n) {
  return `0x${devnet.submitter.slice(2).toLowerCase()}${n.toString(16).padStart(24, '0')}`;
}

async function api(p) {
  const r = await fetch(devnet.url + p);
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

async function waitApi(p, pred, what) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < WAIT) {
    last = await api(p);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not in ${WAIT / 1000} s; last ${JSON.stringify(last).slice(0, 600)}`);
}

async function page({ width = 1400, height = 900 } = {}) {
  const p = await browser.newPage({ viewport: { width, height } });
  // script errors, and every answer of 400 or more by its path (checked against what a test expects)
  p.errors = [];
  p.failed = [];
  p.on('pageerror', (e) => p.errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) p.errors.push(m.text()); });
  p.on('response', (r) => { if (r.status() >= 400) p.failed.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  // every request the page makes must stay on this origin (nothing from a CDN)
  p.foreign = [];
  p.on('request', (r) => { if (!r.url().startsWith(devnet.url) && !r.url().startsWith(explorerIndexer?.url || '\0') && !r.url().startsWith('data:')) p.foreign.push(r.url()); });
  return p;
}

async function text(p, testid) {
  return (await p.locator(`[data-testid="${testid}"]`).first().textContent()).trim();
}

/** Install a marker that a reload would wipe, and a recorder of every task status shown. */
async function watchStatuses(p) {
  await p.evaluate(() => {
    window.__noReload = 'still here';
    window.__seen = [];
    const note = () => {
      const el = document.querySelector('[data-testid="task-status"] .badge');
      const s = el ? el.dataset.status : document.querySelector('[data-testid="error"]') ? 'missing' : null;
      if (s && window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s);
    };
    note();
    new MutationObserver(note).observe(document.getElementById('view'), { childList: true, subtree: true });
  });
}

async function noReload(p) {
  const [marker, navs] = await p.evaluate(() => [window.__noReload, performance.getEntriesByType('navigation').length]);
  assert.equal(marker, 'still here', 'the page was reloaded');
  assert.equal(navs, 1);
}

before(async () => {
  devnet = await startDevnet('explorer', ['--dishonest', 'p4']);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (explorerIndexer) explorerIndexer.child.kill('SIGKILL');
  await stopDevnet(devnet);
});

test('a task created during the test appears and moves through its states on its page, without a reload', async () => {
  const p = await page();
  // the overview before any task: four providers online, no task
  await p.goto(`${devnet.url}/`);
  await p.waitForFunction(() => document.querySelector('[data-testid="stat-providers"]')?.textContent === '4', null, { timeout: WAIT });
  assert.equal(await text(p, 'stat-open'), '0');
  assert.equal(await text(p, 'stat-completed'), '0');
  // the page of the submitter's first task, before it exists
  const id = nthTaskId(1);
  await p.goto(`${devnet.url}/tasks/${id}`);
  await p.waitForSelector('[data-testid="error"]');
  assert.match(await text(p, 'error'), /no task/);
  await watchStatuses(p);
  ids.sum = createTask('sum', SUM.replace('REGION', 'us'));
  assert.equal(ids.sum, id, 'the contract numbers a submitter\'s tasks from 1');
  await p.waitForFunction(() => document.querySelector('[data-testid="task-status"] .badge')?.dataset.status === 'completed', null, { timeout: WAIT });
  await noReload(p);
  const seen = await p.evaluate(() => window.__seen);
  assert.equal(seen[0], 'missing');
  assert.equal(seen[seen.length - 1], 'completed');
  assert.ok(seen.some((s) => s === 'open' || s === 'assigned'), `a state before completed was shown: ${seen}`);
  for (const s of seen) assert.ok(['missing', 'open', 'assigned', 'completed'].includes(s), `${seen}`);
  // every step done, with its block and transaction; the timeline has each event
  for (const step of ['created', 'assigned', 'submitted', 'settled']) {
    assert.equal(await p.locator(`[data-testid="step-${step}"]`).getAttribute('data-done'), 'yes', step);
    assert.match(await text(p, `step-${step}`), /block \d+ · \d{4}-\d\d-\d\d .* · 0x[0-9a-f]{6}/, step);
  }
  const events = await p.locator('[data-testid="timeline-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.event));
  for (const e of ['TaskCreated', 'TaskAssigned', 'ResultSubmitted', 'ReplicaPaid', 'TaskFinalized']) assert.ok(events.includes(e), `${e} in ${events}`);
  // the replica passed, with its evidence; the money matches the API to the wei
  const t = await api(`/api/tasks/${id}`);
  assert.equal(await p.locator('[data-testid="replica-row"]').getAttribute('data-verdict'), 'passed');
  assert.match(await p.locator('[data-testid="replica-evidence"]').textContent(), /submitted 0x[0-9a-f]{6}.*paid/);
  assert.equal(t.replicas[0].provider === devnet.providers.p2 || t.replicas[0].provider === devnet.providers.p3, true, 'a provider in us');
  assert.equal(await text(p, 'money-escrow'), '1 SWAN');
  assert.notEqual(t.paid, '0');
  assert.equal(await text(p, 'task-reason'), 'keeper verdict');
  // the keeper's own evidence: what it fetched and each check it ran
  await p.waitForSelector('[data-testid="keeper-check"][data-passed="yes"]', { timeout: WAIT });
  assert.match(await text(p, 'keeper-check'), /keeper passed it: 7 bytes fetched from .*hash ✓.*max_bytes ✓ \(7 bytes, at most 64\).*validator ✓ \(score 1, threshold 1\)/);
  // the spec document itself, fetched by the indexer and checked against the committed hash
  await p.waitForSelector('[data-testid="spec-text"]');
  assert.equal(await p.locator('[data-testid="spec-text"]').textContent(), SUM.replace('REGION', 'us'));
  assert.match(await text(p, 'spec-verified'), new RegExp(`keccak256 ${t.spec_hash.slice(0, 8)}.*committed on chain`));
  assert.deepEqual(p.errors, []);
  assert.ok(p.failed.length > 0 && p.failed.every((f) => f === `404 /api/tasks/${id}`), `only the task before it existed: ${p.failed}`);
  assert.deepEqual(p.foreign, []);
  await shot(p, 'task');
  await p.close();
});

test('a provider page shows a slash after one happens, without a reload', async () => {
  const p4 = devnet.providers.p4;
  const p = await page();
  await p.goto(`${devnet.url}/providers/${p4}`);
  await p.waitForSelector('[data-testid="slashes-table"]');
  await watchStatuses(p);
  assert.equal(await p.locator('[data-testid="slash-row"]').count(), 0);
  assert.equal(await text(p, 'provider-slashed'), '0 SWAN');
  // only p4 serves asia, and p4 tampers with its results: the validator fails it
  ids.tampered = createTask('tampered', SUM.replace('REGION', 'asia'));
  await p.waitForSelector('[data-testid="slash-row"]', { timeout: WAIT });
  await noReload(p);
  const prov = await api(`/api/providers/${p4}`);
  assert.equal(prov.slashes.length, 1);
  assert.equal(prov.slashes[0].task_id, ids.tampered);
  assert.notEqual(await text(p, 'provider-slashed'), '0 SWAN');
  // the page shows the same slash as the API, to the 6th decimal
  const slashed = BigInt(prov.slashes[0].slashed);
  const shown = `${slashed / 10n ** 18n}${slashed % 10n ** 18n ? '.' + (slashed % 10n ** 18n).toString().padStart(18, '0').slice(0, 6).replace(/0+$/, '') : ''} SWAN`;
  assert.equal(await text(p, 'provider-slashed'), shown);
  await p.waitForFunction(() => /0 \/ 1/.test(document.querySelector('[data-testid="provider-counts"]')?.textContent || ''), null, { timeout: WAIT });
  assert.match(await p.locator('[data-testid="slash-row"]').textContent(), new RegExp(ids.tampered.slice(0, 8)));
  assert.deepEqual(p.errors, []);
  await shot(p, 'provider');
  // from the slash to its task: the replica failed, and the keeper's evidence says why
  await p.click(`[data-testid="slash-row"] a[href="/tasks/${ids.tampered}"]`);
  await p.waitForSelector('[data-testid="replica-row"][data-verdict="slashed"]', { timeout: WAIT });
  await p.waitForSelector('[data-testid="keeper-check"][data-passed="no"]', { timeout: WAIT });
  assert.match(await text(p, 'keeper-check'), /keeper failed it: .*hash ✓.*validator ✗ \(score 0, threshold 1\)/);
  await noReload(p);
  await shot(p, 'task-slashed');
  await p.close();
});

test('the overview shows the right counts once every task has ended', async () => {
  ids.impossible = createTask('impossible', IMPOSSIBLE);
  ids.service = createTask('service', SERVICE);
  await waitApi('/api/stats', (s) => s.tasks.completed === 2 && s.tasks.failed === 1 && s.tasks.cancelled === 1 && s.tasks.open === 0 && s.tasks.assigned === 0, 'every task final');
  const p = await page();
  await p.goto(`${devnet.url}/`);
  await p.waitForFunction(() => document.querySelector('[data-testid="stat-completed"]')?.textContent === '2', null, { timeout: WAIT });
  const expect = { open: '0', running: '0', completed: '2', failed: '1', cancelled: '1', providers: '4' };
  for (const [k, v] of Object.entries(expect)) assert.equal(await text(p, `stat-${k}`), v, k);
  const stats = await api('/api/stats');
  assert.notEqual(stats.slashed, '0');
  assert.notEqual(await text(p, 'stat-slashed'), '0 SWAN');
  assert.notEqual(await text(p, 'stat-volume'), '0 SWAN');
  // both charts drew, and the suggested prices came from the keeper through the indexer
  assert.equal(await p.locator('[data-testid="chart-volume"] canvas').count(), 1);
  assert.equal(await p.locator('[data-testid="chart-tasks"] canvas').count(), 1);
  await p.waitForSelector('[data-testid="prices-table"] tbody tr td:not(.note)', { timeout: WAIT });
  const classes = await p.locator('[data-testid="prices-table"] tbody tr td:first-child').allTextContents();
  assert.ok(classes.includes('cpu') && classes.includes('gpu:A100'), `${classes}`);
  // the newest tasks, newest first
  const newest = await p.locator('[data-testid="task-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.taskId));
  assert.deepEqual(newest, [ids.service, ids.impossible, ids.tampered, ids.sum]);
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.foreign, []);
  await shot(p, 'overview');
  await p.close();
});

/** Wait until the list shows exactly `ids` (in order) and the pager says `summary`. */
async function listShows(p, ids, summary) {
  await p.waitForFunction(([want, sum]) => {
    const got = [...document.querySelectorAll('[data-testid="task-row"]')].map((x) => x.dataset.taskId);
    return JSON.stringify(got) === JSON.stringify(want) && document.querySelector('[data-testid="pager-summary"]')?.textContent === sum;
  }, [ids, summary], { timeout: WAIT });
}

test('the task list filters and pages', async () => {
  const p = await page();
  const rows = () => p.locator('[data-testid="task-row"]').evaluateAll((r) => r.map((x) => [x.dataset.taskId, x.dataset.status]));
  await p.goto(`${devnet.url}/tasks?limit=2`);
  await listShows(p, [ids.service, ids.impossible], '1–2 of 4');
  assert.equal(await p.locator('[data-testid="pager-prev"]').isDisabled(), true);
  await p.click('[data-testid="pager-next"]');
  await listShows(p, [ids.tampered, ids.sum], '3–4 of 4');
  assert.equal(await p.locator('[data-testid="pager-next"]').isDisabled(), true);
  assert.match(p.url(), /offset=2/);
  await p.goBack();
  await listShows(p, [ids.service, ids.impossible], '1–2 of 4');
  // status
  await p.selectOption('[data-testid="filter-status"]', 'failed');
  await listShows(p, [ids.tampered], '1–1 of 1');
  assert.deepEqual(await rows(), [[ids.tampered, 'failed']]);
  assert.match(p.url(), /status=failed/);
  // kind
  await p.selectOption('[data-testid="filter-status"]', '');
  await p.selectOption('[data-testid="filter-kind"]', 'service');
  await listShows(p, [ids.service], '1–1 of 1');
  assert.deepEqual(await rows(), [[ids.service, 'completed']]);
  await p.selectOption('[data-testid="filter-kind"]', 'batch');
  await listShows(p, [ids.impossible, ids.tampered], '1–2 of 3');
  // verification mode
  await p.selectOption('[data-testid="filter-kind"]', '');
  await p.selectOption('[data-testid="filter-mode"]', 'service');
  await listShows(p, [ids.service], '1–1 of 1');
  await p.selectOption('[data-testid="filter-mode"]', '');
  // provider: the tampered task ran on p4 alone
  await p.fill('[data-testid="filter-provider"]', devnet.providers.p4);
  await p.press('[data-testid="filter-provider"]', 'Enter');
  await listShows(p, [ids.tampered], '1–1 of 1');
  // a bad address is refused with the API's message, naming the field
  await p.fill('[data-testid="filter-provider"]', '');
  await p.fill('[data-testid="filter-submitter"]', '0x12');
  await p.press('[data-testid="filter-submitter"]', 'Enter');
  await p.waitForSelector('[data-testid="error"]');
  assert.match(await text(p, 'error'), /submitter must be a 0x-prefixed 20-byte hex address/);
  assert.equal(await p.locator('[data-testid="task-row"]').count(), 0);
  await shot(p, 'tasks-error');
  await p.fill('[data-testid="filter-submitter"]', devnet.submitter);
  await p.press('[data-testid="filter-submitter"]', 'Enter');
  await listShows(p, [ids.service, ids.impossible], '1–2 of 4');
  assert.equal(await p.locator('[data-testid="error"]').count(), 0);
  await shot(p, 'tasks');
  // the provider table, sorted by price
  await p.goto(`${devnet.url}/providers?sort=price`);
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="provider-row"]').length === 4, null, { timeout: WAIT });
  const order = await p.locator('[data-testid="provider-row"]').evaluateAll((r) => r.map((x) => x.dataset.address));
  const { p1, p2, p3, p4 } = devnet.providers;
  assert.deepEqual(order, [p1, p2, p4, p3], 'cheapest CPU-hour first: 0.001, 0.002, 0.0025, 0.003');
  await p.selectOption('[data-testid="filter-status"]', 'exited');
  await p.waitForFunction(() => document.querySelector('[data-testid="pager-summary"]')?.textContent === '0 of 0');
  assert.equal(await p.locator('[data-testid="provider-row"]').count(), 0);
  await p.selectOption('[data-testid="filter-status"]', 'active');
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="provider-row"]').length === 4);
  await shot(p, 'providers');
  assert.deepEqual(p.errors, []);
  assert.ok(p.failed.every((f) => f === '400 /api/tasks'), `only the bad submitter: ${p.failed}`);
  await p.close();
});

test('search finds a task by id (hex or decimal) and by its transaction, a provider by its address', async () => {
  const p = await page();
  await p.goto(`${devnet.url}/`);
  await p.waitForSelector('[data-testid="stat-completed"]', { timeout: WAIT });
  const [task] = (await api('/api/tasks?limit=1')).items;
  const search = async (q) => {
    await p.fill('[data-testid="search"]', q);
    await p.press('[data-testid="search"]', 'Enter');
  };
  // a task by its id
  await search(task.task_id);
  await p.waitForURL(`**/tasks/${task.task_id}`, { timeout: WAIT });
  await p.waitForSelector('[data-testid="replica-row"], [data-testid="task-status"]', { timeout: WAIT });
  // by its decimal id
  await search(BigInt(task.task_id).toString());
  await p.waitForURL(`**/tasks/${task.task_id}`, { timeout: WAIT });
  // by the transaction that created it
  await p.goto(`${devnet.url}/providers`);
  await search(task.created_tx);
  await p.waitForURL(`**/tasks/${task.task_id}`, { timeout: WAIT });
  // a provider by its address (any case)
  await search(devnet.providers.p2.toUpperCase().replace('0X', '0x'));
  await p.waitForURL(`**/providers/${devnet.providers.p2.toLowerCase()}`, { timeout: WAIT });
  // the submitter's address: its tasks
  await search(devnet.submitter);
  await p.waitForURL(`**/tasks?submitter=${devnet.submitter.toLowerCase()}`, { timeout: WAIT });
  await p.waitForSelector('[data-testid="task-row"]', { timeout: WAIT });
  // nothing there: said, and the page stays
  const here = p.url();
  await search(`0x${'ab'.repeat(32)}`);
  await p.waitForFunction(() => document.querySelector('[data-testid="search-error"]').textContent !== '', null, { timeout: WAIT });
  assert.match(await text(p, 'search-error'), /^no task and no transaction of this market has the hash 0x(ab){32}$/);
  assert.equal(p.url(), here);
  await search('hello');
  await p.waitForFunction(() => /^search takes/.test(document.querySelector('[data-testid="search-error"]').textContent), null, { timeout: WAIT });
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('every page fits a phone-width screen', async () => {
  const p = await page({ width: 390, height: 844 });
  for (const [name, url, ready] of [
    ['phone-overview', '/', '[data-testid="stat-completed"]'],
    ['phone-tasks', '/tasks', '[data-testid="task-row"]'],
    ['phone-task', `/tasks/${ids.tampered}`, '[data-testid="replica-row"]'],
    ['phone-providers', '/providers', '[data-testid="provider-row"]'],
    ['phone-provider', `/providers/${devnet.providers.p4}`, '[data-testid="slash-row"]'],
  ]) {
    await p.goto(devnet.url + url);
    await p.waitForSelector(ready, { timeout: WAIT });
    const [scroll, inner] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `${name}: the page is ${scroll} px wide on a ${inner} px screen`);
    // one number format: six decimals at most, four significant digits below 0.000001; and
    // "1 core", not "1 cores"
    const body = await p.evaluate(() => document.body.innerText);
    for (const amount of body.match(/-?[\d,]+(\.\d+)? SWAN/g) || []) {
      const frac = (amount.match(/\.(\d+)/) || ['', ''])[1];
      const significant = frac.replace(/^0+/, '');
      assert.ok(frac.length <= 6 || significant.length <= 4, `${name}: ${amount}`);
    }
    assert.doesNotMatch(body, /\b1 (core|GPU)s\b/, name);
    await shot(p, name);
  }
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('addresses and transactions link to the block explorer the manifest names', async () => {
  // a second indexer over the same chain, from a manifest that names an explorer
  const manifest = JSON.parse(fs.readFileSync(path.join(devnet.dir, 'manifest.json'), 'utf8'));
  manifest.explorer = 'https://swanscan.io';
  const file = path.join(devnet.dir, 'manifest-explorer.json');
  fs.writeFileSync(file, JSON.stringify(manifest));
  const child = spawn(SWAN, ['indexer', 'run', '--manifest', file, '--db', path.join(devnet.dir, 'second.db'), '--listen', '127.0.0.1:0', '--progress', 'never', '--poll-ms', '100'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stderr });
    const timer = setTimeout(() => reject(new Error('second indexer did not start')), 60_000);
    rl.on('line', (l) => {
      const m = l.match(/indexer API on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  explorerIndexer = { child, url };
  const p = await page();
  await p.goto(`${url}/tasks/${ids.sum}`);
  await p.waitForSelector('[data-testid="timeline-row"]', { timeout: WAIT });
  const t = await api(`/api/tasks/${ids.sum}`);
  const links = await p.locator('a[target="_blank"]').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.includes(`https://swanscan.io/tx/${t.created_tx}`), `created tx linked: ${links.join(' ')}`);
  assert.ok(links.includes(`https://swanscan.io/address/${t.submitter}`), 'submitter linked');
  assert.match(await p.locator('#chain').textContent(), /block explorer https:\/\/swanscan\.io/);
  await p.waitForSelector('[data-testid="spec-missing"]');
  assert.match(await text(p, 'spec-missing'), /does not fetch specs \(start it with --fetch-specs/);
  assert.deepEqual(p.errors, []);
  // the devnet's own indexer names none, and links nowhere outside
  const q = await page();
  await q.goto(`${devnet.url}/tasks/${ids.sum}`);
  await q.waitForSelector('[data-testid="timeline-row"]', { timeout: WAIT });
  const outside = await q.locator('a[target="_blank"]').evaluateAll((as) => as.map((a) => a.href));
  assert.deepEqual(outside.filter((h) => /\/(tx|address)\//.test(h)), [], 'no explorer links without an explorer');
  await p.close();
  await q.close();
});
