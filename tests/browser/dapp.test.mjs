// The explorer as a dApp: Playwright drives Chromium against a real devnet with a test wallet
// injected into the page — an EIP-1193 provider that forwards every request to anvil, whose dev
// accounts sign (`eth_sendTransaction`). A task created from a spec in the page is seen assigned
// and completed live (named and aged in the lists), another waits (the keeper's reason shown) and
// is cancelled, a service is extended and terminated, a provider stakes and claims its earnings, and bad
// input is said in words. The agents leave their earnings in the market
// (`--claim-every-secs 86400`) so that the page's claim is the one that moves them.
// Screenshots at 1400 px and 390 px go to target/explorer-screenshots/.
//
// Run: node --test tests/browser/   (scripts/test does, after building target/debug/swan)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, WAIT, launchBrowser, shot, startDevnet, stopDevnet } from './devnet.mjs';

const SUM = fs.readFileSync(path.join(ROOT, 'examples/specs/sum.yaml'), 'utf8');
const SERVICE = fs.readFileSync(path.join(ROOT, 'examples/specs/service.yaml'), 'utf8');
const IMPOSSIBLE = `kind: batch
name: dapp-impossible
run: { command: "true" }
resources: { cpu: 64, gpu: { model: H100, count: 8, memory_gib: 80 } }
deadline: { assign_within: 10m, result_within: 20m, settle_within: 10m }
price: { cap: "5" }
verification: { mode: keeper_attested }
`;

let devnet; // { child, dir, url, rpc, submitter, providers }
let browser;

async function api(p) {
  const r = await fetch(devnet.url + p);
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

/** A page whose `window.ethereum` signs as `account` (an anvil dev account) on the devnet;
 * `p.wallet.switchTo(account)` and `p.wallet.chain(id)` do what a user does in a wallet. */
async function walletPage(account, { width = 1400, height = 900 } = {}) {
  const p = await browser.newPage({ viewport: { width, height } });
  let chainId = null; // the wallet's chain when it is not the devnet's
  p.wallet = {
    async switchTo(a) {
      account = a;
      await p.evaluate((x) => window.ethereum.emit('accountsChanged', x ? [x] : []), a);
    },
    async chain(id) {
      chainId = id;
      await p.evaluate((x) => window.ethereum.emit('chainChanged', x), id);
    },
  };
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) p.errors.push(m.text()); });
  // the wallet's requests run here, in the test, and reach anvil: the page itself talks only to
  // its own origin (its content security policy)
  await p.exposeFunction('__testWallet', async (method, params) => {
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: account ? [account] : [] };
    if (method === 'eth_chainId' && chainId) return { result: chainId };
    const r = await fetch(devnet.rpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return r.json();
  });
  await p.addInitScript(() => {
    window.ethereum = {
      async request({ method, params }) {
        const answer = await window.__testWallet(method, params || []);
        if (answer.error) {
          const e = new Error(answer.error.message);
          e.code = answer.error.code;
          e.data = answer.error.data;
          throw e;
        }
        return answer.result;
      },
      listeners: {},
      on(event, f) { (this.listeners[event] ||= []).push(f); },
      removeListener(event, f) { this.listeners[event] = (this.listeners[event] || []).filter((g) => g !== f); },
      emit(event, arg) { for (const f of this.listeners[event] || []) f(arg); },
    };
  });
  return p;
}

async function connect(p) {
  await p.click('[data-testid="connect-wallet"]');
  await p.waitForSelector('[data-testid="wallet-address"]', { timeout: WAIT });
}

async function said(p, testid) {
  const el = p.locator(`[data-testid="${testid}-said"]`);
  await p.waitForFunction((id) => {
    const t = document.querySelector(`[data-testid="${id}-said"]`)?.textContent || '';
    return t !== '' && !t.startsWith('waiting for');
  }, `${testid}`, { timeout: WAIT });
  return (await el.textContent()).trim();
}

function publish(name, text) {
  const file = path.join(devnet.dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return `file://${file}`;
}

/** Create a task in the page from `text`; its id (from the URL the page goes to). */
async function createInPage(p, name, text) {
  await p.goto(`${devnet.url}/new`);
  await connect(p);
  await p.fill('[data-testid="spec-text"]', text);
  await p.fill('[data-testid="spec-uri"]', publish(name, text));
  await p.click('[data-testid="act-check"]');
  assert.equal(await said(p, 'act-check'), 'the spec is good');
  await p.click('[data-testid="act-create"]');
  // the page goes to the new task; or says why not
  await p.waitForFunction(() => /\/tasks\/0x[0-9a-f]{64}$/.test(location.pathname)
    || /^(?!waiting).+/.test(document.querySelector('[data-testid="act-create-said"]')?.textContent || ''), null, { timeout: WAIT });
  const url = p.url();
  assert.match(url, /\/tasks\/0x[0-9a-f]{64}$/, `not created: ${await p.locator('[data-testid="act-create-said"]').textContent().catch(() => '')}`);
  return url.split('/').pop();
}

before(async () => {
  devnet = await startDevnet('dapp', ['--claim-every-secs', '86400']);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDevnet(devnet);
});

let completed; // the task created and completed in the first test

test('a task created from a spec in the page is assigned and completed, live', async () => {
  const p = await walletPage(devnet.submitter);
  // without a wallet connected the page says what to do
  await p.goto(`${devnet.url}/new`);
  await p.waitForSelector('[data-testid="needs-wallet"]', { timeout: WAIT });
  await shot(p, 'new-task');
  const id = await createInPage(p, 'dapp-sum', SUM);
  // the page follows it through its states without a reload
  await p.waitForFunction(() => document.querySelector('[data-testid="task-status"] [data-status]')?.dataset.status === 'completed', null, { timeout: WAIT });
  const t = await api(`/api/tasks/${id}`);
  assert.equal(t.status, 'completed');
  assert.equal(t.submitter, devnet.submitter.toLowerCase());
  assert.equal(t.spec_uri, `file://${path.join(devnet.dir, 'dapp-sum.yaml')}`);
  completed = t;
  await shot(p, 'task-created-in-page');
  // the lists name it as its spec names itself (the indexer read the committed document), with
  // its age
  await p.goto(`${devnet.url}/tasks`);
  await p.waitForFunction((tid) => {
    const row = document.querySelector(`[data-testid="task-row"][data-task-id="${tid}"]`);
    if (row) return row.querySelector('[data-testid="task-name"]')?.textContent === 'sum';
    return false;
  }, id, { timeout: WAIT }).catch(async () => {
    // the list is computed once per block: a new one comes with the next block's poll
    await p.reload();
    await p.waitForFunction((tid) => document.querySelector(`[data-testid="task-row"][data-task-id="${tid}"] [data-testid="task-name"]`)?.textContent === 'sum', id, { timeout: WAIT });
  });
  const age = await p.locator(`[data-testid="task-row"][data-task-id="${id}"] [data-testid="task-age"]`).textContent();
  assert.match(age, /^\d+ (s|min) ago$/);
  assert.equal((await api(`/api/tasks/${id}`)).name, 'sum');
  await p.goto(`${devnet.url}/tasks/${id}`);
  await p.waitForFunction(() => document.querySelector('[data-testid="task-title-name"]')?.textContent.trim() === 'sum', null, { timeout: WAIT });
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('a task is cancelled from its page by its submitter, and a bad spec is refused in words', async () => {
  const p = await walletPage(devnet.submitter);
  const id = await createInPage(p, 'dapp-impossible', IMPOSSIBLE);
  await p.waitForSelector('[data-testid="act-cancel"]', { timeout: WAIT });
  // why it waits, in the keeper's words (the CLI's `swan task status` says the same)
  await p.waitForFunction(() => /^Waiting: no provider can take it now: \d+ with a machine too small for it/.test(document.querySelector('[data-testid="wait-reason"]')?.textContent || ''), null, { timeout: WAIT });
  // the wallet moves to another account: the buttons go with the submitter; back, they return;
  // to another chain: disconnected, told which chain to switch back to
  await p.wallet.switchTo(devnet.providers.p1.toLowerCase());
  await p.waitForFunction((a) => document.querySelector('[data-testid="wallet-address"]')?.title === a, devnet.providers.p1.toLowerCase(), { timeout: WAIT });
  await p.waitForFunction(() => !document.querySelector('[data-testid="task-actions"]'), null, { timeout: WAIT });
  await p.wallet.switchTo(devnet.submitter.toLowerCase());
  await p.waitForSelector('[data-testid="task-actions"]', { timeout: WAIT });
  await p.wallet.chain('0x1');
  await p.waitForSelector('[data-testid="connect-wallet"]', { timeout: WAIT });
  assert.match(await p.locator('[data-testid="wallet-error"]').textContent(), /^the wallet is on chain 1: switch it to chain \d+, this market's$/);
  assert.equal(await p.locator('[data-testid="task-actions"]').count(), 0);
  await p.wallet.chain(null);
  await p.waitForSelector('[data-testid="act-cancel"]', { timeout: WAIT });
  await shot(p, 'task-actions');
  await p.click('[data-testid="act-cancel"]');
  assert.match(await said(p, 'act-cancel'), /^cancelled/);
  await p.waitForFunction(() => document.querySelector('[data-testid="task-status"] [data-status]')?.dataset.status === 'cancelled', null, { timeout: WAIT });
  assert.equal((await api(`/api/tasks/${id}`)).status, 'cancelled');
  await p.waitForFunction(() => !document.querySelector('[data-testid="act-cancel"]'), null, { timeout: WAIT });
  assert.match(await said(p, 'act-cancel'), /^cancelled/, 'what Cancel said stays once its button is gone');
  // another's task shows no buttons
  const stranger = await walletPage(devnet.providers.p1);
  await stranger.goto(`${devnet.url}/tasks/${completed.task_id}`);
  await connect(stranger);
  await stranger.waitForSelector('[data-testid="task-status"]', { timeout: WAIT });
  assert.equal(await stranger.locator('[data-testid="task-actions"]').count(), 0);
  await stranger.close();
  // a spec the CLI refuses: the CLI's sentence
  await p.goto(`${devnet.url}/new`);
  await connect(p);
  await p.fill('[data-testid="spec-text"]', SUM.replace('kind: batch', 'kind: cron'));
  await p.fill('[data-testid="spec-uri"]', 'ipfs://bad');
  await p.click('[data-testid="act-check"]');
  assert.match(await said(p, 'act-check'), /^task spec: .*kind/);
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('a service is extended and terminated from its page by its submitter', async () => {
  const p = await walletPage(devnet.submitter);
  const id = await createInPage(p, 'dapp-service', SERVICE);
  await p.waitForSelector('[data-testid="act-extend"]', { timeout: WAIT });
  const ends = async () => {
    const t = await api(`/api/tasks/${id}`);
    return t.service_ends;
  };
  const t0 = Date.now();
  while ((await ends()) === null) {
    assert.ok(Date.now() - t0 < WAIT, 'the service starts');
    await new Promise((r) => setTimeout(r, 300));
  }
  const before = await ends();
  // bad input: said, nothing sent
  await p.fill('[data-testid="extend-seconds"]', '1.5');
  await p.click('[data-testid="act-extend"]');
  assert.equal(await said(p, 'act-extend'), '"1.5" is not a whole number of seconds');
  await p.fill('[data-testid="extend-seconds"]', '120');
  await p.click('[data-testid="act-extend"]');
  assert.equal(await said(p, 'act-extend'), 'extended by 120 s');
  const t1 = Date.now();
  while ((await ends()) !== before + 120) {
    assert.ok(Date.now() - t1 < WAIT, `the indexer shows the new end (${await ends()}, was ${before})`);
    await new Promise((r) => setTimeout(r, 300));
  }
  await p.click('[data-testid="act-terminate"]');
  assert.equal(await said(p, 'act-terminate'), 'terminated: the unused time is refunded');
  await p.waitForFunction(() => document.querySelector('[data-testid="task-status"] [data-status]')?.dataset.status !== 'assigned', null, { timeout: WAIT });
  // its buttons are gone with the running service; what the last one said stays
  await p.waitForFunction(() => !document.querySelector('[data-testid="act-terminate"]'), null, { timeout: WAIT });
  assert.equal(await said(p, 'act-terminate'), 'terminated: the unused time is refunded');
  const t = await api(`/api/tasks/${id}`);
  assert.notEqual(t.status, 'assigned');
  assert.ok(BigInt(t.refunded) > 0n, `refunded ${t.refunded}`);
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('a provider stakes and claims its earnings from its page', async () => {
  const [replica] = completed.replicas;
  const owner = replica.provider;
  const p = await walletPage(owner);
  await p.goto(`${devnet.url}/providers/${owner}`);
  await connect(p);
  await p.waitForSelector('[data-testid="provider-actions"]', { timeout: WAIT });
  const before = BigInt((await api(`/api/providers/${owner}`)).stake);
  await p.fill('[data-testid="stake-amount"]', '10');
  await p.click('[data-testid="act-stake"]');
  assert.equal(await said(p, 'act-stake'), 'staked 10 SWAN');
  const ten = 10n * 10n ** 18n;
  const t0 = Date.now();
  while (BigInt((await api(`/api/providers/${owner}`)).stake) !== before + ten) {
    assert.ok(Date.now() - t0 < WAIT, 'the indexer shows the stake');
    await new Promise((r) => setTimeout(r, 300));
  }
  // the earnings of the task it completed, claimed once
  await p.click('[data-testid="act-claim"]');
  assert.match(await said(p, 'act-claim'), /^claimed \d[\d,]*(\.\d+)? SWAN$/);
  assert.notEqual(await said(p, 'act-claim'), 'claimed 0 SWAN');
  await p.click('[data-testid="act-claim"]');
  await p.waitForFunction(() => /nothing/i.test(document.querySelector('[data-testid="act-claim-said"]').textContent), null, { timeout: WAIT });
  // bad input: said, nothing sent
  await p.fill('[data-testid="unstake-amount"]', 'abc');
  await p.click('[data-testid="act-unstake"]');
  assert.equal(await said(p, 'act-unstake'), '"abc" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001');
  await shot(p, 'provider-actions');
  const phone = await walletPage(owner, { width: 390, height: 844 });
  await phone.goto(`${devnet.url}/providers/${owner}`);
  await connect(phone);
  await phone.waitForSelector('[data-testid="provider-actions"]', { timeout: WAIT });
  const [scroll, inner] = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= inner, `the provider page is ${scroll} px wide on a ${inner} px screen`);
  await shot(phone, 'phone-provider-actions');
  await phone.goto(`${devnet.url}/new`);
  await phone.waitForSelector('[data-testid="spec-text"]', { timeout: WAIT });
  await shot(phone, 'phone-new-task');
  assert.deepEqual(p.errors, []);
  assert.deepEqual(phone.errors, []);
  await phone.close();
  await p.close();
});
