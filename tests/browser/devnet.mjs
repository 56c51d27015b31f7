// What the browser tests share: the paths, a real `swan devnet` started and read, Chromium, and
// screenshots. Not a test file itself (node --test runs only *.test.mjs here).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SWAN = process.env.SWAN_BIN || path.join(ROOT, 'target/debug/swan');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.SWAN_SCREENSHOTS || path.join(ROOT, 'target/explorer-screenshots');
/** The longest a chain transition may take here (blocks are 1 s). */
export const WAIT = 120_000;

function readDevnet(child) {
  return new Promise((resolve, reject) => {
    const lines = [];
    const timer = setTimeout(() => reject(new Error(`devnet not up in 180 s:\n${lines.join('\n')}`)), 180_000);
    child.on('exit', (code) => reject(new Error(`swan devnet exited (${code}):\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (l) => {
      lines.push(l);
      if (l.startsWith('logs')) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  });
}

function field(lines, prefix) {
  const l = lines.find((x) => x.startsWith(prefix));
  assert.ok(l, `${prefix} in ${lines.join('\n')}`);
  return l.slice(prefix.length).trim();
}

/**
 * A `swan devnet` on free ports in a fresh directory, with `args` added, once it is up:
 * { child, dir, url (the explorer), rpc (anvil), key and submitter, providers: {p1: addr, …} }.
 */
export async function startDevnet(name, args = []) {
  assert.ok(fs.existsSync(SWAN), `${SWAN} is missing: run cargo build -p swan first (scripts/test does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `swan-${name}-`));
  const child = spawn(SWAN, ['devnet', '--port', '0', '--indexer-port', '0', '--keeper-port', '0', '--providers', '4', ...args, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines = await readDevnet(child);
  const providers = {};
  for (const n of ['p1', 'p2', 'p3', 'p4']) providers[n] = field(lines, `provider ${n}`).split(/\s+/)[0];
  return {
    child,
    dir,
    url: field(lines, 'explorer').split(/\s+/)[0].replace(/\/$/, ''),
    rpc: field(lines, 'rpc').split(/\s+/)[0],
    key: field(lines, 'submitter').match(/SWAN_PRIVATE_KEY=(0x[0-9a-f]+)/)[1],
    submitter: field(lines, 'submitter').split(/\s+/)[0],
    providers,
  };
}

/** Stop a devnet (its children — anvil, indexer, keeper, agents — stop with it) and remove its directory. */
export async function stopDevnet(devnet) {
  if (!devnet) return;
  devnet.child.kill('SIGINT');
  await new Promise((r) => { devnet.child.once('exit', r); setTimeout(r, 10_000); });
  fs.rmSync(devnet.dir, { recursive: true, force: true });
}

/** Debian's Chromium, headless. */
export function launchBrowser() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A full-page screenshot of `p` as `target/explorer-screenshots/{name}.png`. */
export async function shot(p, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
