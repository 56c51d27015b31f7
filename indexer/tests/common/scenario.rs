//! A market and its registry driven through every event they can emit, by real transactions on
//! anvil: providers that register, update, pause, stake, unbond and withdraw; tasks of every mode
//! that pass, fail, are slashed, refunded, declined, cancelled and expired, batches that skip;
//! services claimed, extended, left with notice, terminated and failed; governance changes.
//! Tests index the chain afterwards and compare with the contracts.

use alloy::{
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, U256, Uint, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::SolValue,
};
use swan_contracts::{
    DeployConfig, DevToken, ISwanMarket, ISwanRegistry, MIN_ADMIN_DELAY, Manifest, SwanMarket,
    SwanRegistry, anvil_path, deploy, dev_wallet, registry::ISwanRegistry as Reg,
};

/// The actors and the chain.
pub(crate) struct Market {
    pub(crate) anvil: AnvilInstance,
    pub(crate) provider: DynProvider,
    pub(crate) manifest: Manifest,
    pub(crate) admin: Address,
    pub(crate) submitter: Address,
    pub(crate) owners: Vec<Address>,
    pub(crate) workers: Vec<Address>,
}

pub(crate) fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

use swan_contracts::{DEV_ANSWER as ANSWER, DEV_SALT as SALT};

impl Market {
    pub(crate) fn market(&self) -> SwanMarket::SwanMarketInstance<&DynProvider> {
        SwanMarket::new(self.manifest.market, &self.provider)
    }

    pub(crate) fn registry(&self) -> SwanRegistry::SwanRegistryInstance<&DynProvider> {
        SwanRegistry::new(self.manifest.registry, &self.provider)
    }

    /// Send and wait for the receipt by polling it (alloy's block heartbeat would wait forever
    /// for a block number it already saw once the chain is rewound by a reorg test).
    pub(crate) async fn send(&self, tx: TransactionRequest) {
        // the nonce from the latest block: anvil's "pending" count can outlive an evm_revert
        let from = tx.from.unwrap_or(self.admin);
        let nonce = self
            .provider
            .get_transaction_count(from)
            .block_id(alloy::eips::BlockId::latest())
            .await
            .unwrap();
        let tx = tx.from(from).nonce(nonce);
        let hash = *self
            .provider
            .send_transaction(tx.with_gas_limit(15_000_000))
            .await
            .unwrap()
            .tx_hash();
        for _ in 0..3_000 {
            if let Some(r) = self.provider.get_transaction_receipt(hash).await.unwrap() {
                assert!(r.status(), "transaction {hash} reverted");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("transaction {hash} was not mined within 30 s");
    }

    pub(crate) async fn warp(&self, seconds: u64) {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await
            .unwrap();
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_mine".into(), ())
            .await
            .unwrap();
    }

    pub(crate) async fn now(&self) -> u64 {
        self.provider
            .get_block_by_number(Default::default())
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp
    }

    pub(crate) async fn next_id(&self) -> U256 {
        let n = self.market().taskCount().call().await.unwrap() + U256::from(1);
        (U256::from_be_slice(self.submitter.as_slice()) << 96) | n
    }

    /// Create a task; returns its id.
    pub(crate) async fn create(&self, mode: u8, replicas: u8, salt: u64) -> U256 {
        self.create_spec(mode, replicas, salt, None).await
    }

    /// Create a task whose spec is `(hash, uri)` (by default `ipfs://spec-{salt}`, hashing to
    /// the salt's 8 big-endian bytes); returns its id.
    pub(crate) async fn create_spec(
        &self,
        mode: u8,
        replicas: u8,
        salt: u64,
        spec: Option<(B256, String)>,
    ) -> U256 {
        self.create_in(
            mode,
            replicas,
            salt,
            spec,
            B256::right_padding_from(b"us-east"),
        )
        .await
    }

    /// [`Market::create_spec`] in `region` (the submitter's 32 bytes, as sent).
    pub(crate) async fn create_in(
        &self,
        mode: u8,
        replicas: u8,
        salt: u64,
        spec: Option<(B256, String)>,
        region: B256,
    ) -> U256 {
        let id = self.next_id().await;
        let now = self.now().await;
        let dev = swan_contracts::dev_request(mode, replicas, now, salt);
        let (spec_hash, spec_uri) = spec.unwrap_or((dev.specHash, format!("ipfs://spec-{salt}")));
        let req = ISwanMarket::TaskRequest {
            collateralPct: 150,
            paramsVersion: self.market().paramsVersion().call().await.unwrap(),
            requirements: resources(4, 0),
            region,
            specHash: spec_hash,
            specURI: spec_uri,
            ..dev
        };
        self.send(
            self.market()
                .createTask(req)
                .from(self.submitter)
                .into_transaction_request(),
        )
        .await;
        id
    }

    pub(crate) async fn assign(&self, id: U256, owners: &[Address], price: U256) {
        self.send(
            self.market()
                .assign(id, owners.to_vec(), vec![price; owners.len()])
                .from(self.admin)
                .into_transaction_request(),
        )
        .await;
    }

    pub(crate) async fn submit(&self, id: U256, i: usize, result: B256) {
        self.send(
            self.market()
                .submitResult(id, U256::from(i), result, result_uri(i))
                .from(self.workers[i.min(2)])
                .into_transaction_request(),
        )
        .await;
    }

    pub(crate) async fn submit_as(&self, id: U256, i: usize, worker: Address, result: B256) {
        self.send(
            self.market()
                .submitResult(id, U256::from(i), result, result_uri(i))
                .from(worker)
                .into_transaction_request(),
        )
        .await;
    }

    /// A passing single-replica batch task on `owner` (4 events, 4 transactions).
    pub(crate) async fn batch_task(&self, owner_index: usize, salt: u64) -> U256 {
        let id = self.create(0, 1, salt).await;
        self.assign(id, &[self.owners[owner_index]], eth(9)).await;
        self.submit_as(id, 0, self.workers[owner_index], keccak256(b"ok"))
            .await;
        self.send(
            self.market()
                .settle(id, U256::from(1))
                .from(self.admin)
                .into_transaction_request(),
        )
        .await;
        id
    }
}

pub(crate) fn resources(cpu: u32, gpus: u32) -> ISwanRegistry::Resources {
    ISwanRegistry::Resources {
        cpuCores: cpu,
        memoryGiB: cpu * 4,
        storageGiB: 100,
        gpuCount: gpus,
        gpuMemoryGiB: gpus * 40,
        gpuModel: if gpus > 0 {
            B256::right_padding_from(b"A100")
        } else {
            B256::ZERO
        },
    }
}

fn info(worker: Address, beneficiary: Address, n: u32) -> Reg::ProviderInfo {
    let r = resources(8 * (n + 1), n);
    Reg::ProviderInfo {
        worker,
        beneficiary,
        resources: r.into(),
        prices: Reg::Prices {
            perCpuHour: Uint::from(10u128.pow(16) * (n as u128 + 1)),
            perGiBMemoryHour: Uint::from(10u128.pow(15)),
            perGpuHour: Uint::from(10u128.pow(18)),
            perGiBStorageHour: Uint::from(10u128.pow(14)),
        },
        region: B256::right_padding_from(if n == 2 {
            &b"eu-west"[..]
        } else {
            &b"us-east"[..]
        }),
        terms: Reg::Terms {
            maxCollateral: Uint::from(1_000u128 * 10u128.pow(18)),
            minPrice: Uint::ZERO,
            minRate: Uint::ZERO,
            modes: 0b1111,
        },
        metadataURI: format!("http://127.0.0.1/provider-{n}"),
    }
}

/// Deploy with funded actors and three staked providers.
pub(crate) async fn market(extra_keepers: &[Address]) -> Market {
    market_on(extra_keepers, &[]).await
}

/// [`market`] on an anvil started with `anvil_args`.
pub(crate) async fn market_on(extra_keepers: &[Address], anvil_args: &[&str]) -> Market {
    let anvil = Anvil::at(anvil_path())
        .args(anvil_args)
        .try_spawn()
        .unwrap();
    let (wallet, keys) = dev_wallet(&anvil, 8);
    let provider = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url())
        .erased();
    let admin = keys[0];
    let mut cfg = DeployConfig::devnet(admin, anvil.endpoint());
    cfg.keepers.extend_from_slice(extra_keepers);
    let manifest = deploy(&provider, &cfg).await.unwrap();
    let m = Market {
        anvil,
        provider,
        manifest,
        admin,
        submitter: keys[1],
        owners: keys[2..5].to_vec(),
        workers: keys[5..8].to_vec(),
    };
    let token = DevToken::new(m.manifest.token, &m.provider);
    for who in std::iter::once(m.submitter).chain(m.owners.iter().copied()) {
        m.send(token.mint(who, eth(1_000_000)).into_transaction_request())
            .await;
        for spender in [m.manifest.market, m.manifest.registry] {
            m.send(
                token
                    .approve(spender, U256::MAX)
                    .from(who)
                    .into_transaction_request(),
            )
            .await;
        }
    }
    m.send(
        m.market()
            .deposit(eth(100_000))
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    for (n, (owner, worker)) in m.owners.iter().zip(&m.workers).enumerate() {
        m.send(
            m.registry()
                .registerProvider(info(*worker, *owner, n as u32))
                .from(*owner)
                .into_transaction_request(),
        )
        .await;
        m.send(
            m.registry()
                .depositCollateral(eth(10_000))
                .from(*owner)
                .into_transaction_request(),
        )
        .await;
    }
    m
}

/// Every event the market and the registry emit, by the rules' paths. Returns the task ids
/// created.
pub(crate) async fn every_event(m: &Market) -> Vec<U256> {
    let mk = m.market();
    let rg = m.registry();
    let (o, w) = (&m.owners, &m.workers);
    let mut ids = Vec::new();
    // provider updates and pausing
    m.send(
        rg.updateProvider(info(w[0], o[0], 0))
            .from(o[0])
            .into_transaction_request(),
    )
    .await;
    m.send(
        rg.setProviderPaused(true)
            .from(o[2])
            .into_transaction_request(),
    )
    .await;
    m.send(
        rg.setProviderPaused(false)
            .from(o[2])
            .into_transaction_request(),
    )
    .await;
    // keeper-attested: one passes, one fails (slashed)
    ids.push(m.batch_task(0, 1).await);
    let id = m.create(0, 1, 2).await;
    m.assign(id, &[o[1]], eth(10)).await;
    m.submit_as(id, 0, w[1], keccak256(b"wrong")).await;
    m.send(
        mk.settle(id, U256::ZERO)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    // known answer (sealed): a right commitment, revealed; the answer revealed settles it
    let id = m.create(1, 1, 3).await;
    m.assign(id, &[o[0]], eth(9)).await;
    let commit = keccak256((id, U256::ZERO, ANSWER, SALT).abi_encode());
    m.submit_as(id, 0, w[0], commit).await;
    let tx = mk.revealResult(id, U256::ZERO, ANSWER, SALT, result_uri(0));
    m.send(tx.from(w[0]).into_transaction_request()).await;
    m.send(
        mk.revealAnswer(id, ANSWER, SALT)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    // a replica declined by its provider, the other passes
    let id = m.create(0, 2, 30).await;
    m.assign(id, &o[..2], eth(9)).await;
    m.send(
        mk.declineTask(id, U256::from(1))
            .from(w[1])
            .into_transaction_request(),
    )
    .await;
    m.submit_as(id, 0, w[0], keccak256(b"ok")).await;
    m.send(
        mk.settle(id, U256::from(1))
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    // quorum 2 of 3 with a dissenter (revealed, paid, slashed), then one without agreement (refunded)
    for (salt, results) in [
        (4u64, [b"good", b"good", b"bad!"]),
        (5, [b"one!", b"two!", b"thre"]),
    ] {
        let id = m.create(2, 3, salt).await;
        m.assign(id, o, eth(8)).await;
        for i in 0..3 {
            let h = keccak256(results[i]);
            let commit = keccak256((id, U256::from(i), h, SALT).abi_encode());
            m.submit_as(id, i, w[i], commit).await;
        }
        for i in 0..3 {
            let tx = mk
                .revealResult(
                    id,
                    U256::from(i),
                    keccak256(results[i]),
                    SALT,
                    result_uri(i),
                )
                .from(w[i]);
            m.send(tx.into_transaction_request()).await;
        }
        ids.push(id);
    }
    // service: claimed, extended, terminated
    let id = m.create(3, 1, 6).await;
    m.assign(id, &[o[0]], U256::from(9u128 * 10u128.pow(14)))
        .await;
    m.warp(3_600).await;
    m.send(mk.claimService(id, U256::ZERO).into_transaction_request())
        .await;
    m.send(
        mk.extendService(id, 3_600)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    m.warp(600).await;
    m.send(
        mk.terminateService(id)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    // service whose provider leaves with notice after an extension; its claim ends it
    let id = m.create(3, 1, 31).await;
    m.assign(id, &[o[1]], U256::from(10u128.pow(14))).await;
    m.send(
        mk.extendService(id, 86_400)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    m.send(
        mk.leaveService(id, U256::ZERO)
            .from(o[1])
            .into_transaction_request(),
    )
    .await;
    m.warp(86_400 + 1).await;
    m.send(mk.claimService(id, U256::ZERO).into_transaction_request())
        .await;
    ids.push(id);
    // service that fails (keeper report: paid up to the failure, slashed, refunded)
    let id = m.create(3, 1, 7).await;
    m.assign(id, &[o[1]], U256::from(10u128.pow(15))).await;
    m.warp(1_000).await;
    let failed_at = (m.now().await - 10) as u32;
    m.send(
        mk.reportServiceFailure(id, U256::ZERO, failed_at)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    // service that runs to its end and is finished by anyone
    let id = m.create(3, 1, 8).await;
    m.assign(id, &[o[2]], U256::from(10u128.pow(14))).await;
    m.warp(86_400 + 1).await;
    m.send(mk.finishService(id).into_transaction_request())
        .await;
    ids.push(id);
    // cancelled; and a no-show expired by anyone
    let id = m.create(0, 1, 9).await;
    m.send(
        mk.cancelTask(id)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    ids.push(id);
    let id = m.create(0, 1, 10).await;
    m.assign(id, &[o[2]], eth(10)).await;
    m.warp(7_300).await;
    m.send(mk.expire(id).from(o[1]).into_transaction_request())
        .await;
    ids.push(id);
    // two tasks assigned in one batch, one left open
    let (a, b) = (m.create(0, 1, 11).await, m.create(0, 1, 12).await);
    let assign = mk.assignBatch(
        vec![a, b],
        vec![vec![o[0]], vec![o[1]]],
        vec![vec![eth(7)], vec![eth(6)]],
    );
    m.send(assign.from(m.admin).into_transaction_request())
        .await;
    m.submit_as(a, 0, w[0], keccak256(b"ok")).await;
    ids.extend([a, b, m.create(0, 1, 13).await]);
    // a batch that skips a task someone cancelled first
    let (c, d) = (m.create(0, 1, 14).await, m.create(0, 1, 15).await);
    m.send(
        mk.cancelTask(c)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    let assign = mk.assignBatch(
        vec![c, d],
        vec![vec![o[0]], vec![o[1]]],
        vec![vec![eth(7)], vec![eth(6)]],
    );
    m.send(assign.from(m.admin).into_transaction_request())
        .await;
    ids.extend([c, d]);
    // money out: earnings, internal balance, collateral (two-step)
    m.send(mk.claimEarnings(o[0]).into_transaction_request())
        .await;
    m.send(
        mk.withdraw(eth(10), m.submitter)
            .from(m.submitter)
            .into_transaction_request(),
    )
    .await;
    m.send(
        rg.requestWithdrawal(eth(500))
            .from(o[2])
            .into_transaction_request(),
    )
    .await;
    m.warp(61).await;
    m.send(
        rg.withdrawCollateral(o[2])
            .from(o[2])
            .into_transaction_request(),
    )
    .await;
    // governance: a schedule withdrawn, then one applied after the real delay
    let mut p = swan_contracts::dev_params(swan_contracts::DEVNET_TREASURY);
    p.feeBps = 400;
    let p = Reg::Params {
        feeBps: p.feeBps,
        bountyBps: p.bountyBps,
        treasury: p.treasury,
        minCollateral: p.minCollateral,
        unbondingDelay: p.unbondingDelay,
    };
    m.send(
        rg.scheduleParams(p.clone())
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.send(rg.cancelParams().from(m.admin).into_transaction_request())
        .await;
    m.send(
        rg.scheduleParams(p)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    let keeper = Address::repeat_byte(0x42);
    m.send(
        rg.scheduleKeeper(keeper)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.warp(MIN_ADMIN_DELAY + 1).await;
    m.send(rg.applyParams().from(m.admin).into_transaction_request())
        .await;
    m.send(
        rg.applyKeeper(keeper)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.send(
        rg.revokeKeeper(keeper)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.send(rg.setPaused(true).from(m.admin).into_transaction_request())
        .await;
    m.send(rg.setPaused(false).from(m.admin).into_transaction_request())
        .await;
    m.send(
        rg.setPauser(m.admin)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.send(
        rg.proposeAdmin(m.admin)
            .from(m.admin)
            .into_transaction_request(),
    )
    .await;
    m.send(rg.acceptAdmin().from(m.admin).into_transaction_request())
        .await;
    m.send(rg.exitProvider().from(o[2]).into_transaction_request())
        .await;
    ids
}

/// Replica `i`'s result URI: with a tab, a backslash, a newline and a carriage return, which
/// Postgres's `COPY` reads specially, so the mirror must store them escaped and give them back.
pub(crate) fn result_uri(i: usize) -> String {
    format!("ipfs://result-{i}?a\tb\\c\nd\re")
}
