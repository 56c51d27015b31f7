// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title TaskEscrow — creating, cancelling and assigning tasks
/// @notice `createTask` escrows the whole cap (`replicas × price`, or `replicas × rate × duration`
/// for a service). `assign` names the providers at agreed prices ≤ cap, locks each provider's
/// collateral and refunds the unused part of the cap at once, so that from then on a task's escrow
/// is exactly the sum of its replicas' agreed prices (batch) or unpaid streams (service).
/// Storage per task is one slot (the id names the submitter); the request's other fields are only
/// emitted.
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

        uint256 horizon = block.timestamp + MAX_HORIZON;
        if (r.assignBy <= block.timestamp || r.assignBy > horizon) revert InvalidDeadline();
        uint256 perReplica;
        if (r.mode == Mode.ServiceHealth) {
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
        // a zero price, or one whose fee would round to zero, is dust
        if (r.price == 0 || perReplica * _feeBps < BPS) revert AmountTooSmall();
        // the collateral must fit a provider's record
        if (perReplica * r.collateralPct / 100 > type(uint96).max) revert AmountTooLarge();

        uint64 n = _taskCount + 1;
        _taskCount = n;
        taskId = uint256(uint160(msg.sender)) << 96 | n;
        uint16 version = _paramsVersion;
        _tasks[taskId] = Task({
            status: TaskStatus.Open,
            mode: r.mode,
            // forge-lint: disable-next-line(unsafe-typecast) -- replicas <= MAX_REPLICAS (16)
            replicas: uint8(replicas),
            quorum: r.quorum,
            paramsVersion: version,
            collateralPct: r.collateralPct,
            assignBy: r.assignBy,
            resultBy: r.resultBy,
            settleBy: r.settleBy,
            price: r.price
        });
        if (r.answerCommit != bytes32(0)) _answerCommits[taskId] = r.answerCommit;
        uint256 escrow = perReplica * replicas;
        emit TaskCreated(taskId, msg.sender, r, escrow, version);
        _debit(msg.sender, escrow);
    }

    /// @inheritdoc ISwanMarket
    function cancelTask(uint256 taskId) external {
        Task storage t = _taskIn(taskId, TaskStatus.Open);
        if (msg.sender != _submitterOf(taskId)) revert NotSubmitter();
        _cancel(taskId, t, false);
    }

    /// @dev Close an open task and refund its whole escrow to the submitter.
    function _cancel(uint256 taskId, Task storage t, bool expired) internal {
        uint256 refund = _replicaValue(t) * t.replicas;
        t.status = TaskStatus.Cancelled;
        _balances[_submitterOf(taskId)] += refund;
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
    function _lockCollateral(address owner, address submitter, uint96 collateral) private {
        if (owner == submitter) revert SubmitterIsProvider(owner);
        Provider storage p = _providers[owner];
        ProviderStatus status = p.status;
        if (status != ProviderStatus.Active) {
            if (status == ProviderStatus.None) revert UnknownProvider(owner);
            revert ProviderNotActive(owner);
        }
        uint256 minCollateral = _minCollateral;
        uint256 bonded = p.stake - p.unbonding;
        if (bonded < minCollateral) revert BelowMinCollateral(owner, bonded, minCollateral);
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
        address submitter = _submitterOf(taskId);
        uint96 collateral = _collateral(t);
        uint256 unused = 0;
        for (uint256 i; i < k; ++i) {
            address owner = providers[i];
            uint256 price = prices[i];
            if (price > cap) revert PriceAboveCap(price, cap);
            for (uint256 j; j < i; ++j) {
                if (providers[j] == owner) revert DuplicateProvider(owner);
            }
            _lockCollateral(owner, submitter, collateral);
            // forge-lint: disable-next-line(unsafe-typecast) -- price <= cap <= type(uint88).max, checked at creation
            _replicas[taskId][i] = Replica({provider: owner, price: uint88(price), status: ReplicaStatus.Assigned});
            unused += cap - price;
        }
        t.status = TaskStatus.Assigned;
        if (t.mode == Mode.ServiceHealth) {
            uint256 duration = t.resultBy;
            unused *= duration;
            uint256 endsAt = block.timestamp + duration;
            // forge-lint: disable-next-line(unsafe-typecast) -- now and now + duration (<= 1 year) fit uint32 until 2106
            _service[taskId] = ServiceWindow({startedAt: uint32(block.timestamp), endsAt: uint32(endsAt)});
            emit ServiceStarted(taskId, block.timestamp, endsAt);
        }
        if (unused != 0) _balances[submitter] += unused;
        emit TaskAssigned(taskId, providers, prices, unused);
    }
}
