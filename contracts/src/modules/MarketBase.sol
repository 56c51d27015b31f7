// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {Payments} from "../libraries/Payments.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title MarketBase — storage, limits and the money primitives every module shares
/// @notice Invariants kept by every function that moves value:
///  - token balance of the market == Σ internal balances + Σ provider (stake + earned) + Σ escrow
///    of tasks not yet final (there is no other place value can sit);
///  - for every provider, locked ≤ stake and unbonding ≤ stake;
///  - value only moves between a task's submitter, its providers, the treasury of the task's
///    parameter version and the caller of an expiry (the bounty).
/// External calls happen only in `_pullExact` and `_push`, after all state is written, under the
/// transient reentrancy guard.
abstract contract MarketBase is ISwanMarket, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ limits (capped in code)

    /// @notice Basis points in one whole (the payment library's).
    uint256 internal constant BPS = Payments.BPS;
    /// @notice The protocol fee can never exceed 10 %.
    uint16 public constant MAX_FEE_BPS = 1000;
    /// @notice The expiry bounty can never exceed 10 % of a slash.
    uint16 public constant MAX_BOUNTY_BPS = 1000;
    /// @notice The unbonding delay can never exceed 30 days.
    uint32 public constant MAX_UNBONDING_DELAY = 30 days;
    /// @notice The governance delay can never exceed 30 days.
    uint256 public constant MAX_ADMIN_DELAY = 30 days;
    /// @notice A task has at most 16 replicas (a pass mask fits easily; loops stay bounded).
    uint8 public constant MAX_REPLICAS = 16;
    /// @notice Deadlines and service durations reach at most one year ahead.
    uint32 public constant MAX_HORIZON = 365 days;

    // Reasons carried by `TaskFinalized` (how the task reached its final state).
    uint8 internal constant REASON_KEEPER = 0; // keeper verdict
    uint8 internal constant REASON_KNOWN_ANSWER = 1; // known answer revealed
    uint8 internal constant REASON_CANCELLED = 2; // cancelled by the submitter
    uint8 internal constant REASON_UNASSIGNED = 3; // expired before assignment
    uint8 internal constant REASON_QUORUM = 4; // quorum counted
    uint8 internal constant REASON_OPTIMISTIC = 5; // accepted after settleBy without a verdict
    uint8 internal constant REASON_NO_RESULTS = 6; // every replica missed resultBy
    uint8 internal constant REASON_SERVICE_FINISHED = 7; // service ran to its end
    uint8 internal constant REASON_SERVICE_TERMINATED = 8; // service terminated by the submitter
    uint8 internal constant REASON_SERVICE_FAILED = 9; // every service replica reported failed

    // ------------------------------------------------------------------ storage

    /// @dev The payment and collateral token, fixed at deployment.
    IERC20 internal immutable _token;
    /// @notice Seconds between scheduling a governance change and applying it.
    uint256 public immutable adminDelay;

    // One slot, read on every create and assign: the counter and a copy of the current
    // parameters that creating and assigning need.
    uint64 internal _taskCount;
    uint16 internal _paramsVersion;
    bool internal _paused;
    uint16 internal _feeBps;
    uint96 internal _minCollateral;
    uint32 internal _unbondingDelay;

    address internal _admin;
    address internal _pendingAdmin;
    address internal _pauser;
    Params internal _scheduledParams;
    uint256 internal _scheduledParamsEta;
    mapping(address account => bool) internal _keepers;
    mapping(address keeper => uint256 eta) internal _keeperEta;
    mapping(uint16 version => Params) internal _params;

    mapping(address account => uint256) internal _balances;
    mapping(address owner => Provider) internal _providers;
    mapping(uint256 taskId => Task) internal _tasks;
    mapping(uint256 taskId => mapping(uint256 replica => Replica)) internal _replicas;
    /// @dev Quorum: the commit, then the revealed result. KnownAnswer: the submitted result.
    mapping(uint256 taskId => mapping(uint256 replica => bytes32)) internal _results;
    mapping(uint256 taskId => bytes32) internal _answerCommits;
    mapping(uint256 taskId => mapping(uint256 replica => uint256)) internal _claimedUntil;
    /// @dev Quorum tasks only: commits and reveals received.
    mapping(uint256 taskId => QuorumProgress) internal _quorum;
    /// @dev Service tasks only: the paid period once assigned.
    mapping(uint256 taskId => ServiceWindow) internal _service;

    struct QuorumProgress {
        uint8 committed;
        uint8 revealed;
    }

    struct ServiceWindow {
        uint32 startedAt;
        uint32 endsAt;
    }

    constructor(IERC20 token_, uint256 adminDelay_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (adminDelay_ > MAX_ADMIN_DELAY) revert ParamOutOfRange();
        _token = token_;
        adminDelay = adminDelay_;
    }

    // ------------------------------------------------------------------ guards

    modifier onlyKeeper() {
        if (!_keepers[msg.sender]) revert NotKeeper();
        _;
    }

    modifier whenNotPaused() {
        if (_paused) revert MarketPaused();
        _;
    }

    /// @dev The task, or a typed revert when it is unknown or not in `expected` state.
    function _taskIn(uint256 taskId, TaskStatus expected) internal view returns (Task storage t) {
        t = _tasks[taskId];
        TaskStatus status = t.status;
        if (status != expected) {
            if (status == TaskStatus.None) revert UnknownTask(taskId);
            revert WrongTaskStatus(taskId, status);
        }
    }

    /// @dev The submitter named by a task id.
    function _submitterOf(uint256 taskId) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast) -- the id's top 160 bits are the address by construction
        return address(uint160(taskId >> 96));
    }

    /// @dev The value of one replica: its price cap (batch) or rate cap × duration (service).
    function _replicaValue(Task storage t) internal view returns (uint256) {
        return t.mode == Mode.ServiceHealth ? uint256(t.price) * t.resultBy : t.price;
    }

    /// @dev The collateral each provider of the task locks.
    function _collateral(Task storage t) internal view returns (uint96) {
        // forge-lint: disable-next-line(unsafe-typecast) -- value <= type(uint96).max and pct is checked at creation
        return uint96(_replicaValue(t) * t.collateralPct / 100);
    }

    function _registered(address owner) internal view returns (Provider storage p) {
        p = _providers[owner];
        if (p.status == ProviderStatus.None) revert UnknownProvider(owner);
    }

    // ------------------------------------------------------------------ token movements

    /// @dev Pull exactly `amount` from `from`; refuse tokens that deliver less (fee-on-transfer).
    function _pullExact(address from, uint256 amount) internal {
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(from, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert TokenShortfall(amount, received);
    }

    /// @dev Send tokens out. Callers have already written all state.
    function _push(address to, uint256 amount) internal {
        _token.safeTransfer(to, amount);
    }

    /// @dev Take `amount` from an account's internal balance, pulling any shortfall from its wallet.
    function _debit(address account, uint256 amount) internal {
        uint256 balance = _balances[account];
        if (balance >= amount) {
            _balances[account] = balance - amount;
        } else {
            if (balance != 0) _balances[account] = 0;
            _pullExact(account, amount - balance);
        }
    }

    // ------------------------------------------------------------------ payment rules

    /// @dev Credit `amount` (fee included) to a provider: fee to the treasury's balance is left to
    /// the caller (so batches write it once); returns the fee.
    function _earn(Provider storage p, uint256 amount, Params storage params) internal returns (uint256 fee) {
        uint256 payout;
        (payout, fee) = Payments.feeSplit(amount, params.feeBps);
        // forge-lint: disable-next-line(unsafe-typecast) -- payout <= escrow per replica, checked <= type(uint96).max at creation
        p.earned += uint96(payout);
    }

    /// @dev Release a replica's collateral after it finished without fault.
    function _release(Provider storage p, uint96 collateral, bool completed) internal {
        p.locked -= collateral;
        if (completed) p.completed += 1;
        p.lastActivity = uint32(block.timestamp);
    }

    /// @dev Slash a replica's collateral and refund its price to the submitter. The slash is split:
    /// `bountyBps` to `bountyTo` (if any), `slashToSubmitterBps` to the submitter, the rest to the
    /// treasury. A slash takes exactly the collateral the fault locked, never more.
    function _slash(uint256 taskId, uint256 index, Task storage t, Replica storage r, uint256 refund, address bountyTo)
        internal
    {
        uint96 c = _collateral(t);
        Provider storage p = _providers[r.provider];
        p.locked -= c;
        uint96 stake = p.stake - c;
        p.stake = stake;
        if (p.unbonding > stake) p.unbonding = stake;
        p.failed += 1;
        p.slashedTotal += c;
        p.lastActivity = uint32(block.timestamp);
        r.status = ReplicaStatus.Slashed;
        _splitSlash(taskId, index, t, r.provider, c, refund, bountyTo);
    }

    function _splitSlash(
        uint256 taskId,
        uint256 index,
        Task storage t,
        address provider,
        uint256 slashed,
        uint256 refund,
        address bountyTo
    ) private {
        Params storage params = _params[t.paramsVersion];
        (uint256 bounty, uint256 toSubmitter, uint256 toTreasury) =
            Payments.slashSplit(slashed, params.slashToSubmitterBps, params.bountyBps, bountyTo != address(0));
        _balances[_submitterOf(taskId)] += toSubmitter + refund;
        if (toTreasury != 0) _balances[params.treasury] += toTreasury;
        if (bounty != 0) _balances[bountyTo] += bounty;
        emit ReplicaSlashed(taskId, index, provider, slashed, toSubmitter, toTreasury, bounty, refund);
    }

    /// @dev Pay a batch replica its agreed price and release its collateral. Returns the fee,
    /// which the caller credits to the treasury.
    function _pay(uint256 taskId, uint256 index, Task storage t, Replica storage r, Params storage params)
        internal
        returns (uint256 fee)
    {
        address owner = r.provider;
        Provider storage p = _providers[owner];
        uint256 price = r.price;
        fee = _earn(p, price, params);
        _release(p, _collateral(t), true);
        r.status = ReplicaStatus.Paid;
        emit ReplicaPaid(taskId, index, owner, price - fee, fee);
    }

    /// @dev Free collateral: stake that is neither locked nor unbonding (saturating at zero).
    function _free(Provider storage p) internal view returns (uint256) {
        uint256 used = uint256(p.locked) + p.unbonding;
        uint256 stake = p.stake;
        return stake > used ? stake - used : 0;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISwanMarket
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ISwanMarket
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ISwanMarket
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @inheritdoc ISwanMarket
    function freeCollateral(address provider) external view returns (uint256) {
        return _free(_providers[provider]);
    }

    /// @inheritdoc ISwanMarket
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc ISwanMarket
    function getReplica(uint256 taskId, uint256 replica) external view returns (Replica memory) {
        return _replicas[taskId][replica];
    }

    /// @inheritdoc ISwanMarket
    function getParams(uint16 version) external view returns (Params memory) {
        return _params[version];
    }

    /// @inheritdoc ISwanMarket
    function paramsVersion() external view returns (uint16) {
        return _paramsVersion;
    }

    /// @inheritdoc ISwanMarket
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ISwanMarket
    function serviceClaimedUntil(uint256 taskId, uint256 replica) external view returns (uint256) {
        return _claimedUntil[taskId][replica];
    }

    /// @inheritdoc ISwanMarket
    function resultOf(uint256 taskId, uint256 replica) external view returns (bytes32) {
        return _results[taskId][replica];
    }

    /// @inheritdoc ISwanMarket
    function submitterOf(uint256 taskId) external pure returns (address) {
        return _submitterOf(taskId);
    }

    /// @inheritdoc ISwanMarket
    function collateralOf(uint256 taskId) external view returns (uint256) {
        return _collateral(_tasks[taskId]);
    }

    /// @inheritdoc ISwanMarket
    function serviceWindow(uint256 taskId) external view returns (uint256 startedAt, uint256 endsAt) {
        ServiceWindow storage w = _service[taskId];
        return (w.startedAt, w.endsAt);
    }

    /// @inheritdoc ISwanMarket
    function quorumProgress(uint256 taskId) external view returns (uint256 committed, uint256 revealed) {
        QuorumProgress storage q = _quorum[taskId];
        return (q.committed, q.revealed);
    }

    /// @inheritdoc ISwanMarket
    function isKeeper(address account) external view returns (bool) {
        return _keepers[account];
    }

    /// @notice The admin (governance) address.
    function admin() external view returns (address) {
        return _admin;
    }

    /// @notice The pauser address.
    function pauser() external view returns (address) {
        return _pauser;
    }

    /// @notice Whether new tasks and assignments are paused.
    function paused() external view returns (bool) {
        return _paused;
    }
}
