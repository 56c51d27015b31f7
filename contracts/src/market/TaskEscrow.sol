// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title TaskEscrow — creating, cancelling, assigning and declining tasks
/// @notice `createTask` escrows the whole cap (`replicas × price`, or `replicas × rate × duration`
/// for a service). `assign` names the providers at agreed prices ≤ cap — each within the terms
/// its provider agreed to in the registry — locks each provider's collateral (`collateralPct` %
/// of its agreed value) and refunds the unused part of the cap at once, so that from then on a
/// task's escrow is exactly the sum of its replicas' agreed prices (batch) or unpaid streams
/// (service). Storage per task is one slot (the id names the submitter); the request's other
/// fields are only emitted.
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
        if (r.collateralPct > MAX_COLLATERAL_PCT) revert CollateralPctTooHigh(r.collateralPct, MAX_COLLATERAL_PCT);
        uint16 version = _paramsVersion;
        if (r.paramsVersion != version) revert ParamsChanged(r.paramsVersion, version);

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
        if (r.price == 0) revert AmountTooSmall();
        if (r.price > type(uint88).max || perReplica > type(uint96).max) revert AmountTooLarge();
        // the collateral must fit a provider's account
        if (perReplica * r.collateralPct / 100 > type(uint96).max) revert AmountTooLarge();

        uint64 n = _taskCount + 1;
        _taskCount = n;
        taskId = uint256(uint160(msg.sender)) << 96 | n;
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
        emit TaskCreated(taskId, msg.sender, r, escrow);
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
        uint256 value = t.mode == Mode.ServiceHealth ? uint256(t.price) * t.resultBy : t.price;
        uint256 refund = value * t.replicas;
        t.status = TaskStatus.Cancelled;
        _balances[_submitterOf(taskId)] += refund;
        emit TaskCancelled(taskId, refund, expired);
        emit TaskFinalized(taskId, TaskStatus.Cancelled, expired ? REASON_UNASSIGNED : REASON_CANCELLED);
    }

    // ------------------------------------------------------------------ assign

    /// @inheritdoc ISwanMarket
    /// @dev Also each item of `assignBatch`, called by the market itself in its own call frame.
    function assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices)
        external
        onlyKeeperOrSelf
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
        if (providers.length != n) revert ReplicaCountMismatch(n, providers.length);
        if (prices.length != n) revert ReplicaCountMismatch(n, prices.length);
        for (uint256 i; i < n; ++i) {
            // each item in its own call frame: a refusal rolls back that item only
            try this.assign(taskIds[i], providers[i], prices[i]) {}
            catch (bytes memory reason) {
                emit BatchItemSkipped(taskIds[i], reason);
            }
        }
    }

    /// @dev Check that `owner` may take a replica of the task at `price` — within the terms it
    /// agreed to — and lock the replica's collateral.
    function _lock(Task storage t, address owner, address submitter, uint256 price) private {
        if (owner == submitter) revert SubmitterIsProvider(owner);
        (
            ISwanRegistry.ProviderStatus status,
            uint8 modes,
            uint256 deposited,
            uint256 unbonding,
            uint256 maxCollateral,
            uint256 minPrice,
            uint256 minRate
        ) = _registry.assignable(owner);
        if (status != ISwanRegistry.ProviderStatus.Active) {
            if (status == ISwanRegistry.ProviderStatus.None) revert UnknownProvider(owner);
            revert ProviderNotActive(owner);
        }
        Mode mode = t.mode;
        if ((modes >> uint8(mode)) & 1 == 0) revert ModeNotAccepted(owner, mode);
        uint256 floor = mode == Mode.ServiceHealth ? minRate : minPrice;
        if (price < floor) revert PriceBelowFloor(owner, price, floor);
        uint96 collateral = _collateral(t, price);
        if (collateral > maxCollateral) revert CollateralAboveLimit(owner, collateral, maxCollateral);
        Account storage a = _accounts[owner];
        (uint256 bonded, uint256 free) = _bondedAndFree(deposited, unbonding, a);
        uint256 minimum = _minCollateral;
        if (bonded < minimum) revert BelowMinCollateral(owner, bonded, minimum);
        if (free < collateral) revert InsufficientCollateral(owner, free, collateral);
        a.locked += collateral;
        a.lastActivity = uint32(block.timestamp);
    }

    function _assign(uint256 taskId, address[] calldata providers, uint256[] calldata prices) private {
        Task storage t = _taskIn(taskId, TaskStatus.Open);
        if (block.timestamp > t.assignBy) revert TooLate(t.assignBy);
        uint256 k = t.replicas;
        if (providers.length != k) revert ReplicaCountMismatch(k, providers.length);
        if (prices.length != k) revert ReplicaCountMismatch(k, prices.length);
        uint256 cap = t.price;
        address submitter = _submitterOf(taskId);
        uint256 unused = 0;
        for (uint256 i; i < k; ++i) {
            address owner = providers[i];
            uint256 price = prices[i];
            if (price > cap) revert PriceAboveCap(price, cap);
            for (uint256 j; j < i; ++j) {
                if (providers[j] == owner) revert DuplicateProvider(owner);
            }
            _lock(t, owner, submitter, price);
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

    // ------------------------------------------------------------------ decline

    /// @inheritdoc ISwanMarket
    function declineTask(uint256 taskId, uint256 replica) external {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        address provider = r.provider;
        _onlyProvider(provider);
        uint256 refund;
        if (t.mode == Mode.ServiceHealth) {
            ServiceWindow storage w = _service[taskId];
            uint256 lastChance = uint256(w.startedAt) + SERVICE_NOTICE;
            if (block.timestamp > lastChance) revert TooLate(lastChance);
            // what was already claimed stays paid; the rest of its stream goes back
            ServiceReplica storage s = _serviceReplicas[taskId][replica];
            uint256 paidUntil = s.paidUntil == 0 ? w.startedAt : s.paidUntil;
            uint256 end = s.leavesAt != 0 && s.leavesAt < w.endsAt ? s.leavesAt : w.endsAt;
            refund = uint256(r.price) * (end - paidUntil);
        } else {
            if (block.timestamp > t.resultBy) revert TooLate(t.resultBy);
            refund = r.price;
            if (_isSealed(t.mode)) _sealed[taskId].declined += 1;
        }
        Account storage a = _accounts[provider];
        a.locked -= _collateral(t, r.price);
        a.declined += 1;
        a.lastActivity = uint32(block.timestamp);
        r.status = ReplicaStatus.Declined;
        _balances[_submitterOf(taskId)] += refund;
        emit ReplicaDeclined(taskId, replica, provider, refund);
        _afterReplicaLeft(taskId, t);
    }

    /// @dev After a replica left the task early (declined, failed): end the task if nothing is
    /// left running, or settle a sealed task whose set of reveals is now complete.
    function _afterReplicaLeft(uint256 taskId, Task storage t) internal virtual;
}
