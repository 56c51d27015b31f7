// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title TaskEscrow — creating, cancelling and assigning tasks
/// @notice `createTask` escrows the whole cap (`replicas × price`, or `replicas × rate × duration`
/// for a service). `assign` names the providers at agreed prices ≤ cap, locks each provider's
/// collateral and refunds the unused part of the cap at once, so that from then on a task's escrow
/// is exactly the sum of its replicas' agreed prices (batch) or unpaid streams (service).
/// Storage per task is two slots; the request's other fields are only emitted.
abstract contract TaskEscrow is MarketBase {
    // ------------------------------------------------------------------ create and cancel

    /// @inheritdoc ISwanMarket
    function createTask(TaskRequest calldata r) external nonReentrant whenNotPaused returns (uint256 taskId) {
        uint256 replicas = r.replicas;
        if (replicas == 0 || replicas > MAX_REPLICAS) revert InvalidReplicas();
        if (r.mode == Mode.Quorum) {
            if (replicas < 2 || r.quorum > replicas || uint256(r.quorum) * 2 <= replicas) revert InvalidReplicas();
        } else if (r.quorum != 0) {
            revert InvalidReplicas();
        }
        if ((r.mode == Mode.KnownAnswer) != (r.answerCommit != bytes32(0))) revert InvalidAnswerCommit();

        bool service = r.mode == Mode.ServiceHealth;
        uint256 horizon = block.timestamp + MAX_HORIZON;
        if (r.assignBy <= block.timestamp || r.assignBy > horizon) revert InvalidDeadline();
        uint256 perReplica;
        if (service) {
            // resultBy carries the duration in seconds; settleBy is unused
            if (r.resultBy == 0 || r.resultBy > MAX_HORIZON || r.settleBy != 0) revert InvalidDeadline();
            perReplica = uint256(r.price) * r.resultBy;
        } else {
            if (r.resultBy <= r.assignBy || r.settleBy <= r.resultBy || r.settleBy > horizon) {
                revert InvalidDeadline();
            }
            perReplica = r.price;
        }
        if (r.price > type(uint88).max || perReplica > type(uint96).max) revert AmountTooLarge();
        uint16 version = _paramsVersion;
        // a zero price, or one whose fee would round to zero, is dust
        if (r.price == 0 || perReplica * _params[version].feeBps < BPS) revert AmountTooSmall();
        uint256 escrow = perReplica * replicas;

        taskId = ++_taskCount;
        Task storage t = _tasks[taskId];
        t.status = TaskStatus.Open;
        t.mode = r.mode;
        // forge-lint: disable-next-line(unsafe-typecast) -- replicas <= MAX_REPLICAS (16)
        t.replicas = uint8(replicas);
        t.quorum = r.quorum;
        t.paramsVersion = version;
        t.assignBy = r.assignBy;
        t.resultBy = r.resultBy;
        t.settleBy = r.settleBy;
        t.collateral = r.collateral;
        t.submitter = msg.sender;
        t.price = r.price;
        if (r.answerCommit != bytes32(0)) _answerCommits[taskId] = r.answerCommit;
        emit TaskCreated(taskId, msg.sender, r, escrow, version);
        _debit(msg.sender, escrow);
    }

    /// @dev Escrow held by an open task.
    function _openEscrow(Task storage t) internal view returns (uint256) {
        uint256 perReplica = t.mode == Mode.ServiceHealth ? uint256(t.price) * t.resultBy : t.price;
        return perReplica * t.replicas;
    }

    /// @inheritdoc ISwanMarket
    function cancelTask(uint256 taskId) external {
        Task storage t = _taskIn(taskId, TaskStatus.Open);
        address submitter = t.submitter;
        if (msg.sender != submitter) revert NotSubmitter();
        _cancel(taskId, t, false);
    }

    /// @dev Close an open task and refund its whole escrow to the submitter.
    function _cancel(uint256 taskId, Task storage t, bool expired) internal {
        uint256 refund = _openEscrow(t);
        t.status = TaskStatus.Cancelled;
        _balances[t.submitter] += refund;
        emit TaskCancelled(taskId, refund, expired);
        emit TaskFinalized(taskId, TaskStatus.Cancelled, expired ? REASON_UNASSIGNED : REASON_CANCELLED);
    }

    // ------------------------------------------------------------------ assign

    /// @inheritdoc ISwanMarket
    function assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices)
        external
        nonReentrant
        onlyKeeper
        whenNotPaused
    {
        _assign(taskId, providers, prices);
    }

    /// @inheritdoc ISwanMarket
    function assignBatch(uint256[] calldata taskIds, address[][] calldata providers, uint256[][] calldata prices)
        external
        nonReentrant
        onlyKeeper
        whenNotPaused
    {
        uint256 n = taskIds.length;
        if (providers.length != n || prices.length != n) revert ReplicaCountMismatch(n, providers.length);
        for (uint256 i; i < n; ++i) {
            _assign(taskIds[i], providers[i], prices[i]);
        }
    }

    /// @dev Check that `owner` may take the task and lock the task's collateral from its stake.
    function _lockCollateral(address owner, Task storage t) private {
        if (owner == t.submitter) revert SubmitterIsProvider(owner);
        Provider storage p = _providers[owner];
        ProviderStatus status = p.status;
        if (status != ProviderStatus.Active) {
            if (status == ProviderStatus.None) revert UnknownProvider(owner);
            revert ProviderNotActive(owner);
        }
        uint256 minCollateral = _minCollateral;
        uint256 bonded = p.stake - p.unbonding;
        if (bonded < minCollateral) revert BelowMinCollateral(owner, bonded, minCollateral);
        uint96 collateral = t.collateral;
        uint256 free = _free(p);
        if (free < collateral) revert InsufficientCollateral(owner, free, collateral);
        p.locked += collateral;
        p.lastActivity = uint32(block.timestamp);
    }

    function _assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices) private {
        Task storage t = _taskIn(taskId, TaskStatus.Open);
        if (block.timestamp > t.assignBy) revert TooLate(t.assignBy);
        uint256 k = t.replicas;
        if (providers.length != k) revert ReplicaCountMismatch(k, providers.length);
        if (prices.length != k) revert ReplicaCountMismatch(k, prices.length);
        uint256 cap = t.price;
        uint256 unused;
        for (uint256 i; i < k; ++i) {
            address owner = providers[i];
            uint256 price = prices[i];
            if (price > cap) revert PriceAboveCap(price, cap);
            for (uint256 j; j < i; ++j) {
                if (providers[j] == owner) revert DuplicateProvider(owner);
            }
            _lockCollateral(owner, t);
            // forge-lint: disable-next-line(unsafe-typecast) -- price <= cap <= type(uint88).max, checked at creation
            _replicas[taskId][i] = Replica({provider: owner, price: uint88(price), status: ReplicaStatus.Assigned});
            unused += cap - price;
        }
        address submitter = t.submitter;
        t.status = TaskStatus.Assigned;
        if (t.mode == Mode.ServiceHealth) {
            uint256 duration = t.resultBy;
            unused *= duration;
            uint256 endsAt = block.timestamp + duration;
            t.settleBy = uint32(block.timestamp);
            // forge-lint: disable-next-line(unsafe-typecast) -- now + duration (<= 1 year) fits uint32 until 2106
            t.resultBy = uint32(endsAt);
            emit ServiceStarted(taskId, block.timestamp, endsAt);
        }
        if (unused != 0) _balances[submitter] += unused;
        emit TaskAssigned(taskId, providers, prices, unused);
    }
}
