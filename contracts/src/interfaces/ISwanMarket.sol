// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ISwanMarket — the manual for dApp developers
/// @notice One contract holds the provider registry, the task escrow and the payment rules of the
/// Swan orchestrator. Everything a dApp, a provider agent or a keeper needs is on this page:
/// the types, every entry point, every event and every typed error.
///
/// Money model (pull payments). Every address has an internal balance (`balanceOf`): deposits,
/// refunds, slash compensation, expiry bounties and treasury fees are credited there and leave
/// only through `withdraw`. Providers' earnings accrue on their record and leave through
/// `claimEarnings` to the beneficiary. Collateral leaves only through the two-step
/// `requestWithdrawal` → `withdrawCollateral`, after the unbonding delay.
///
/// Task lifecycle (batch):
///   Open --assign--> Assigned --settle--> Completed | Failed
///   Open --cancel (submitter) / expire after assignBy--> Cancelled
///   Assigned --expire after resultBy--> no-shows slashed; --expire after settleBy--> submitted
///   results accepted and paid (optimistic acceptance). Nothing waits on a keeper forever.
/// Service tasks stream payment per second between `startedAt` and `endsAt`; the submitter can
/// extend or terminate (prorated to the second), the provider claims as time passes, the keeper
/// reports a failed replica.
///
/// Terms are frozen per task: the fee, the slash split and the bounty are read from the
/// parameter version that was current when the task was created.
interface ISwanMarket {
    // ------------------------------------------------------------------ types

    /// @notice How a task's results are judged. `ServiceHealth` makes the task a service task.
    enum Mode {
        KeeperAttested, // the keeper checks results off chain and gives a verdict per replica
        KnownAnswer, // the spec commits keccak(expected, salt); settle reveals it; equal results pass
        Quorum, // replicas commit then reveal; `quorum` equal results are paid, the others slashed
        ServiceHealth // a long-running service billed per second; the keeper reports failures
    }

    /// @notice A task's state. `None` means the id is unknown.
    enum TaskStatus {
        None,
        Open,
        Assigned,
        Completed,
        Failed,
        Cancelled
    }

    /// @notice A replica's state (one provider's share of a task).
    enum ReplicaStatus {
        None,
        Assigned, // waiting for the result (batch) / running (service)
        Submitted, // result submitted (batch) or committed (quorum)
        Revealed, // quorum: result revealed
        Paid, // passed; price paid, collateral unlocked
        Slashed, // failed or no-show; collateral slashed, price refunded
        Refunded, // quorum without agreement: price refunded, collateral unlocked
        Ended // service: stream ended normally; collateral unlocked
    }

    /// @notice A provider's state. Only `Active` providers can be assigned new tasks.
    enum ProviderStatus {
        None,
        Active,
        Paused,
        Exited
    }

    /// @notice Compute resources, as offered by a provider or required by a task.
    struct Resources {
        uint32 cpuCores;
        uint32 memoryGiB;
        uint32 storageGiB;
        uint32 gpuCount;
        uint32 gpuMemoryGiB;
        bytes32 gpuModel; // e.g. "A100-80G" as bytes32; zero = any / none
    }

    /// @notice A provider's prices per resource-hour, in token units (emitted, not stored).
    struct Prices {
        uint96 perCpuHour;
        uint96 perGiBMemoryHour;
        uint96 perGpuHour;
        uint96 perGiBStorageHour;
    }

    /// @notice What a provider registers (all emitted; the worker and beneficiary are stored).
    struct ProviderInfo {
        address worker; // hot key: submits results
        address beneficiary; // receives earnings
        Resources resources;
        Prices prices;
        bytes32 region; // e.g. "us-east" as bytes32
        uint64 taskTypes; // bitmask of the task types served (bit 0 batch, bit 1 service, ...)
        string metadataURI; // endpoint and anything else off-chain readers need
    }

    /// @notice A provider's stored record (four storage slots, ordered so that assigning and
    /// settling a task touch as few of them as possible).
    struct Provider {
        address worker; // hot key: submits results
        ProviderStatus status;
        uint32 registeredAt;
        address beneficiary; // receives earnings
        uint96 slashedTotal; // total collateral ever slashed
        uint96 locked; // collateral locked by running tasks
        uint96 earned; // earnings not yet claimed
        uint32 completed; // replicas paid
        uint32 lastActivity; // last assignment or settlement
        uint96 stake; // collateral deposited and not withdrawn (free + locked + unbonding)
        uint96 unbonding; // collateral requested for withdrawal (still slashable until withdrawn)
        uint32 releaseAt; // when `unbonding` can be withdrawn
        uint32 failed; // replicas slashed
    }

    /// @notice What a submitter asks for when creating a task. Deadlines are unix seconds.
    struct TaskRequest {
        Mode mode;
        uint8 replicas; // k providers (1..MAX_REPLICAS)
        uint8 quorum; // Quorum mode: equal results needed (> replicas / 2, replicas >= 2); otherwise 0
        uint16 collateralPct; // each provider locks this % of the per-replica value (price, or rate × duration)
        uint96 price; // batch: cap per replica; service: cap per second per replica
        uint32 assignBy; // open tasks expire after this
        uint32 resultBy; // batch: results due (quorum: commits due); service: duration in seconds
        uint32 settleBy; // batch: keeper verdict due (quorum: reveals due); service: 0
        bytes32 specHash; // content hash of the task spec
        bytes32 answerCommit; // KnownAnswer: keccak256(abi.encode(expected, salt)); otherwise 0
        Resources requirements; // emitted for allocators; resource fit is the keeper's job
        bytes32 region; // zero = any
        string specURI; // where the spec can be fetched (emitted)
    }

    /// @notice A task's stored record: one storage slot. The submitter is not stored: it is the
    /// top 160 bits of the task id (see `submitterOf`). Everything else is only emitted.
    struct Task {
        TaskStatus status;
        Mode mode;
        uint8 replicas;
        uint8 quorum;
        uint16 paramsVersion; // terms frozen at creation
        uint16 collateralPct; // collateral per replica, in % of the per-replica value
        uint32 assignBy;
        uint32 resultBy; // service: the duration in seconds
        uint32 settleBy; // service: 0
        uint96 price; // batch: cap per replica; service: cap per second per replica
    }

    /// @notice One provider's share of a task.
    struct Replica {
        address provider;
        uint88 price; // agreed price (batch) or rate per second (service)
        ReplicaStatus status;
    }

    /// @notice Governance parameters. Fee and slash rates are capped in code.
    struct Params {
        uint16 feeBps; // protocol fee on each payout (<= MAX_FEE_BPS)
        uint16 slashToSubmitterBps; // share of a slash that compensates the submitter
        uint16 bountyBps; // share of a slash paid to whoever calls `expire` (<= MAX_BOUNTY_BPS)
        address treasury; // receives fees and the rest of each slash
        uint96 minCollateral; // providers below this stake take no new tasks
        uint32 unbondingDelay; // seconds between requestWithdrawal and withdrawCollateral
    }

    // ------------------------------------------------------------------ errors

    /// @notice The caller is not the admin.
    error NotAdmin();
    /// @notice The caller is not an authorised keeper.
    error NotKeeper();
    /// @notice The caller is not the pauser.
    error NotPauser();
    /// @notice The caller is not the task's submitter.
    error NotSubmitter();
    /// @notice The caller is not the replica provider's worker key.
    error NotWorker();
    /// @notice The caller is not a registered provider owner, or the provider is unknown.
    error UnknownProvider(address provider);
    /// @notice The caller is not the pending admin.
    error NotPendingAdmin();
    /// @notice New tasks and assignments are paused.
    error MarketPaused();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice An amount was zero, or so small that its fee would round to zero.
    error AmountTooSmall();
    /// @notice An amount exceeds what the record can hold.
    error AmountTooLarge();
    /// @notice A deadline is in the past, out of order or too far away.
    error InvalidDeadline();
    /// @notice replicas must be 1..MAX_REPLICAS; quorum must be a majority in Quorum mode, else 0.
    error InvalidReplicas();
    /// @notice A KnownAnswer task needs an answer commit; other modes must not carry one.
    error InvalidAnswerCommit();
    /// @notice A parameter is outside its hard-coded cap.
    error ParamOutOfRange();
    /// @notice The token delivered less than asked (fee-on-transfer tokens are refused).
    error TokenShortfall(uint256 expected, uint256 received);
    /// @notice The internal balance is too low.
    error InsufficientBalance(uint256 available, uint256 needed);
    /// @notice The task id is unknown.
    error UnknownTask(uint256 taskId);
    /// @notice The task is not in the state this call needs.
    error WrongTaskStatus(uint256 taskId, TaskStatus status);
    /// @notice The call needs the other task kind (batch vs service) or another mode.
    error WrongMode(uint256 taskId, Mode mode);
    /// @notice The replica index is out of range or in the wrong state.
    error WrongReplicaStatus(uint256 taskId, uint256 replica, ReplicaStatus status);
    /// @notice The number of providers does not match the task's replicas.
    error ReplicaCountMismatch(uint256 expected, uint256 given);
    /// @notice The agreed price is above the task's cap.
    error PriceAboveCap(uint256 price, uint256 cap);
    /// @notice The provider is not active.
    error ProviderNotActive(address provider);
    /// @notice The same provider appears twice in one assignment.
    error DuplicateProvider(address provider);
    /// @notice A provider cannot serve its own task.
    error SubmitterIsProvider(address provider);
    /// @notice The provider's stake is below the minimum collateral.
    error BelowMinCollateral(address provider, uint256 stake, uint256 minimum);
    /// @notice The provider's free collateral cannot cover the task's collateral.
    error InsufficientCollateral(address provider, uint256 free, uint256 needed);
    /// @notice The provider is already registered.
    error AlreadyRegistered();
    /// @notice The provider has exited.
    error ProviderExited();
    /// @notice A deadline that this call waits for (`time`) has not passed yet.
    error TooEarly(uint256 time);
    /// @notice A deadline that this call must meet has passed.
    error TooLate(uint256 deadline);
    /// @notice Results are still due from some replicas and the result deadline has not passed.
    error ResultsPending(uint256 taskId);
    /// @notice A pass verdict was given for a replica that has no result.
    error VerdictWithoutResult(uint256 taskId, uint256 replica);
    /// @notice The revealed answer does not match the task's commit.
    error AnswerMismatch(uint256 taskId);
    /// @notice The revealed result does not match the replica's commit.
    error RevealMismatch(uint256 taskId, uint256 replica);
    /// @notice Nothing is due to be paid, claimed or withdrawn.
    error NothingToWithdraw();
    /// @notice Collateral is still unbonding.
    error StillUnbonding(uint256 releaseAt);
    /// @notice No change is scheduled, or its delay has not elapsed.
    error NotReady(uint256 readyAt);
    /// @notice The keeper's failure time is outside the replica's unpaid running period.
    error InvalidFailureTime(uint256 failedAt);
    /// @notice A result hash was zero.
    error EmptyResult();
    /// @notice `expire` found nothing to do yet: the next deadline is `time`.
    error NothingToExpire(uint256 time);

    // ------------------------------------------------------------------ events

    /// @notice A provider registered or updated its offer.
    event ProviderRegistered(address indexed provider, ProviderInfo info, bool update);
    /// @notice A provider paused, resumed or exited.
    event ProviderStatusChanged(address indexed provider, ProviderStatus status);
    /// @notice Collateral was deposited; `stake` is the new total.
    event CollateralDeposited(address indexed provider, uint256 amount, uint256 stake);
    /// @notice Collateral started unbonding; `unbonding` is the new total, `releaseAt` its time.
    event WithdrawalRequested(address indexed provider, uint256 amount, uint256 unbonding, uint256 releaseAt);
    /// @notice Unbonded collateral left the contract to the provider owner.
    event CollateralWithdrawn(address indexed provider, uint256 amount, uint256 stake);
    /// @notice Earnings left the contract to the beneficiary.
    event EarningsClaimed(address indexed provider, address indexed beneficiary, uint256 amount);

    /// @notice Tokens were credited to an internal balance from outside.
    event Deposited(address indexed account, uint256 amount);
    /// @notice Tokens left an internal balance.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice A task was created and `escrow` tokens were locked for it.
    event TaskCreated(
        uint256 indexed taskId, address indexed submitter, TaskRequest request, uint256 escrow, uint16 paramsVersion
    );
    /// @notice Providers were assigned; `refund` is the unused part of the cap, back to the submitter.
    event TaskAssigned(uint256 indexed taskId, address[] providers, uint256[] prices, uint256 refund);
    /// @notice A replica submitted (or, in Quorum mode, committed) its result.
    event ResultSubmitted(
        uint256 indexed taskId, uint256 indexed replica, address indexed provider, bytes32 resultHash, string resultURI
    );
    /// @notice A quorum replica revealed its result.
    event ResultRevealed(uint256 indexed taskId, uint256 indexed replica, bytes32 resultHash);
    /// @notice A replica passed: `payout` to the provider, `fee` to the treasury.
    event ReplicaPaid(
        uint256 indexed taskId, uint256 indexed replica, address indexed provider, uint256 payout, uint256 fee
    );
    /// @notice A replica failed: its collateral was slashed and its price refunded.
    event ReplicaSlashed(
        uint256 indexed taskId,
        uint256 indexed replica,
        address indexed provider,
        uint256 slashed,
        uint256 toSubmitter,
        uint256 toTreasury,
        uint256 bounty,
        uint256 refund
    );
    /// @notice A replica's price was refunded without fault (quorum without agreement).
    event ReplicaRefunded(uint256 indexed taskId, uint256 indexed replica, address indexed provider, uint256 refund);
    /// @notice A task reached a final state. `reason`: 0 keeper verdict, 1 known answer revealed,
    /// 2 cancelled by the submitter, 3 expired before assignment, 4 quorum counted, 5 accepted
    /// after settleBy without a verdict, 6 every replica missed resultBy, 7 service ran to its end,
    /// 8 service terminated by the submitter, 9 every service replica failed.
    event TaskFinalized(uint256 indexed taskId, TaskStatus status, uint8 reason);
    /// @notice An open task was cancelled (by the submitter or by expiry) and refunded.
    event TaskCancelled(uint256 indexed taskId, uint256 refund, bool expired);

    /// @notice A service started: paid from `startedAt` to `endsAt`.
    event ServiceStarted(uint256 indexed taskId, uint256 startedAt, uint256 endsAt);
    /// @notice A service was extended (paid `cost`) or terminated early (refunded `refund`).
    event ServiceEndChanged(uint256 indexed taskId, uint256 endsAt, uint256 cost, uint256 refund);
    /// @notice A service replica's earnings up to `until` were paid.
    event ServiceClaimed(uint256 indexed taskId, uint256 indexed replica, uint256 until, uint256 payout, uint256 fee);
    /// @notice The keeper reported a service replica as failed at `failedAt`.
    event ServiceFailed(uint256 indexed taskId, uint256 indexed replica, uint256 failedAt, uint256 refund);

    /// @notice A parameter change was scheduled; it takes effect at `eta` via `applyParams`.
    event ParamsScheduled(Params params, uint256 eta);
    /// @notice A new parameter version is in force for tasks created from now on.
    event ParamsApplied(uint16 indexed version, Params params);
    /// @notice A keeper grant was scheduled (it takes effect at `eta`).
    event KeeperScheduled(address indexed keeper, uint256 eta);
    /// @notice A keeper was granted or revoked.
    event KeeperSet(address indexed keeper, bool enabled);
    /// @notice The pauser changed.
    event PauserSet(address indexed pauser);
    /// @notice An admin transfer was proposed.
    event AdminProposed(address indexed pendingAdmin);
    /// @notice The admin changed.
    event AdminChanged(address indexed admin);
    /// @notice New tasks and assignments were paused or resumed.
    event PausedSet(bool paused);

    // ------------------------------------------------------------------ accounts

    /// @notice Credit `amount` tokens (pulled with transferFrom) to the caller's internal balance.
    function deposit(uint256 amount) external;
    /// @notice Send `amount` of the caller's internal balance to `to`.
    function withdraw(uint256 amount, address to) external;

    // ------------------------------------------------------------------ providers

    /// @notice Register the caller as a provider (status Active).
    function registerProvider(ProviderInfo calldata info) external;
    /// @notice Replace the caller's offer, worker and beneficiary.
    function updateProvider(ProviderInfo calldata info) external;
    /// @notice Stop (true) or resume (false) taking new tasks.
    function setProviderPaused(bool paused) external;
    /// @notice Leave for good; running tasks continue; collateral can still be withdrawn.
    function exitProvider() external;
    /// @notice Add `amount` tokens (pulled with transferFrom) to the caller's stake.
    function depositCollateral(uint256 amount) external;
    /// @notice Start unbonding `amount` of stake; it stays slashable until withdrawn.
    function requestWithdrawal(uint256 amount) external;
    /// @notice After the unbonding delay, send the unbonded collateral (not locked) to the owner.
    function withdrawCollateral() external;
    /// @notice Send the provider's earnings to its beneficiary (callable by owner or worker).
    function claimEarnings(address provider) external;

    // ------------------------------------------------------------------ tasks

    /// @notice Create a task, escrowing `replicas × price` (batch) or `replicas × price × duration`
    /// (service) from the caller's internal balance, pulling any shortfall with transferFrom.
    function createTask(TaskRequest calldata request) external returns (uint256 taskId);
    /// @notice Cancel an open task and refund its escrow (submitter only).
    function cancelTask(uint256 taskId) external;
    /// @notice Assign providers at agreed prices (keeper only).
    function assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices) external;
    /// @notice Assign several tasks in one call (keeper only).
    function assignBatch(uint256[] calldata taskIds, address[][] calldata providers, uint256[][] calldata prices)
        external;
    /// @notice Submit a result (KeeperAttested, KnownAnswer) or a commit (Quorum:
    /// keccak256(abi.encode(resultHash, salt, worker))) from the provider's worker key.
    function submitResult(uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI) external;

    /// @notice Several results at once (a provider's worker with many replicas ready): each entry
    /// as `submitResult` would take it, all or none — any entry that `submitResult` would refuse
    /// reverts the whole call with that entry's error.
    /// @dev Reverts `ReplicaCountMismatch(taskIds.length, other.length)` when the arrays differ in
    /// length.
    function submitResults(
        uint256[] calldata taskIds,
        uint256[] calldata replicas,
        bytes32[] calldata resultHashes,
        string[] calldata resultURIs
    ) external;
    /// @notice Reveal a quorum result; the last reveal settles the task.
    function revealResult(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt) external;
    /// @notice Settle a KeeperAttested task: bit i of `passMask` passes replica i (keeper only).
    function settle(uint256 taskId, uint256 passMask) external;
    /// @notice Settle several KeeperAttested tasks (keeper only).
    function settleBatch(uint256[] calldata taskIds, uint256[] calldata passMasks) external;
    /// @notice Settle a KnownAnswer task by revealing its answer; results equal to it pass.
    function settleKnownAnswer(uint256 taskId, bytes32 expected, bytes32 salt) external;
    /// @notice Settle a Quorum task after its reveal deadline (anyone).
    function settleQuorum(uint256 taskId) external;
    /// @notice Permissionless liveness: after assignBy refund an open task; after resultBy slash
    /// no-shows; after settleBy accept submitted results. The caller earns the bounty share of slashes.
    function expire(uint256 taskId) external;

    // ------------------------------------------------------------------ services

    /// @notice Pay for `extraSeconds` more of a running service (submitter only).
    function extendService(uint256 taskId, uint32 extraSeconds) external;
    /// @notice End a running service now and refund the rest, prorated to the second (submitter only).
    function terminateService(uint256 taskId) external;
    /// @notice Pay a service replica what it has earned so far (anyone; paid to the provider's record).
    function claimService(uint256 taskId, uint256 replica) external;
    /// @notice Report a service replica failed at `failedAt` (keeper only): earnings stop there,
    /// the rest is refunded and the collateral slashed.
    function reportServiceFailure(uint256 taskId, uint256 replica, uint32 failedAt) external;
    /// @notice Finish a service whose paid period is over: pay the rest and unlock collateral (anyone).
    function finishService(uint256 taskId) external;

    // ------------------------------------------------------------------ governance

    /// @notice Schedule new parameters; they apply after ADMIN_DELAY to tasks created after that.
    function scheduleParams(Params calldata params) external;
    /// @notice Put scheduled parameters in force (anyone, once the delay has passed).
    function applyParams() external;
    /// @notice Schedule a keeper grant (admin); it takes effect via `applyKeeper` after ADMIN_DELAY.
    function scheduleKeeper(address keeper) external;
    /// @notice Put a scheduled keeper grant in force (anyone, once the delay has passed).
    function applyKeeper(address keeper) external;
    /// @notice Revoke a keeper at once (admin).
    function revokeKeeper(address keeper) external;
    /// @notice Set the pauser (admin).
    function setPauser(address pauser) external;
    /// @notice Pause or resume new tasks and assignments (pauser). Never blocks refunds,
    /// withdrawals, settlement or expiry.
    function setPaused(bool paused) external;
    /// @notice Propose a new admin (admin); it takes over by calling `acceptAdmin`.
    function proposeAdmin(address newAdmin) external;
    /// @notice Accept the admin role (the pending admin).
    function acceptAdmin() external;

    // ------------------------------------------------------------------ views

    /// @notice The token used for payment and collateral.
    function token() external view returns (address);
    /// @notice An account's internal balance.
    function balanceOf(address account) external view returns (uint256);
    /// @notice A provider's record.
    function getProvider(address provider) external view returns (Provider memory);
    /// @notice A provider's collateral that can back new tasks.
    function freeCollateral(address provider) external view returns (uint256);
    /// @notice A task's record.
    function getTask(uint256 taskId) external view returns (Task memory);
    /// @notice One replica of a task.
    function getReplica(uint256 taskId, uint256 replica) external view returns (Replica memory);
    /// @notice Parameters of a version (the current one is `paramsVersion()`).
    function getParams(uint16 version) external view returns (Params memory);
    /// @notice The current parameter version.
    function paramsVersion() external view returns (uint16);
    /// @notice Number of tasks created. A task id is `uint256(uint160(submitter)) << 96 | n`
    /// where n counts from 1 across all submitters.
    function taskCount() external view returns (uint256);
    /// @notice The submitter named by a task id (the id's top 160 bits).
    function submitterOf(uint256 taskId) external pure returns (address);
    /// @notice The collateral each provider of the task locks.
    function collateralOf(uint256 taskId) external view returns (uint256);
    /// @notice A service's paid period (zero until assigned).
    function serviceWindow(uint256 taskId) external view returns (uint256 startedAt, uint256 endsAt);
    /// @notice Quorum progress: commits and reveals received.
    function quorumProgress(uint256 taskId) external view returns (uint256 committed, uint256 revealed);
    /// @notice Up to when a service replica has been paid.
    function serviceClaimedUntil(uint256 taskId, uint256 replica) external view returns (uint256);
    /// @notice A stored result: Quorum commits/reveals and KnownAnswer results.
    function resultOf(uint256 taskId, uint256 replica) external view returns (bytes32);
    /// @notice Whether `account` is a keeper.
    function isKeeper(address account) external view returns (bool);
}
