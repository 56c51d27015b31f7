// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanRegistry} from "./ISwanRegistry.sol";

/// @title ISwanMarket — the manual for dApp developers
/// @notice The market holds the task escrow and the payment rules of the Swan orchestrator: tasks
/// and money. Who is who and the rules — providers, their terms and the books of their
/// collateral, keepers, the pauser, the admin and the parameter versions — live in its registry
/// (`registry()`, see `ISwanRegistry`), which pushes keepers, parameters and pauses here.
/// Everything a dApp, a provider agent or a keeper needs is on these two pages.
///
/// Money model (pull payments). Every address has an internal balance (`balanceOf`): deposits,
/// refunds, expiry bounties and treasury fees are credited there and leave only through
/// `withdraw`. Providers' earnings accrue on their account (`getAccount`) and leave through
/// `claimEarnings` to the beneficiary.
///
/// The promise, and the rules that keep it:
///  - A provider loses collateral only by failing a task whose terms it agreed to on chain: the
///    agreed price is at or above its floor, the collateral (`collateralPct` % of the agreed price,
///    or of rate × duration for a service) is at most its limit, and it accepts the task's mode.
///  - A slash is a penalty, never a prize: slashed collateral goes to the treasury, except the
///    expiry bounty paid to whoever called `expire` (unless that is the task's submitter). Nobody
///    who decides a verdict or commits an answer receives any of it.
///  - A submitter gets back exactly what it was not charged for: the unused cap, and the price of
///    a replica that failed, declined or left — except in KnownAnswer mode, where the submitter
///    commits the answer and so pays the price of every replica whatever the verdict (the price of
///    a replica that fails the answer goes to the treasury).
///  - The keeper earns nothing but expiry bounties; no keeper address can be a provider.
///  - Every party has an exit with a bounded wait: open tasks expire after `assignBy`, batch tasks
///    end by `settleBy` without anyone's help, a service provider can leave with notice, collateral
///    unbonds, and funds owed to an address that cannot receive can be redirected by their owner.
///
/// Task lifecycle (batch):
///   Open --assign--> Assigned --settle / reveal--> Completed | Failed
///   Open --cancel (submitter) / expire after assignBy--> Cancelled
///   Assigned --every replica declined--> Cancelled
///   Assigned --expire after resultBy--> no-shows slashed; --expire after settleBy--> submitted
///   results accepted and paid (optimistic acceptance), or sealed results counted.
/// Service tasks stream payment per second between `startedAt` and their end; the submitter can
/// extend or terminate (prorated to the second), a provider can leave with notice or claim as time
/// passes, the keeper reports a failed replica.
///
/// Sealed modes (Quorum, KnownAnswer): providers first submit a commitment
/// `commitmentOf(taskId, replica, resultHash, salt)`, and reveal the result once every replica has
/// committed (or declined) or `resultBy` has passed, until `settleBy`. No result can be copied:
/// none is visible before the commitments are closed.
///
/// Terms are frozen per task: the fee, the bounty and the treasury are those of the parameter
/// version the creator named (`TaskRequest.paramsVersion`, which must be the current one).
interface ISwanMarket {
    // ------------------------------------------------------------------ types

    /// @notice How a task's results are judged. `ServiceHealth` makes the task a service task.
    enum Mode {
        KeeperAttested, // the keeper checks results off chain and gives a verdict per replica
        KnownAnswer, // sealed: the submitter committed keccak(expected, salt); equal results pass
        Quorum, // sealed: `quorum` equal revealed results are paid, the others slashed
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
        Submitted, // result submitted (KeeperAttested) or committed (sealed modes)
        Revealed, // sealed modes: result revealed
        Paid, // passed; price paid, collateral unlocked
        Slashed, // failed or no-show; collateral slashed
        Refunded, // quorum without agreement: price refunded, collateral unlocked
        Ended, // service: stream ended normally; collateral unlocked
        Declined // the provider declined in time: price refunded, collateral unlocked
    }

    /// @notice What a submitter asks for when creating a task. Deadlines are unix seconds.
    struct TaskRequest {
        Mode mode;
        uint8 replicas; // k providers (1..MAX_REPLICAS)
        uint8 quorum; // Quorum mode: equal results needed (> replicas / 2, replicas >= 2); otherwise 0
        uint16 collateralPct; // each provider locks this % of its replica's value (<= MAX_COLLATERAL_PCT)
        uint16 paramsVersion; // the parameter version (fee, bounty, treasury) the creator signs up for
        uint96 price; // batch: cap per replica; service: cap per second per replica
        uint32 assignBy; // open tasks expire after this
        uint32 resultBy; // batch: results due (sealed: commitments due); service: duration in seconds
        uint32 settleBy; // batch: verdict due (sealed: reveals due); service: 0
        bytes32 specHash; // content hash of the task spec
        bytes32 answerCommit; // KnownAnswer: keccak256(abi.encode(expected, salt)); otherwise 0
        ISwanRegistry.Resources requirements; // emitted for allocators; resource fit is the keeper's job
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
        uint16 collateralPct; // collateral per replica, in % of the replica's agreed value
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

    /// @notice A provider's account in the market: what its tasks lock and earn, and its record.
    struct Account {
        uint96 locked; // collateral locked by running tasks
        uint96 earned; // earnings not yet claimed
        uint32 completed; // replicas paid or ended normally
        uint32 lastActivity; // last assignment or settlement
        uint96 slashedTotal; // collateral ever slashed
        uint32 failed; // replicas slashed
        uint32 declined; // replicas declined
    }

    // ------------------------------------------------------------------ errors

    /// @notice The caller is not an authorised keeper.
    error NotKeeper();
    /// @notice The caller is not the task's submitter.
    error NotSubmitter();
    /// @notice The caller is not the replica provider's worker key (or, where allowed, its owner).
    error NotWorker();
    /// @notice Only the market itself may call this (batch items).
    error NotSelf();
    /// @notice Only the market's registry may call this.
    error NotRegistry();
    /// @notice The address is not a registered provider.
    error UnknownProvider(address provider);
    /// @notice New tasks and assignments are paused.
    error MarketPaused();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice An amount was zero.
    error AmountTooSmall();
    /// @notice An amount exceeds what the record can hold.
    error AmountTooLarge();
    /// @notice A deadline is in the past, out of order or too far away.
    error InvalidDeadline();
    /// @notice replicas must be 1..MAX_REPLICAS; quorum must be a majority in Quorum mode, else 0.
    error InvalidReplicas();
    /// @notice A KnownAnswer task needs an answer commit; other modes must not carry one.
    error InvalidAnswerCommit();
    /// @notice collateralPct is above the cap in code.
    error CollateralPctTooHigh(uint256 pct, uint256 max);
    /// @notice The creator signed up for parameter version `expected`; `current` is in force.
    error ParamsChanged(uint256 expected, uint256 current);
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
    /// @notice The number of entries does not match (providers vs replicas, or batch arrays).
    error ReplicaCountMismatch(uint256 expected, uint256 given);
    /// @notice The agreed price is above the task's cap.
    error PriceAboveCap(uint256 price, uint256 cap);
    /// @notice The agreed price is below the provider's floor (its terms).
    error PriceBelowFloor(address provider, uint256 price, uint256 floor);
    /// @notice The collateral is above what the provider agreed to lock for one replica.
    error CollateralAboveLimit(address provider, uint256 collateral, uint256 limit);
    /// @notice The provider does not accept the task's verification mode.
    error ModeNotAccepted(address provider, Mode mode);
    /// @notice The provider is not active.
    error ProviderNotActive(address provider);
    /// @notice The same provider appears twice in one assignment.
    error DuplicateProvider(address provider);
    /// @notice A provider cannot serve its own task.
    error SubmitterIsProvider(address provider);
    /// @notice The provider's bonded stake is below the minimum collateral.
    error BelowMinCollateral(address provider, uint256 bonded, uint256 minimum);
    /// @notice The provider's free collateral cannot cover the task's collateral.
    error InsufficientCollateral(address provider, uint256 free, uint256 needed);
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
    /// @notice The answer was already revealed.
    error AnswerAlreadyRevealed(uint256 taskId);
    /// @notice The revealed result does not match the replica's commitment.
    error RevealMismatch(uint256 taskId, uint256 replica);
    /// @notice Nothing is due to be paid, claimed or withdrawn.
    error NothingToWithdraw();
    /// @notice The keeper's failure time is outside the replica's unpaid running period.
    error InvalidFailureTime(uint256 failedAt);
    /// @notice A result hash was zero.
    error EmptyResult();
    /// @notice `expire` found nothing to do yet: the next deadline is `time`.
    error NothingToExpire(uint256 time);

    // ------------------------------------------------------------------ events

    /// @notice Earnings left the market to the beneficiary.
    event EarningsClaimed(address indexed provider, address indexed beneficiary, uint256 amount);
    /// @notice Tokens were credited to an internal balance from outside.
    event Deposited(address indexed account, uint256 amount);
    /// @notice Tokens left an internal balance.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice A task was created and `escrow` tokens were locked for it.
    event TaskCreated(uint256 indexed taskId, address indexed submitter, TaskRequest request, uint256 escrow);
    /// @notice Providers were assigned; `refund` is the unused part of the cap, back to the submitter.
    event TaskAssigned(uint256 indexed taskId, address[] providers, uint256[] prices, uint256 refund);
    /// @notice A replica submitted its result (KeeperAttested) or its commitment (sealed modes).
    event ResultSubmitted(
        uint256 indexed taskId, uint256 indexed replica, address indexed provider, bytes32 resultHash, string resultURI
    );
    /// @notice A sealed replica revealed its result and where it can be fetched.
    event ResultRevealed(uint256 indexed taskId, uint256 indexed replica, bytes32 resultHash, string resultURI);
    /// @notice A KnownAnswer task's answer was revealed.
    event AnswerRevealed(uint256 indexed taskId, bytes32 expected);
    /// @notice A replica passed: `payout` to the provider, `fee` to the treasury.
    event ReplicaPaid(
        uint256 indexed taskId, uint256 indexed replica, address indexed provider, uint256 payout, uint256 fee
    );
    /// @notice A replica failed: `slashed` collateral was taken. Its price went back to the
    /// submitter (`refund`) or, in KnownAnswer mode after a verdict, to the treasury. Always:
    /// `slashed + price == toTreasury + bounty + refund`.
    event ReplicaSlashed(
        uint256 indexed taskId,
        uint256 indexed replica,
        address indexed provider,
        uint256 slashed,
        uint256 toTreasury,
        uint256 bounty,
        uint256 refund
    );
    /// @notice A replica's price was refunded without fault (quorum without agreement).
    event ReplicaRefunded(uint256 indexed taskId, uint256 indexed replica, address indexed provider, uint256 refund);
    /// @notice A provider declined its replica in time: its collateral is free, `refund` went back.
    event ReplicaDeclined(uint256 indexed taskId, uint256 indexed replica, address indexed provider, uint256 refund);
    /// @notice A task reached a final state. `reason`: 0 keeper verdict, 1 known answer revealed,
    /// 2 cancelled by the submitter, 3 expired before assignment, 4 quorum counted, 5 accepted
    /// after settleBy without a verdict, 6 every replica missed resultBy, 7 service ran to its end,
    /// 8 service terminated by the submitter, 9 every service replica failed, 10 every replica
    /// declined.
    event TaskFinalized(uint256 indexed taskId, TaskStatus status, uint8 reason);
    /// @notice An open task was cancelled (by the submitter or by expiry) and refunded.
    event TaskCancelled(uint256 indexed taskId, uint256 refund, bool expired);
    /// @notice A batch entry point skipped a task that no longer applied; `reason` is the typed
    /// error (ABI-encoded) that the single call would have reverted with.
    event BatchItemSkipped(uint256 indexed taskId, bytes reason);

    /// @notice A service started: paid from `startedAt` to `endsAt`.
    event ServiceStarted(uint256 indexed taskId, uint256 startedAt, uint256 endsAt);
    /// @notice A service was extended (paid `cost`) or terminated early (refunded `refund`).
    event ServiceEndChanged(uint256 indexed taskId, uint256 endsAt, uint256 cost, uint256 refund);
    /// @notice A service replica's earnings up to `until` were paid.
    event ServiceClaimed(uint256 indexed taskId, uint256 indexed replica, uint256 until, uint256 payout, uint256 fee);
    /// @notice A service replica's provider gave notice: it leaves at `leavesAt`; `refund` (its
    /// stream after that) went back to the submitter.
    event ServiceLeft(uint256 indexed taskId, uint256 indexed replica, uint256 leavesAt, uint256 refund);
    /// @notice A service replica reached its own end (after notice) and its collateral is free.
    event ServiceReplicaEnded(uint256 indexed taskId, uint256 indexed replica);
    /// @notice The keeper reported a service replica as failed at `failedAt`.
    event ServiceFailed(uint256 indexed taskId, uint256 indexed replica, uint256 failedAt, uint256 refund);

    // ------------------------------------------------------------------ accounts

    /// @notice Credit `amount` tokens (pulled with transferFrom) to the caller's internal balance.
    function deposit(uint256 amount) external;
    /// @notice Send `amount` of the caller's internal balance to `to`.
    function withdraw(uint256 amount, address to) external;
    /// @notice Send the provider's earnings to its beneficiary (anyone may call).
    function claimEarnings(address provider) external;
    /// @notice Pay out collateral the registry released (the registry only).
    function payCollateral(address to, uint256 amount) external;

    // ------------------------------------------------------------------ tasks

    /// @notice Create a task, escrowing `replicas × price` (batch) or `replicas × price × duration`
    /// (service) from the caller's internal balance, pulling any shortfall with transferFrom.
    function createTask(TaskRequest calldata request) external returns (uint256 taskId);
    /// @notice Cancel an open task and refund its escrow (submitter only).
    function cancelTask(uint256 taskId) external;
    /// @notice Assign providers at agreed prices (keeper only), within each provider's terms.
    function assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices) external;
    /// @notice Assign several tasks (keeper only). A task that no longer applies (cancelled,
    /// expired, a provider that paused or changed its terms…) is skipped with `BatchItemSkipped`.
    function assignBatch(uint256[] calldata taskIds, address[][] calldata providers, uint256[][] calldata prices)
        external;
    /// @notice Decline an assigned replica (the provider's owner or worker): batch replicas before
    /// submitting and before `resultBy`, service replicas within `SERVICE_NOTICE` of the start and
    /// before any claim. The collateral is unlocked without penalty and the price refunded.
    function declineTask(uint256 taskId, uint256 replica) external;
    /// @notice Submit a result (KeeperAttested) or a commitment (sealed modes:
    /// `commitmentOf(taskId, replica, resultHash, salt)`) from the provider's worker key.
    function submitResult(uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI) external;
    /// @notice Several results of the caller's worker at once; an entry that no longer applies is
    /// skipped with `BatchItemSkipped`.
    function submitResults(
        uint256[] calldata taskIds,
        uint256[] calldata replicas,
        bytes32[] calldata resultHashes,
        string[] calldata resultURIs
    ) external;
    /// @notice Reveal a sealed result (the worker); the reveal that completes the set settles.
    function revealResult(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt, string calldata resultURI)
        external;
    /// @notice Reveal a KnownAnswer task's answer (anyone holding it) once the commitments are
    /// closed; settles if every committed replica has revealed.
    function revealAnswer(uint256 taskId, bytes32 expected, bytes32 salt) external;
    /// @notice Settle a KeeperAttested task: bit i of `passMask` passes replica i (keeper only).
    function settle(uint256 taskId, uint256 passMask) external;
    /// @notice Settle several KeeperAttested tasks (keeper only); skips what no longer applies.
    function settleBatch(uint256[] calldata taskIds, uint256[] calldata passMasks) external;
    /// @notice Permissionless liveness: after assignBy refund an open task; after resultBy slash
    /// no-shows; after settleBy accept submitted results or count sealed ones. The caller earns
    /// the bounty share of no-show slashes (not on its own tasks).
    function expire(uint256 taskId) external;

    // ------------------------------------------------------------------ services

    /// @notice Pay for `extraSeconds` more of a running service (submitter only); replicas whose
    /// provider gave notice are not extended.
    function extendService(uint256 taskId, uint32 extraSeconds) external;
    /// @notice End a running service now and refund the rest, prorated to the second (submitter only).
    function terminateService(uint256 taskId) external;
    /// @notice Pay a service replica what it has earned so far (anyone); once the replica's own
    /// end has passed this also ends it and unlocks its collateral.
    function claimService(uint256 taskId, uint256 replica) external;
    /// @notice Give notice on a service replica (the provider's owner or worker): it leaves at
    /// max(start + ordered duration, now + SERVICE_NOTICE); the stream after that is refunded now.
    function leaveService(uint256 taskId, uint256 replica) external;
    /// @notice Report a service replica failed at `failedAt` (keeper only): earnings stop there,
    /// the rest is refunded and the collateral slashed to the treasury.
    function reportServiceFailure(uint256 taskId, uint256 replica, uint32 failedAt) external;
    /// @notice Finish a service whose paid period is over: pay the rest and unlock collateral (anyone).
    function finishService(uint256 taskId) external;

    // ------------------------------------------------------------------ from the registry

    /// @notice Put a new parameter version in force for tasks created from now on (the registry
    /// only, after its delay); returns the version.
    function setParams(ISwanRegistry.Params calldata params) external returns (uint16 version);
    /// @notice Grant or revoke a keeper (the registry only).
    function setKeeper(address keeper, bool enabled) external;
    /// @notice Pause or resume new tasks and assignments (the registry only, for the pauser).
    function setPaused(bool paused) external;

    // ------------------------------------------------------------------ views

    /// @notice The token used for payment and collateral.
    function token() external view returns (address);
    /// @notice The provider registry this market deployed.
    function registry() external view returns (ISwanRegistry);
    /// @notice An account's internal balance.
    function balanceOf(address account) external view returns (uint256);
    /// @notice A provider's account in the market.
    function getAccount(address provider) external view returns (Account memory);
    /// @notice A provider's collateral that can back new tasks (bonded stake − locked).
    function freeCollateral(address provider) external view returns (uint256);
    /// @notice A task's record.
    function getTask(uint256 taskId) external view returns (Task memory);
    /// @notice One replica of a task.
    function getReplica(uint256 taskId, uint256 replica) external view returns (Replica memory);
    /// @notice Parameters of a version (the current one is `paramsVersion()`).
    function getParams(uint16 version) external view returns (ISwanRegistry.Params memory);
    /// @notice The current parameter version.
    function paramsVersion() external view returns (uint16);
    /// @notice Number of tasks created. A task id is `uint256(uint160(submitter)) << 96 | n`
    /// where n counts from 1 across all submitters; read it from `TaskCreated`.
    function taskCount() external view returns (uint256);
    /// @notice The submitter named by a task id (the id's top 160 bits).
    function submitterOf(uint256 taskId) external pure returns (address);
    /// @notice The collateral a replica's provider locks (zero before assignment).
    function collateralOf(uint256 taskId, uint256 replica) external view returns (uint256);
    /// @notice The commitment a sealed-mode replica submits for `resultHash` with its `salt`:
    /// keccak256(abi.encode(taskId, replica, resultHash, salt)).
    function commitmentOf(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt)
        external
        pure
        returns (bytes32);
    /// @notice A service's paid period (zero until assigned).
    function serviceWindow(uint256 taskId) external view returns (uint256 startedAt, uint256 endsAt);
    /// @notice A service replica: paid up to `paidUntil`; its own end (after notice), or 0.
    function serviceReplica(uint256 taskId, uint256 replica) external view returns (uint256 paidUntil, uint256 leavesAt);
    /// @notice Sealed-mode progress: commitments, reveals, declines, and whether the answer is in.
    function sealedProgress(uint256 taskId)
        external
        view
        returns (uint256 committed, uint256 revealed, uint256 declined, bool answered);
    /// @notice A sealed replica's commitment, then its revealed result (zero in KeeperAttested mode).
    function resultOf(uint256 taskId, uint256 replica) external view returns (bytes32);
    /// @notice Whether `account` is a keeper.
    function isKeeper(address account) external view returns (bool);
    /// @notice Whether new tasks and assignments are paused.
    function paused() external view returns (bool);
}
