// The SDK against a real devnet (`swan devnet`: anvil, the contracts, the indexer, the keeper and
// four provider agents), with Node's test runner: the whole life of a batch task and of a
// service, a cancel and a withdrawal, a provider's stake, unstake and claim, and refusals in the
// CLI's words. The agents are told to leave their earnings in the market
// (`--claim-every-secs 86400`) so that the SDK's claim is the one that moves them.
//
// Run: npm test --workspace sdk   (scripts/test does, after building target/debug/swan)

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { type Address, type Hex, keccak256, parseEventLogs, toBytes } from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';

import { Swan, SwanError, claimedAmount, deployments, parseSwan, swanMarketAbi, swanRegistryAbi } from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SWAN = process.env.SWAN_BIN ?? path.join(ROOT, 'target/debug/swan');
const WAIT = 120_000;
const MNEMONIC = 'test test test test test test test test test test test junk';

const IMPOSSIBLE = `kind: batch
name: sdk-impossible
run: { command: "true" }
resources: { cpu: 64, gpu: { model: H100, count: 8, memory_gib: 80 } }
deadline: { assign_within: 10m, result_within: 20m, settle_within: 10m }
price: { cap: "5" }
verification: { mode: keeper_attested }
`;

const SERVICE = `kind: service
name: sdk-service
run: { command: sleep, args: ["3600"] }
resources: { cpu: 1 }
region: us
deadline: { assign_within: 1m }
duration: 10m
price: { cap: "0.0001" }
verification: { mode: service_health, health: { path: /health, interval_secs: 2, timeout_ms: 1000, grace_secs: 600 } }
`;

interface Devnet {
  child: ChildProcess;
  dir: string;
  rpc: string;
  api: string;
  market: Address;
  submitterKey: Hex;
  providers: Record<string, Address>;
}

let devnet: Devnet;
let sub: Swan; // the submitter's connection

function readDevnet(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const timer = setTimeout(() => reject(new Error(`devnet not up in 180 s:\n${lines.join('\n')}`)), 180_000);
    child.on('exit', (code) => reject(new Error(`swan devnet exited (${code}):\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.startsWith('logs')) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  });
}

function field(lines: string[], prefix: string): string {
  const l = lines.find((x) => x.startsWith(prefix));
  assert.ok(l, `${prefix} in ${lines.join('\n')}`);
  return l.slice(prefix.length).trim();
}

/** A spec written where the devnet's keeper and agents read `file://` URIs; its URI. */
function publish(name: string, text: string): string {
  const file = path.join(devnet.dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return `file://${file}`;
}

/** A connection signing with the anvil account that owns `address` (a provider's owner). */
async function as(address: Address): Promise<Swan> {
  for (let i = 0; i < 30; i++) {
    const account = mnemonicToAccount(MNEMONIC, { addressIndex: i });
    if (account.address.toLowerCase() === address.toLowerCase()) {
      return Swan.connect({ rpcUrl: devnet.rpc, market: devnet.market, api: devnet.api, account });
    }
  }
  throw new Error(`${address} is none of anvil's first 30 accounts`);
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < WAIT) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not within ${WAIT / 1000} s; last ${JSON.stringify(last, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
}

/** The SwanError `p` rejects with. */
async function refused(p: Promise<unknown>): Promise<SwanError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SwanError, `a SwanError, got ${e}`);
    return e;
  }
  assert.fail('the call went through');
}

before(async () => {
  assert.ok(fs.existsSync(SWAN), `${SWAN} is missing: run cargo build -p swan first (scripts/test does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swan-sdk-'));
  const child = spawn(
    SWAN,
    ['devnet', '--port', '0', '--indexer-port', '0', '--keeper-port', '0', '--claim-every-secs', '86400', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' } },
  );
  const lines = await readDevnet(child);
  const providers: Record<string, Address> = {};
  for (const n of ['p1', 'p2', 'p3', 'p4']) providers[n] = field(lines, `provider ${n}`).split(/\s+/)[0] as Address;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  devnet = {
    child,
    dir,
    rpc: field(lines, 'rpc').split(/\s+/)[0],
    api: field(lines, 'explorer').split(/\s+/)[0].replace(/\/$/, ''),
    market: manifest.market,
    submitterKey: field(lines, 'submitter').match(/SWAN_PRIVATE_KEY=(0x[0-9a-f]+)/)![1] as Hex,
    providers,
  };
  sub = await Swan.connect({
    rpcUrl: devnet.rpc,
    market: devnet.market,
    api: devnet.api,
    account: privateKeyToAccount(devnet.submitterKey),
  });
});

after(async () => {
  if (!devnet) return;
  // the devnet's children (anvil, indexer, keeper, agents) stop with it
  devnet.child.kill('SIGINT');
  await new Promise((r) => {
    devnet.child.once('exit', r);
    setTimeout(r, 10_000);
  });
  fs.rmSync(devnet.dir, { recursive: true, force: true });
});

test('the devnet is where the published deployment says, and the SDK reads its registry and token', () => {
  assert.equal(devnet.market.toLowerCase(), deployments.devnet.market);
  assert.equal(sub.registry.toLowerCase(), deployments.devnet.registry);
  assert.equal(sub.token.toLowerCase(), deployments.devnet.token);
});

test('a batch task from a spec: its id from the receipt, assigned, completed, paid; its provider claims', async () => {
  const text = fs.readFileSync(path.join(ROOT, 'examples/specs/sum.yaml'), 'utf8');
  const uri = publish('sdk-sum', text);
  const created = await sub.createTask(text, { uri });
  // the id the chain gave: submitter << 96 | n, and the task is the submitter's
  assert.equal(created.taskId >> 96n, BigInt(sub.me));
  assert.equal(created.spec.hash, keccak256(toBytes(text)));
  const logged = parseEventLogs({ abi: swanMarketAbi, eventName: 'TaskCreated', logs: created.receipt.logs });
  assert.equal(logged[0].args.taskId, created.taskId);
  assert.equal(logged[0].args.request.specURI, uri);
  assert.equal(logged[0].args.escrow, BigInt(created.spec.escrow));

  const done = await until('the task completed', () => sub.getTask(created.taskId), (t) => t.status === 'completed' || t.status === 'failed');
  assert.equal(done.status, 'completed');
  assert.equal(done.submitter, sub.me);
  assert.equal(done.mode, 'keeper_attested');
  const replica = await sub.getReplica(created.taskId, 0);
  assert.equal(replica.status, 'paid');

  // the provider's owner moves its earnings to its beneficiary, all of them, once
  const provider = await as(replica.provider);
  const earned = (await provider.account(replica.provider)).earned;
  assert.ok(earned > 0n, 'the provider earned something');
  const receipt = await provider.claim();
  const [claimed] = parseEventLogs({ abi: swanMarketAbi, eventName: 'EarningsClaimed', logs: receipt.logs });
  assert.equal(claimed.args.provider, replica.provider);
  assert.equal(claimed.args.amount, earned);
  assert.equal(claimedAmount(receipt), earned);
  assert.equal((await provider.account(replica.provider)).earned, 0n);
  const again = await refused(provider.claim());
  assert.equal(again.errorName, 'NothingToWithdraw');
  assert.match(again.message, /^claimEarnings: /);
});

test('a service from a spec: assigned, extended, terminated early with a refund', async () => {
  const created = await sub.createTask(SERVICE, { uri: publish('sdk-service', SERVICE) });
  await until('the service assigned', () => sub.getTask(created.taskId), (t) => t.status === 'assigned');
  const before = await sub.serviceWindow(created.taskId);
  assert.ok(before.endsAt > before.startedAt);
  const extended = await sub.extendService(created.taskId, 30);
  const [change] = parseEventLogs({ abi: swanMarketAbi, eventName: 'ServiceEndChanged', logs: extended.logs });
  assert.equal(change.args.taskId, created.taskId);
  assert.equal((await sub.serviceWindow(created.taskId)).endsAt, before.endsAt + 30n);
  const balance = await sub.balanceOf(sub.me);
  const ended = await sub.terminateService(created.taskId);
  const [end] = parseEventLogs({ abi: swanMarketAbi, eventName: 'ServiceEndChanged', logs: ended.logs });
  assert.ok(end.args.refund > 0n, 'the unused time is refunded');
  assert.equal(await sub.balanceOf(sub.me), balance + end.args.refund);
  assert.equal((await sub.getTask(created.taskId)).status, 'completed');
  // a finished service cannot be extended: the CLI's sentence
  const late = await refused(sub.extendService(created.taskId, 30));
  assert.equal(late.errorName, 'WrongTaskStatus');
  assert.match(late.message, /^extendService: task 0x[0-9a-f]+ is completed: this cannot be done to a task that is completed/);
});

test('an open task is cancelled, and its escrow withdrawn from the market', async () => {
  const created = await sub.createTask(IMPOSSIBLE, { uri: publish('sdk-impossible', IMPOSSIBLE) });
  assert.equal((await sub.getTask(created.taskId)).status, 'open');
  const credit = await sub.balanceOf(sub.me);
  await sub.cancelTask(created.taskId);
  assert.equal((await sub.getTask(created.taskId)).status, 'cancelled');
  const escrow = BigInt(created.spec.escrow);
  assert.equal(await sub.balanceOf(sub.me), credit + escrow);
  const tokens = await sub.tokenBalance(sub.me);
  await sub.withdraw(escrow);
  assert.equal(await sub.tokenBalance(sub.me), tokens + escrow);
  assert.equal(await sub.balanceOf(sub.me), credit);
  // cancelling it again, or someone else's open task
  const twice = await refused(sub.cancelTask(created.taskId));
  assert.equal(twice.errorName, 'WrongTaskStatus');
  const other = await sub.createTask(IMPOSSIBLE, { uri: publish('sdk-impossible-3', IMPOSSIBLE) });
  const stranger = await as(devnet.providers.p1);
  const theirs = await refused(stranger.cancelTask(other.taskId));
  assert.equal(theirs.errorName, 'NotSubmitter');
  assert.equal(theirs.message, "cancelTask: only the task's submitter may do this: sign with the key that created the task");
  assert.equal((await sub.getTask(other.taskId)).status, 'open');
  await sub.cancelTask(other.taskId);
});

test('a provider stakes and unstakes; withdrawing before the unbonding delay is refused in words', async () => {
  const owner = devnet.providers.p2;
  const p = await as(owner);
  const free = await p.freeCollateral(owner);
  const ten = parseSwan('10');
  await p.stake(ten);
  assert.equal(await p.freeCollateral(owner), free + ten);
  const unstaked = await p.unstake(ten);
  const [requested] = parseEventLogs({ abi: swanRegistryAbi, eventName: 'WithdrawalRequested', logs: unstaked.logs });
  assert.equal(requested.args.amount, ten);
  assert.equal(await p.freeCollateral(owner), free);
  const early = await refused(p.withdrawStake());
  assert.equal(early.errorName, 'StillUnbonding');
  assert.match(early.message, /^withdrawCollateral: the stake is still unbonding: it can be withdrawn from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  // more than the owner holds: refused before anything is sent
  const tooMuch = await refused(p.stake(parseSwan('100000000')));
  assert.match(tooMuch.message, /^staking 100000000 SWAN needs that many tokens/);
});

test("refusals are the CLI's: a bad spec word for word, a task nobody can pay for, a reveal in the wrong mode", async () => {
  // the same bad spec through the CLI and through the SDK
  const bad = fs.readFileSync(path.join(ROOT, 'examples/specs/sum.yaml'), 'utf8').replace('kind: batch', 'kind: cron');
  const file = path.join(devnet.dir, 'sdk-bad.yaml');
  fs.writeFileSync(file, bad);
  let cli = '';
  try {
    execFileSync(SWAN, ['task', 'create', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWAN_CONFIG: path.join(devnet.dir, 'swan.toml'), SWAN_PRIVATE_KEY: devnet.submitterKey, NO_COLOR: '1' },
    });
    assert.fail('the CLI created a task from a bad spec');
  } catch (e) {
    cli = String((e as { stderr?: string }).stderr ?? e);
  }
  const sdk = await refused(sub.createTask(bad, { uri: `file://${file}` }));
  assert.match(sdk.message, /kind/);
  assert.ok(cli.includes(sdk.message), `the CLI says ${JSON.stringify(cli)}; the SDK ${JSON.stringify(sdk.message)}`);

  // a signer with nothing: refused before anything is sent, with what is missing
  const broke = await Swan.connect({
    rpcUrl: devnet.rpc,
    market: devnet.market,
    api: devnet.api,
    account: privateKeyToAccount(generatePrivateKey()),
  });
  const poor = await refused(broke.createTask(IMPOSSIBLE, { uri: publish('sdk-poor', IMPOSSIBLE) }));
  assert.match(poor.message, /^createTask: it takes 5 SWAN and 0x[0-9a-fA-F]{40} has 0 SWAN in the market and 0 SWAN of the token: get 5 SWAN more$/);

  // revealing an answer for a task that has none
  const open = await sub.createTask(IMPOSSIBLE, { uri: publish('sdk-impossible-2', IMPOSSIBLE) });
  const zero = `0x${'00'.repeat(32)}` as Hex;
  const wrong = await refused(sub.revealAnswer(open.taskId, zero, zero));
  assert.equal(wrong.errorName, 'WrongTaskStatus', wrong.message);
  assert.equal(await sub.explain(wrong), wrong.message);
  await sub.cancelTask(open.taskId);

  // an API that is not there: said, with what to do
  const nowhere = await Swan.connect({ rpcUrl: devnet.rpc, market: devnet.market, api: 'http://127.0.0.1:9', account: privateKeyToAccount(devnet.submitterKey) });
  const down = await refused(nowhere.checkSpec(IMPOSSIBLE, { uri: 'ipfs://x' }));
  assert.match(down.message, /^the indexer's API at http:\/\/127\.0\.0\.1:9 does not answer/);
  // a market that is not one
  await assert.rejects(
    Swan.connect({ rpcUrl: devnet.rpc, market: '0x000000000000000000000000000000000000dEaD', api: devnet.api }),
    /does not answer as a Swan market/,
  );
});
