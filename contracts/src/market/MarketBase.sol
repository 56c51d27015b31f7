// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanRegistry} from "../SwanRegistry.sol";
import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {Payments} from "../libraries/Payments.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title MarketBase — storage, limits and the money primitives every module shares
/// @notice Invariants kept by every function that moves value (the market is the only vault:
/// the registry keeps the books of collateral, the tokens sit here):
///  - token balance of the market == Σ internal balances + Σ provider earnings + Σ escrow of
///    tasks not yet final + Σ registry stakes;
///  - for every provider, locked ≤ bonded stake at lock time, and locked + slashedTotal ≤
///    deposited (the registry's) always;
///  - value only moves between a task's submitter, its providers, the treasury of the task's
///    parameter version and the caller of an expiry (the bounty);
///  - a slash never pays the task's submitter nor whoever decided the verdict.
/// External calls happen only to the token (`_pullExact`, `_push`, after all state is written,
/// under the transient reentrancy guard) and to the market's own registry (views only).
abstract contract MarketBase is ISwanMarket, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ limits (capped in code)

    /// @notice Basis points in one whole (the payment library's).
    uint256 internal constant BPS = Payments.BPS;
    /// @notice A replica's collateral can never exceed 10× its value.
    uint16 public constant MAX_COLLATERAL_PCT = 1000;
    /// @notice A task has at most 16 replicas (a pass mask fits easily; loops stay bounded).
    uint8 public constant MAX_REPLICAS = 16;
    /// @notice Deadlines and service windows reach at most one year ahead.
    uint32 public constant MAX_HORIZON = 365 days;
    /// @notice A service provider leaving gives at least this much notice (and serves at least
    /// the ordered duration); a service replica may be declined only this long after its start.
    uint32 public constant SERVICE_NOTICE = 1 hours;

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
    uint8 internal constant REASON_DECLINED = 10; // every replica declined

    // ------------------------------------------------------------------ storage

    /// @dev The payment and collateral token, fixed at deployment.
    IERC20 internal immutable _token;
    /// @dev The registry (providers, roles, parameters), deployed by this contract's constructor.
    ISwanRegistry internal immutable _registry;

    // One slot, read on every create and assign: the counter and a copy of the current
    // parameters that creating and assigning need.
    uint64 internal _taskCount;
    uint16 internal _paramsVersion;
    bool internal _paused;
    uint16 internal _feeBps;
    uint96 internal _minCollateral;

    /// @dev Pushed by the registry: the keepers and every parameter version.
    mapping(address account => bool) internal _keepers;
    mapping(uint16 version => ISwanRegistry.Params) internal _params;

    mapping(address account => uint256) internal _balances;
    mapping(address provider => Account) internal _accounts;
    mapping(uint256 taskId => Task) internal _tasks;
    mapping(uint256 taskId => mapping(uint256 replica => Replica)) internal _replicas;
    /// @dev Sealed modes: the commitment, then the revealed result.
    mapping(uint256 taskId => mapping(uint256 replica => bytes32)) internal _results;
    /// @dev KnownAnswer: the answer's commitment, then the answer once revealed.
    mapping(uint256 taskId => bytes32) internal _answerCommits;
    /// @dev Sealed modes only: commitments, reveals, declines, and whether the answer is in.
    mapping(uint256 taskId => Sealed) internal _sealed;
    /// @dev Service tasks only: the paid period once assigned.
    mapping(uint256 taskId => ServiceWindow) internal _service;
    /// @dev Service tasks only: each replica's claims and notice.
    mapping(uint256 taskId => mapping(uint256 replica => ServiceReplica)) internal _serviceReplicas;

    struct Sealed {
        uint8 committed;
        uint8 revealed;
        uint8 declined;
        bool answered;
    }

    struct ServiceWindow {
        uint32 startedAt;
        uint32 endsAt;
    }

    struct ServiceReplica {
        uint32 paidUntil; // zero: paid up to the start
        uint32 leavesAt; // zero: no notice given
    }

    /// @dev Deploy the registry — which validates the roles and parameters — and start from the
    /// same keepers and parameter version 1.
    constructor(
        IERC20 token_,
        address admin_,
        address pauser_,
        address[] memory keepers_,
        ISwanRegistry.Params memory params_,
        uint256 adminDelay_
    ) {
        _token = token_;
        _registry = new SwanRegistry(token_, admin_, pauser_, keepers_, params_, adminDelay_);
        for (uint256 i; i < keepers_.length; ++i) {
            _keepers[keepers_[i]] = true;
        }
        _applyParams(params_);
    }

    // ------------------------------------------------------------------ pushed by the registry

    modifier onlyRegistry() {
        if (msg.sender != address(_registry)) revert NotRegistry();
        _;
    }

    /// @inheritdoc ISwanMarket
    function setParams(ISwanRegistry.Params calldata params) external onlyRegistry returns (uint16) {
        return _applyParams(params);
    }

    /// @inheritdoc ISwanMarket
    function setKeeper(address keeper, bool enabled) external onlyRegistry {
        _keepers[keeper] = enabled;
    }

    /// @inheritdoc ISwanMarket
    function setPaused(bool paused_) external onlyRegistry {
        _paused = paused_;
    }

    function _applyParams(ISwanRegistry.Params memory p) private returns (uint16 version) {
        version = _paramsVersion + 1;
        _paramsVersion = version;
        _params[version] = p;
        _feeBps = p.feeBps;
        _minCollateral = p.minCollateral;
    }

    // ------------------------------------------------------------------ guards

    modifier onlyKeeper() {
        if (!_keepers[msg.sender]) revert NotKeeper();
        _;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert NotSelf();
        _;
    }

    /// @dev A keeper, or the market itself running one item of a keeper's batch.
    modifier onlyKeeperOrSelf() {
        if (!_keepers[msg.sender] && msg.sender != address(this)) revert NotKeeper();
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

    /// @dev Revert unless the caller is the provider's owner or its worker key.
    function _onlyProvider(address owner) internal view {
        if (msg.sender != owner && msg.sender != _registry.workerOf(owner)) revert NotWorker();
    }

    /// @dev The submitter named by a task id.
    function _submitterOf(uint256 taskId) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast) -- the id's top 160 bits are the address by construction
        return address(uint160(taskId >> 96));
    }

    /// @dev Sealed modes: the results are committed first and revealed after.
    function _isSealed(Mode mode) internal pure returns (bool) {
        return mode == Mode.KnownAnswer || mode == Mode.Quorum;
    }

    /// @dev The collateral a replica at agreed `price` locks: `collateralPct` % of its value (the
    /// price, or the rate × the ordered duration for a service).
    function _collateral(Task storage t, uint256 price) internal view returns (uint96) {
        uint256 value = t.mode == Mode.ServiceHealth ? price * t.resultBy : price;
        // forge-lint: disable-next-line(unsafe-typecast) -- price <= cap, and cap's collateral is checked <= type(uint96).max at creation
        return uint96(Payments.collateral(value, t.collateralPct));
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

    /// @dev Credit `amount` (fee included) to a provider's earnings; returns the fee, which the
    /// caller credits to the treasury (so batches write it once).
    function _earn(Account storage a, uint256 amount, uint256 feeBps) internal returns (uint256 fee) {
        uint256 payout;
        (payout, fee) = Payments.feeSplit(amount, feeBps);
        uint256 earned = a.earned + payout;
        // anyone can empty `earned` with claimEarnings, so this can only hold up a settlement
        // until then; a single task's value always fits (checked at creation and extension)
        if (earned > type(uint96).max) revert AmountTooLarge();
        // forge-lint: disable-next-line(unsafe-typecast) -- checked against type(uint96).max just above
        a.earned = uint96(earned);
    }

    /// @dev Release a replica's collateral after it finished without fault.
    function _release(Account storage a, uint96 collateral, bool completed) internal {
        a.locked -= collateral;
        if (completed) a.completed += 1;
        a.lastActivity = uint32(block.timestamp);
    }

    /// @dev Slash a replica's collateral (all of what its task locked, never more) to the treasury,
    /// less the bounty when `bountyTo` is set (no-shows expired by someone other than the
    /// submitter). The submitter gets `refund` back; `forfeit` (the price of a replica that
    /// failed a known answer) goes to the treasury too.
    function _slash(
        uint256 taskId,
        uint256 index,
        Task storage t,
        Replica storage r,
        uint256 refund,
        uint256 forfeit,
        address bountyTo
    ) internal {
        address provider = r.provider;
        uint96 c = _collateral(t, r.price);
        Account storage a = _accounts[provider];
        a.locked -= c;
        a.failed += 1;
        a.slashedTotal += c;
        a.lastActivity = uint32(block.timestamp);
        r.status = ReplicaStatus.Slashed;
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        (uint256 bounty, uint256 toTreasury) = Payments.slashSplit(c, params.bountyBps, bountyTo != address(0));
        toTreasury += forfeit;
        if (refund != 0) _balances[_submitterOf(taskId)] += refund;
        if (toTreasury != 0) _balances[params.treasury] += toTreasury;
        if (bounty != 0) _balances[bountyTo] += bounty;
        // the tokens already sit in this contract and the registry counts the stake net of
        // slashedTotal: a slash is bookkeeping here and calls nothing
        emit ReplicaSlashed(taskId, index, provider, c, toTreasury, bounty, refund);
    }

    /// @dev The bounty recipient for a no-show expired by the caller: nobody when the caller is
    /// the task's own submitter (a submitter must never gain from its own task).
    function _bountyTo(uint256 taskId) internal view returns (address) {
        return msg.sender == _submitterOf(taskId) ? address(0) : msg.sender;
    }

    /// @dev Pay a batch replica its agreed price and release its collateral. Returns the fee,
    /// which the caller credits to the treasury.
    function _pay(uint256 taskId, uint256 index, Task storage t, Replica storage r, ISwanRegistry.Params storage params)
        internal
        returns (uint256 fee)
    {
        address provider = r.provider;
        Account storage a = _accounts[provider];
        uint256 price = r.price;
        fee = _earn(a, price, params.feeBps);
        _release(a, _collateral(t, price), true);
        r.status = ReplicaStatus.Paid;
        emit ReplicaPaid(taskId, index, provider, price - fee, fee);
    }

    /// @dev Bonded stake (deposited, less slashed, less unbonding) and of it what no task locks.
    function _bondedAndFree(uint256 deposited, uint256 unbonding, Account storage a)
        internal
        view
        returns (uint256 bonded, uint256 free)
    {
        uint256 stake = deposited - a.slashedTotal;
        bonded = stake > unbonding ? stake - unbonding : 0;
        uint256 locked = a.locked;
        free = bonded > locked ? bonded - locked : 0;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISwanMarket
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ISwanMarket
    function registry() external view returns (ISwanRegistry) {
        return _registry;
    }

    /// @inheritdoc ISwanMarket
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ISwanMarket
    function getAccount(address provider) external view returns (Account memory) {
        return _accounts[provider];
    }

    /// @inheritdoc ISwanMarket
    function freeCollateral(address provider) external view returns (uint256 free) {
        // slither-disable-next-line unused-return -- status and terms are not needed for the free amount
        (,, uint256 deposited, uint256 unbonding,,,) = _registry.assignable(provider);
        (, free) = _bondedAndFree(deposited, unbonding, _accounts[provider]);
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
    function getParams(uint16 version) external view returns (ISwanRegistry.Params memory) {
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
    function resultOf(uint256 taskId, uint256 replica) external view returns (bytes32) {
        return _results[taskId][replica];
    }

    /// @inheritdoc ISwanMarket
    function submitterOf(uint256 taskId) external pure returns (address) {
        return _submitterOf(taskId);
    }

    /// @inheritdoc ISwanMarket
    function collateralOf(uint256 taskId, uint256 replica) external view returns (uint256) {
        Replica storage r = _replicas[taskId][replica];
        return r.provider == address(0) ? 0 : _collateral(_tasks[taskId], r.price);
    }

    /// @inheritdoc ISwanMarket
    function commitmentOf(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(taskId, replica, resultHash, salt));
    }

    /// @inheritdoc ISwanMarket
    function serviceWindow(uint256 taskId) external view returns (uint256 startedAt, uint256 endsAt) {
        ServiceWindow storage w = _service[taskId];
        return (w.startedAt, w.endsAt);
    }

    /// @inheritdoc ISwanMarket
    function serviceReplica(uint256 taskId, uint256 replica)
        external
        view
        returns (uint256 paidUntil, uint256 leavesAt)
    {
        ServiceReplica storage s = _serviceReplicas[taskId][replica];
        return (s.paidUntil, s.leavesAt);
    }

    /// @inheritdoc ISwanMarket
    function sealedProgress(uint256 taskId)
        external
        view
        returns (uint256 committed, uint256 revealed, uint256 declined, bool answered)
    {
        Sealed storage s = _sealed[taskId];
        return (s.committed, s.revealed, s.declined, s.answered);
    }

    /// @inheritdoc ISwanMarket
    function isKeeper(address account) external view returns (bool) {
        return _keepers[account];
    }

    /// @inheritdoc ISwanMarket
    function paused() external view returns (bool) {
        return _paused;
    }
}
