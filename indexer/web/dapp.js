// The explorer as a dApp: the wallet, the actions on tasks and stakes, and the new-task page. A
// classic script loaded before app.js, sharing its global scope: it calls app.js's helpers (h,
// fill, facts, swan, route, …) only when the page runs, never while loading.
'use strict';
// ---- wallet ---------------------------------------------------------------------------------
// A browser wallet (EIP-1193, `window.ethereum`) signs; the SDK (bundled as /assets/swan-sdk.js)
// builds every call from the published ABI, simulates it first and says a refusal in the CLI's
// words. The page never holds a key.

let wallet = null; // { swan, address } once connected

async function connectWallet() {
  if (!window.ethereum) {
    throw new Error('no browser wallet found: install an EIP-1193 wallet (MetaMask, Rabby, …) to create tasks and act on them');
  }
  const [account] = await window.ethereum.request({ method: 'eth_requestAccounts' });
  if (!account) throw new Error('the wallet shared no account');
  const chainId = parseInt(await window.ethereum.request({ method: 'eth_chainId' }), 16);
  if (chainId !== Number(info.chain_id)) {
    throw new Error(`the wallet is on chain ${chainId}: switch it to chain ${info.chain_id}, this market's`);
  }
  const swan = await window.SwanSdk.Swan.connect({
    provider: window.ethereum, market: info.market, api: location.origin, account, pollingIntervalMs: 500,
  });
  wallet = { swan, address: account.toLowerCase() };
  followWallet();
  renderWallet();
  route();
}

let following = false;

/** Follow the wallet: another account is connected in its place (or none: disconnected); another
 * chain disconnects with a sentence saying which chain to switch back to. */
function followWallet() {
  if (following || typeof window.ethereum.on !== 'function') return;
  following = true;
  const lost = (e) => {
    wallet = null;
    renderWallet();
    route();
    if (e) document.querySelector('[data-testid="wallet-error"]').textContent = e.message;
  };
  window.ethereum.on('accountsChanged', (accounts) => {
    if (!accounts || !accounts[0]) { lost(); return; }
    wallet = null;
    connectWallet().catch(lost);
  });
  window.ethereum.on('chainChanged', () => {
    wallet = null;
    connectWallet().catch(lost);
  });
}

function renderWallet() {
  const el = document.getElementById('wallet');
  if (!el) return;
  const said = h('span', { class: 'search-error', role: 'alert', 'data-testid': 'wallet-error' });
  if (wallet) {
    fill(el, h('span', { class: 'mono', title: wallet.address, 'data-testid': 'wallet-address' }, short(wallet.address)));
    return;
  }
  fill(el, h('button', { type: 'button', 'data-testid': 'connect-wallet', onclick: () => connectWallet().catch((e) => { said.textContent = e.message; }) }, 'Connect wallet'), said);
}

/** Draw a page's wallet actions (`frame.actions`) again when what they offer (`key`) changes —
 * not while one is in flight (what it says would land in a detached element), and keeping what a
 * finished one said when its button goes (a cancelled task offers no Cancel; "cancelled" stays). */
function redrawActions(frame, key, build) {
  if (frame.actionsKey === key || frame.actions.querySelector('button:disabled')) return;
  const said = [...frame.actions.querySelectorAll('[data-testid$="-said"]')].filter((e) => e.textContent !== '');
  frame.actionsKey = key;
  fill(frame.actions, build());
  for (const e of said) {
    if (!frame.actions.querySelector(`[data-testid="${e.dataset.testid}"]`)) {
      frame.actions.append(h('p', { class: e.className, role: 'status', 'data-testid': e.dataset.testid }, e.textContent));
    }
  }
}

/** A wallet action: a button (and inputs) that run `act` and say what happened. */
function action(label, testid, act, inputs = []) {
  const said = h('span', { class: 'note', 'data-testid': `${testid}-said`, role: 'status' });
  const button = h('button', { type: 'button', 'data-testid': testid, onclick: async () => {
    button.disabled = true;
    said.className = 'note';
    said.textContent = 'waiting for the wallet and the chain…';
    try {
      said.textContent = (await act()) || 'done';
    } catch (e) {
      said.className = 'error-inline';
      said.textContent = wallet ? await wallet.swan.explain(e) : e.message;
    } finally {
      button.disabled = false;
    }
  } }, label);
  return h('div', { class: 'action' }, inputs, button, said);
}

function amountInput(testid, placeholder) {
  return h('input', { 'data-testid': testid, placeholder, inputmode: 'decimal', autocomplete: 'off', size: 10 });
}

/** `text` (SWAN, e.g. "12.5") as wei, or a sentence. */
function amountOf(text) {
  const t = String(text || '').trim();
  if (!/^\d+(\.\d{1,18})?$/.test(t)) throw new Error(`"${t}" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001`);
  return window.SwanSdk.parseSwan(t);
}

/** The submitter's actions on its task, by its state. */
function taskActions(t) {
  if (!wallet || wallet.address !== t.submitter.toLowerCase()) return null;
  const id = BigInt(t.task_id);
  const list = [];
  if (t.status === 'open') list.push(action('Cancel the task', 'act-cancel', async () => { await wallet.swan.cancelTask(id); return 'cancelled: the escrow is back in your market balance'; }));
  if (t.status === 'assigned' && t.mode === 'service') {
    const secs = h('input', { 'data-testid': 'extend-seconds', placeholder: 'seconds', inputmode: 'numeric', size: 8 });
    list.push(action('Extend', 'act-extend', async () => {
      const n = Number(secs.value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`"${secs.value}" is not a whole number of seconds`);
      await wallet.swan.extendService(id, n);
      return `extended by ${n} s`;
    }, [secs]));
    list.push(action('Terminate now', 'act-terminate', async () => { await wallet.swan.terminateService(id); return 'terminated: the unused time is refunded'; }));
  }
  if (!list.length) return null;
  return h('section', { class: 'box', 'data-testid': 'task-actions' }, h('h2', {}, 'Your task'), list);
}

/** A provider owner's actions on its stake and earnings. */
function providerActions(p) {
  if (!wallet || wallet.address !== p.address.toLowerCase()) return null;
  const stake = amountInput('stake-amount', 'SWAN');
  const unstake = amountInput('unstake-amount', 'SWAN');
  return h('section', { class: 'box', 'data-testid': 'provider-actions' }, h('h2', {}, 'Your stake and earnings'),
    action('Stake', 'act-stake', async () => { const a = amountOf(stake.value); await wallet.swan.stake(a); return `staked ${swan(a)}`; }, [stake]),
    action('Unstake', 'act-unstake', async () => { const a = amountOf(unstake.value); await wallet.swan.unstake(a); return `unbonding ${swan(a)}`; }, [unstake]),
    action('Withdraw unbonded stake', 'act-withdraw-stake', async () => { await wallet.swan.withdrawStake(); return 'withdrawn'; }),
    action('Claim earnings', 'act-claim', async () => {
      const r = await wallet.swan.claim();
      const ev = window.SwanSdk.claimedAmount(r);
      return `claimed ${swan(ev)}`;
    }));
}

// ---- a new task -------------------------------------------------------------------------------

function newTask(root) {
  const text = h('textarea', { 'data-testid': 'spec-text', rows: 14, spellcheck: 'false', placeholder: 'kind: batch\nrun: …  (a task spec: see examples/specs/)' });
  const file = h('input', { type: 'file', accept: '.yaml,.yml,text/yaml', 'data-testid': 'spec-file', onchange: async () => { if (file.files[0]) text.value = await file.files[0].text(); } });
  const uriIn = h('input', { 'data-testid': 'spec-uri', placeholder: 'https://… or ipfs://… where the spec is published', autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', { 'data-testid': 'spec-check' });
  root.append(h('h1', {}, 'New task'),
    h('section', { class: 'box' },
      h('p', { class: 'note' }, 'Paste or upload a task spec, say where it is published (the keeper and the providers fetch it there; its hash goes on chain), check it, and create it with your wallet. The spec is read by the same parser as swan task create.'),
      h('div', { class: 'spec-form' }, text, h('label', {}, 'or upload ', file), h('label', {}, 'Published at ', uriIn)),
      wallet ? h('div', {},
        action('Check', 'act-check', async () => {
          const c = await wallet.swan.checkSpec(text.value, { uri: uriIn.value.trim() });
          out.replaceChildren(facts([
            ['Name', c.name || '—', 'check-name'], ['Kind', c.kind], ['Spec hash', h('code', {}, c.hash)],
            ['Escrow', swan(c.escrow), 'check-escrow'], ['Replicas', c.request.replicas],
            ['Assign by', when(c.request.assignBy)],
          ]));
          return 'the spec is good';
        }),
        action('Create the task', 'act-create', async () => {
          const r = await wallet.swan.createTask(text.value, { uri: uriIn.value.trim() });
          const id = `0x${r.taskId.toString(16).padStart(64, '0')}`;
          navigate(`/tasks/${id}`);
          return `created ${id}`;
        }))
        : h('p', { class: 'note', 'data-testid': 'needs-wallet' }, 'Connect a wallet (top right) to check and create the task.'),
      out));
  return { async refresh() {} };
}
