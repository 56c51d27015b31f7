// The Swan orchestrator's TypeScript SDK: every action a submitter or a provider takes on the
// contracts, typed by the published ABI (viem infers each argument from `abi.ts`), with
//  - specs read by the indexer's `POST /api/specs/check` — `swan task create`'s own parser, so a
//    task created here is the task the CLI would create and a refusal is the CLI's sentence;
//  - ids read from the receipt's `TaskCreated` event, never predicted;
//  - every call simulated first, and a revert explained in the CLI's words (`/api/explain`);
//  - payments as the CLI makes them: the market balance first, then exactly the missing tokens
//    approved for the one call, the allowance put back afterwards.

import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  formatUnits,
  http,
  keccak256,
  parseEventLogs,
  parseUnits,
  toBytes,
} from 'viem';

import { devTokenAbi, swanMarketAbi, swanRegistryAbi } from './abi.js';
import { modes, replicaStatus, taskStatus } from './names.js';

export { devTokenAbi, swanMarketAbi, swanRegistryAbi } from './abi.js';
export { deployments } from './deployments.js';
export { modes, providerStatus, replicaStatus, taskStatus } from './names.js';

/** The token's decimals (SWAN and the devnet token). */
export const DECIMALS = 18;

/** `"1.5"` SWAN in the token's smallest unit. */
export function parseSwan(amount: string): bigint {
  return parseUnits(amount, DECIMALS);
}

/** An amount in the token's smallest unit as SWAN, e.g. `"1.5 SWAN"`. */
export function formatSwan(amount: bigint): string {
  return `${formatUnits(amount, DECIMALS)} SWAN`;
}

/** Something the contracts, the API or the SDK refused, in one sentence that says what to do. */
export class SwanError extends Error {
  /** The contract error's name (`InsufficientBalance`), when the chain refused. */
  readonly errorName?: string;
  /** The revert data, when the chain refused. */
  readonly data?: Hex;
  constructor(message: string, opts: { errorName?: string; data?: Hex } = {}) {
    super(message);
    this.name = 'SwanError';
    this.errorName = opts.errorName;
    this.data = opts.data;
  }
}

/** The `createTask` request, as `POST /api/specs/check` builds it. */
export interface TaskRequest {
  mode: number;
  replicas: number;
  quorum: number;
  collateralPct: number;
  paramsVersion: number;
  price: string;
  assignBy: number;
  resultBy: number;
  settleBy: number;
  specHash: Hex;
  answerCommit: Hex;
  requirements: {
    cpuCores: number;
    memoryGiB: number;
    storageGiB: number;
    gpuCount: number;
    gpuMemoryGiB: number;
    gpuModel: Hex;
  };
  region: Hex;
  specURI: string;
}

/** A spec the CLI would create: its hash, escrow and request. */
export interface SpecCheck {
  hash: Hex;
  name: string | null;
  kind: 'batch' | 'service';
  /** What `createTask` takes, in the token's smallest unit (decimal). */
  escrow: string;
  request: TaskRequest;
}

/** A task as the contract stores it, with its enum values named. */
export interface Task {
  id: bigint;
  submitter: Address;
  status: (typeof taskStatus)[number];
  mode: (typeof modes)[number];
  replicas: number;
  quorum: number;
  paramsVersion: number;
  collateralPct: number;
  assignBy: number;
  resultBy: number;
  settleBy: number;
  price: bigint;
}

/** A replica of a task. */
export interface Replica {
  provider: Address;
  status: (typeof replicaStatus)[number];
  price: bigint;
}

export interface SwanOptions {
  /** The chain's JSON-RPC endpoint (or give `provider`). */
  rpcUrl?: string;
  /** An EIP-1193 provider (a browser wallet's `window.ethereum`): reads and signing go through it. */
  provider?: EIP1193Provider;
  /** The market contract (`deployments.devnet.market` on a devnet). */
  market: Address;
  /** The indexer's API (`http://127.0.0.1:8080` on a devnet): specs and sentences. */
  api: string;
  /** The signer: a local account, or the address of an account the `provider` (a wallet)
   * signs for. Reads work without one. */
  account?: Account | Address;
  /** The chain, for wallets that want it (optional). */
  chain?: Chain;
  /** How often to look for a receipt, in milliseconds (default 1,000; Swan Chain's blocks
   * come every few seconds, a devnet's every second). */
  pollingIntervalMs?: number;
}

/** A connection to one deployment of the market. */
export class Swan {
  readonly public: PublicClient;
  readonly wallet?: WalletClient<Transport, Chain | undefined, Account>;
  readonly market: Address;
  readonly registry: Address;
  readonly token: Address;
  readonly api: string;

  private constructor(
    pub: PublicClient,
    wallet: WalletClient<Transport, Chain | undefined, Account> | undefined,
    addrs: { market: Address; registry: Address; token: Address },
    api: string,
  ) {
    this.public = pub;
    this.wallet = wallet;
    this.market = addrs.market;
    this.registry = addrs.registry;
    this.token = addrs.token;
    this.api = api.replace(/\/$/, '');
  }

  /** Connect, reading the registry and the token from the market. */
  static async connect(o: SwanOptions): Promise<Swan> {
    const pollingInterval = o.pollingIntervalMs ?? 1_000;
    if (!o.provider && !o.rpcUrl) throw new SwanError('give rpcUrl (a JSON-RPC endpoint) or provider (a wallet)');
    const transport = () => (o.provider ? custom(o.provider) : http(o.rpcUrl));
    const where = o.rpcUrl ?? 'the wallet\'s chain';
    // the chain the endpoint serves, when none is given: a wallet signing for an account it
    // holds (`eth_sendTransaction`) is checked against it
    const chain =
      o.chain ??
      defineChain({
        id: await createPublicClient({ transport: transport() })
          .getChainId()
          .catch((e: unknown) => {
            throw new SwanError(`${where} does not answer (${short(e)}): check the RPC URL or the wallet`);
          }),
        name: 'Swan market chain',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: o.rpcUrl ? [o.rpcUrl] : [] } },
      });
    const pub = createPublicClient({ chain, transport: transport(), pollingInterval });
    const wallet = o.account
      ? createWalletClient({ account: o.account, chain, transport: transport(), pollingInterval })
      : undefined;
    const read = (functionName: 'registry' | 'token') =>
      pub.readContract({ address: o.market, abi: swanMarketAbi, functionName }).catch((e: unknown) => {
        throw new SwanError(
          `${o.market} does not answer as a Swan market on ${where} (${short(e)}): check the market address and the RPC URL`,
        );
      });
    const [registry, token] = await Promise.all([read('registry'), read('token')]);
    return new Swan(pub as PublicClient, wallet, { market: o.market, registry, token }, o.api);
  }

  /** The signer's address. */
  get me(): Address {
    if (!this.wallet) throw new SwanError('this action signs a transaction: connect with an account');
    return this.wallet.account.address;
  }

  // ------------------------------------------------------------------ reads

  /** A task, as stored on chain. */
  async getTask(id: bigint): Promise<Task> {
    const [t, submitter] = await Promise.all([
      this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'getTask', args: [id] }),
      this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'submitterOf', args: [id] }),
    ]);
    if (t.status === 0) throw new SwanError(`there is no task ${hex(id)} on this market: check the id`);
    return {
      id,
      submitter,
      status: taskStatus[t.status],
      mode: modes[t.mode],
      replicas: t.replicas,
      quorum: t.quorum,
      paramsVersion: t.paramsVersion,
      collateralPct: t.collateralPct,
      assignBy: t.assignBy,
      resultBy: t.resultBy,
      settleBy: t.settleBy,
      price: t.price,
    };
  }

  /** One replica of a task. */
  async getReplica(id: bigint, replica: number): Promise<Replica> {
    const r = await this.public.readContract({
      address: this.market,
      abi: swanMarketAbi,
      functionName: 'getReplica',
      args: [id, BigInt(replica)],
    });
    return { provider: r.provider, status: replicaStatus[r.status], price: r.price };
  }

  /** A service's window: when it started and when it ends (unix seconds). */
  async serviceWindow(id: bigint): Promise<{ startedAt: bigint; endsAt: bigint }> {
    const [startedAt, endsAt] = await this.public.readContract({
      address: this.market,
      abi: swanMarketAbi,
      functionName: 'serviceWindow',
      args: [id],
    });
    return { startedAt, endsAt };
  }

  /** A provider's collateral free to back new tasks (bonded stake − locked). */
  freeCollateral(provider: Address): Promise<bigint> {
    return this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'freeCollateral', args: [provider] });
  }

  /** `who`'s balance inside the market (refunds, deposits). */
  balanceOf(who: Address): Promise<bigint> {
    return this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'balanceOf', args: [who] });
  }

  /** `who`'s tokens. */
  tokenBalance(who: Address): Promise<bigint> {
    return this.public.readContract({ address: this.token, abi: devTokenAbi, functionName: 'balanceOf', args: [who] });
  }

  /** A provider's account in the market (bonded, locked and unbonding collateral, earnings). */
  account(provider: Address) {
    return this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'getAccount', args: [provider] });
  }

  // ------------------------------------------------------------------ tasks

  /**
   * Read a spec as `swan task create` does (the indexer runs the CLI's parser): its hash, escrow
   * and the `createTask` request with deadlines from the chain's time. A refusal is the CLI's.
   */
  async checkSpec(spec: string, o: { uri: string; answerCommit?: Hex }): Promise<SpecCheck> {
    const [block, version] = await Promise.all([
      this.public.getBlock({ blockTag: 'latest' }),
      this.public.readContract({ address: this.market, abi: swanMarketAbi, functionName: 'paramsVersion' }),
    ]);
    const q = new URLSearchParams({ uri: o.uri, now: block.timestamp.toString(), params_version: String(version) });
    if (o.answerCommit) q.set('answer_commit', o.answerCommit);
    const r = await this.apiFetch(`/api/specs/check?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: spec,
    });
    const body = (await r.json()) as SpecCheck | { error: string };
    if (!r.ok || 'error' in body) throw new SwanError('error' in body ? body.error : `the API answered ${r.status}`);
    // the hash goes on chain: it must be this text's, whatever the API says
    const mine = keccak256(toBytes(spec));
    if (body.hash !== mine || body.request.specHash !== mine) {
      throw new SwanError(`the API hashed the spec as ${body.hash}, but its bytes hash to ${mine}: use another indexer`);
    }
    return body;
  }

  /**
   * Create a task from a spec published at `uri`; its id from the receipt's `TaskCreated`.
   * The escrow comes from the market balance first, then from the signer's tokens.
   */
  async createTask(
    spec: string,
    o: { uri: string; answerCommit?: Hex },
  ): Promise<{ taskId: bigint; hash: Hex; spec: SpecCheck; receipt: TransactionReceipt }> {
    const checked = await this.checkSpec(spec, o);
    const r = checked.request;
    const request = {
      ...r,
      price: BigInt(r.price),
    };
    const receipt = await this.paying('createTask', BigInt(checked.escrow), () =>
      this.send(this.market, swanMarketAbi, 'createTask', [request]),
    );
    const created = parseEventLogs({ abi: swanMarketAbi, eventName: 'TaskCreated', logs: receipt.logs }).filter(
      (l) => l.address.toLowerCase() === this.market.toLowerCase(),
    );
    if (created.length !== 1) {
      throw new SwanError(`createTask ${receipt.transactionHash} emitted ${created.length} TaskCreated events, not one`);
    }
    return { taskId: created[0].args.taskId, hash: receipt.transactionHash, spec: checked, receipt };
  }

  /** Cancel an open task: its escrow goes back to the submitter's market balance. */
  cancelTask(id: bigint) {
    return this.send(this.market, swanMarketAbi, 'cancelTask', [id]);
  }

  /** Run a service `extraSeconds` longer, paying for it from the market balance and tokens. */
  async extendService(id: bigint, extraSeconds: number) {
    const t = await this.getTask(id);
    const cost = t.price * BigInt(t.replicas) * BigInt(extraSeconds);
    return this.paying('extendService', cost, () =>
      this.send(this.market, swanMarketAbi, 'extendService', [id, extraSeconds]),
    );
  }

  /** End a service early (the providers are paid to now, with their notice). */
  terminateService(id: bigint) {
    return this.send(this.market, swanMarketAbi, 'terminateService', [id]);
  }

  /** Reveal a known-answer task's expected result and salt (what `--answer` committed to). */
  revealAnswer(id: bigint, expected: Hex, salt: Hex) {
    return this.send(this.market, swanMarketAbi, 'revealAnswer', [id, expected, salt]);
  }

  /** Move `amount` of the signer's market balance to `to` (default: the signer). */
  withdraw(amount: bigint, to?: Address) {
    return this.send(this.market, swanMarketAbi, 'withdraw', [amount, to ?? this.me]);
  }

  // ------------------------------------------------------------------ providers

  /** Add `amount` tokens to the signer's (a provider owner's) stake. */
  async stake(amount: bigint) {
    const held = await this.tokenBalance(this.me);
    if (held < amount) {
      throw new SwanError(
        `staking ${formatSwan(amount)} needs that many tokens, and ${this.me} has ${formatSwan(held)}: get ${formatSwan(amount - held)} more`,
      );
    }
    return this.approved(this.registry, amount, () =>
      this.send(this.registry, swanRegistryAbi, 'depositCollateral', [amount]),
    );
  }

  /** Start unbonding `amount` of stake (withdrawable after the unbonding delay). */
  unstake(amount: bigint) {
    return this.send(this.registry, swanRegistryAbi, 'requestWithdrawal', [amount]);
  }

  /** Withdraw the stake that finished unbonding, to `to` (default: the signer). */
  withdrawStake(to?: Address) {
    return this.send(this.registry, swanRegistryAbi, 'withdrawCollateral', [to ?? this.me]);
  }

  /** Move a provider's earnings to its beneficiary (anyone may call it). */
  claim(provider?: Address) {
    return this.send(this.market, swanMarketAbi, 'claimEarnings', [provider ?? this.me]);
  }

  // ------------------------------------------------------------------ errors

  /**
   * Any error of this SDK, viem or the chain as one sentence: a contract's refusal in the words
   * of the `swan` commands (the API's `/api/explain`, the CLI's decoder).
   */
  async explain(e: unknown): Promise<string> {
    if (e instanceof SwanError) return e.message;
    const data = revertData(e);
    if (data) return (await this.explainData(data)).sentence;
    return short(e);
  }

  /** Revert data in words, with the error's name. */
  async explainData(data: Hex): Promise<{ error?: string; sentence: string }> {
    try {
      const r = await this.apiFetch(`/api/explain?data=${data}`);
      if (r.ok) {
        const body = (await r.json()) as { error: string | null; sentence: string };
        return { error: body.error ?? undefined, sentence: body.sentence };
      }
    } catch {
      // the API is down: say what the chain said, undecoded
    }
    return { sentence: `the contract refused with ${data}` };
  }

  // ------------------------------------------------------------------ sending

  /** Estimate (which simulates), send, wait: a refusal is a SwanError in the CLI's words, before anything is sent. */
  private async send(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) {
    const wallet = this.wallet;
    if (!wallet) throw new SwanError(`${functionName} signs a transaction: connect with an account`);
    const call = { address, abi, functionName, args, account: wallet.account };
    // the estimate is the simulation: a refusal comes back from it with the contract's error,
    // before anything is signed. Headroom over it, as the CLI leaves: what a call costs can change
    // with the block it lands in (storage another transaction warmed or cleared), and a bare
    // estimate can run out of gas
    let gas: bigint;
    try {
      gas = await this.public.estimateContractGas(call as Parameters<PublicClient['estimateContractGas']>[0]);
    } catch (e) {
      throw await this.refusal(functionName, e);
    }
    const hash = await wallet.writeContract({
      ...call,
      chain: wallet.chain,
      gas: (gas * 5n) / 4n + 20_000n,
    } as Parameters<typeof wallet.writeContract>[0]);
    const receipt = await this.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new SwanError(
        `${functionName}: transaction ${hash} reverted in block ${receipt.blockNumber}: ${await this.whyReverted(
          { address, abi, functionName, args },
          receipt,
        )}`,
      );
    }
    return receipt;
  }

  /** Why a mined call reverted: out of gas, or the contract's refusal replayed on the state its
   * block started from. */
  private async whyReverted(
    call: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] },
    receipt: TransactionReceipt,
  ): Promise<string> {
    const tx = await this.public.getTransaction({ hash: receipt.transactionHash });
    if (receipt.gasUsed >= tx.gas) return `it ran out of gas (used all ${tx.gas})`;
    try {
      await this.public.simulateContract({
        ...call,
        account: this.wallet!.account,
        blockNumber: receipt.blockNumber - 1n,
      } as Parameters<PublicClient['simulateContract']>[0]);
      return 'an earlier transaction in its block changed what it read';
    } catch (e) {
      const data = revertData(e);
      return data ? (await this.explainData(data)).sentence : short(e);
    }
  }

  private async refusal(what: string, e: unknown): Promise<SwanError> {
    const data = revertData(e);
    if (!data) return new SwanError(`${what}: ${short(e)}`);
    const said = await this.explainData(data);
    return new SwanError(`${what}: ${said.sentence}`, { errorName: said.error, data });
  }

  /**
   * Run `call`, which takes up to `amount` from the signer: the market balance first, the rest
   * from its tokens, approved exactly for this call and put back after.
   */
  private async paying(what: string, amount: bigint, call: () => Promise<TransactionReceipt>) {
    const me = this.me;
    const credit = await this.balanceOf(me);
    const need = amount > credit ? amount - credit : 0n;
    if (need === 0n) return call();
    const held = await this.tokenBalance(me);
    if (held < need) {
      throw new SwanError(
        `${what}: it takes ${formatSwan(amount)} and ${me} has ${formatSwan(credit)} in the market and ${formatSwan(held)} of the token: get ${formatSwan(need - held)} more`,
      );
    }
    return this.approved(this.market, need, call);
  }

  /** Run `call` with `spender` allowed at least `need` of the signer's tokens, then put the allowance back. */
  private async approved(spender: Address, need: bigint, call: () => Promise<TransactionReceipt>) {
    const me = this.me;
    const allowance = () =>
      this.public.readContract({ address: this.token, abi: devTokenAbi, functionName: 'allowance', args: [me, spender] });
    const before = await allowance();
    if (before >= need) return call();
    await this.send(this.token, devTokenAbi, 'approve', [spender, need]);
    try {
      return await call();
    } finally {
      if ((await allowance()) !== before) await this.send(this.token, devTokenAbi, 'approve', [spender, before]);
    }
  }

  private async apiFetch(path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.api}${path}`, init);
    } catch (e) {
      throw new SwanError(`the indexer's API at ${this.api} does not answer (${short(e)}): start it, or pass its URL as \`api\``);
    }
  }
}

/** What a `claim` receipt moved to the beneficiary (its `EarningsClaimed` amount). */
export function claimedAmount(receipt: TransactionReceipt): bigint {
  const logs = parseEventLogs({ abi: swanMarketAbi, eventName: 'EarningsClaimed', logs: receipt.logs });
  return logs.reduce((sum, l) => sum + l.args.amount, 0n);
}

/** The revert data inside a viem error, if it is a contract's refusal. */
export function revertData(e: unknown): Hex | undefined {
  if (!(e instanceof BaseError)) return undefined;
  const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.raw) return reverted.raw;
  const withData = e.walk((x) => typeof (x as { data?: unknown }).data === 'string');
  const data = (withData as { data?: unknown } | null)?.data;
  return typeof data === 'string' && data.startsWith('0x') && data.length >= 10 ? (data as Hex) : undefined;
}

function hex(id: bigint): Hex {
  return `0x${id.toString(16)}`;
}

function short(e: unknown): string {
  if (e instanceof BaseError) return e.shortMessage;
  return e instanceof Error ? e.message : String(e);
}
