// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {Payments} from "../libraries/Payments.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title ServiceStreams — long-running services paid per second
/// @notice Once assigned, a service task's paid period runs from `startedAt` to `endsAt`
/// (`serviceWindow`); the task's `resultBy` keeps the ordered duration. Each running replica earns
/// `rate × seconds` between its last claim and min(now, its end), where its end is the task's end
/// or, once its provider gave notice (`leaveService`), the time it leaves. The escrow of a running
/// service is therefore Σ over running replicas of `rate × (end − paid until)`: extending adds to
/// it (for replicas that have not given notice), notice and termination refund the rest to the
/// second, and a failure reported by the keeper pays up to the failure, refunds the remainder and
/// slashes the collateral to the treasury. A provider serves at most the ordered duration or one
/// `SERVICE_NOTICE` past its notice, whichever is later: extensions never hold it longer.
abstract contract ServiceStreams is MarketBase {
    function _runningService(uint256 taskId) private view returns (Task storage t) {
        t = _taskIn(taskId, TaskStatus.Assigned);
        if (t.mode != Mode.ServiceHealth) revert WrongMode(taskId, t.mode);
    }

    /// @dev A replica's end: the task's end, or the time it leaves if earlier.
    function _endOf(uint256 taskId, ServiceReplica storage s) private view returns (uint256) {
        uint256 end = _service[taskId].endsAt;
        uint256 leavesAt = s.leavesAt;
        return leavesAt != 0 && leavesAt < end ? leavesAt : end;
    }

    function _paidUntil(uint256 taskId, ServiceReplica storage s) private view returns (uint256) {
        uint256 paid = s.paidUntil;
        return paid == 0 ? _service[taskId].startedAt : paid;
    }

    /// @dev Pay replica `i` up to `until`; returns the fee for the treasury.
    function _accrue(
        uint256 taskId,
        uint256 i,
        Replica storage r,
        ServiceReplica storage s,
        uint256 until,
        ISwanRegistry.Params storage params
    ) private returns (uint256 fee) {
        uint256 from = _paidUntil(taskId, s);
        if (until <= from) return 0;
        uint256 amount = Payments.prorate(r.price, from, until);
        // forge-lint: disable-next-line(unsafe-typecast) -- until <= the window's end, a uint32
        s.paidUntil = uint32(until);
        fee = _earn(_accounts[r.provider], amount, params.feeBps);
        emit ServiceClaimed(taskId, i, until, amount - fee, fee);
    }

    /// @dev A replica served to its end: unlock its collateral.
    function _endReplica(Task storage t, Replica storage r) private {
        _release(_accounts[r.provider], _collateral(t, r.price), true);
        r.status = ReplicaStatus.Ended;
    }

    /// @inheritdoc ISwanMarket
    function claimService(uint256 taskId, uint256 replica) external {
        Task storage t = _runningService(taskId);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        ServiceReplica storage s = _serviceReplicas[taskId][replica];
        uint256 end = _endOf(taskId, s);
        bool over = block.timestamp >= end;
        uint256 until = over ? end : block.timestamp;
        if (!over && until <= _paidUntil(taskId, s)) revert NothingToWithdraw();
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        uint256 fee = _accrue(taskId, replica, r, s, until, params);
        if (fee != 0) _balances[params.treasury] += fee;
        if (over) {
            _endReplica(t, r);
            emit ServiceReplicaEnded(taskId, replica);
            _closeServiceIfIdle(taskId, t);
        }
    }

    /// @inheritdoc ISwanMarket
    function leaveService(uint256 taskId, uint256 replica) external {
        Task storage t = _runningService(taskId);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        _onlyProvider(r.provider);
        uint256 agreedEnd = uint256(_service[taskId].startedAt) + t.resultBy;
        uint256 notice = block.timestamp + SERVICE_NOTICE;
        uint256 leavesAt = agreedEnd > notice ? agreedEnd : notice;
        ServiceReplica storage s = _serviceReplicas[taskId][replica];
        uint256 end = _endOf(taskId, s);
        if (leavesAt >= end) revert TooLate(end);
        // forge-lint: disable-next-line(unsafe-typecast) -- leavesAt < end, a uint32
        s.leavesAt = uint32(leavesAt);
        uint256 refund = Payments.prorate(r.price, leavesAt, end);
        _balances[_submitterOf(taskId)] += refund;
        emit ServiceLeft(taskId, replica, leavesAt, refund);
    }

    /// @inheritdoc ISwanMarket
    function extendService(uint256 taskId, uint32 extraSeconds) external nonReentrant {
        Task storage t = _runningService(taskId);
        if (msg.sender != _submitterOf(taskId)) revert NotSubmitter();
        ServiceWindow storage w = _service[taskId];
        uint256 end = w.endsAt;
        if (block.timestamp >= end) revert TooLate(end);
        if (extraSeconds == 0) revert AmountTooSmall();
        uint256 newEnd = end + extraSeconds;
        if (newEnd > block.timestamp + MAX_HORIZON) revert InvalidDeadline();
        // a replica's whole stream (at most the cap per second) must fit its provider's account
        if (uint256(t.price) * (newEnd - w.startedAt) > type(uint96).max) revert AmountTooLarge();
        uint256 rate = 0;
        uint256 k = t.replicas;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status == ReplicaStatus.Assigned && _serviceReplicas[taskId][i].leavesAt == 0) rate += r.price;
        }
        uint256 cost = rate * extraSeconds;
        // forge-lint: disable-next-line(unsafe-typecast) -- newEnd <= now + MAX_HORIZON, far below 2^32 until 2106
        w.endsAt = uint32(newEnd);
        emit ServiceEndChanged(taskId, newEnd, cost, 0);
        _debit(msg.sender, cost);
    }

    /// @inheritdoc ISwanMarket
    function terminateService(uint256 taskId) external {
        Task storage t = _runningService(taskId);
        if (msg.sender != _submitterOf(taskId)) revert NotSubmitter();
        ServiceWindow storage w = _service[taskId];
        if (block.timestamp >= w.endsAt) revert TooLate(w.endsAt);
        uint256 refund = 0;
        uint256 k = t.replicas;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status != ReplicaStatus.Assigned) continue;
            refund += Payments.prorate(r.price, block.timestamp, _endOf(taskId, _serviceReplicas[taskId][i]));
        }
        w.endsAt = uint32(block.timestamp);
        _balances[msg.sender] += refund;
        emit ServiceEndChanged(taskId, block.timestamp, 0, refund);
        _finish(taskId, t, REASON_SERVICE_TERMINATED);
    }

    /// @inheritdoc ISwanMarket
    function reportServiceFailure(uint256 taskId, uint256 replica, uint32 failedAt) external onlyKeeper {
        Task storage t = _runningService(taskId);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        ServiceReplica storage s = _serviceReplicas[taskId][replica];
        uint256 end = _endOf(taskId, s);
        uint256 latest = block.timestamp < end ? block.timestamp : end;
        if (failedAt < _paidUntil(taskId, s) || failedAt > latest) revert InvalidFailureTime(failedAt);
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        uint256 fee = _accrue(taskId, replica, r, s, failedAt, params);
        if (fee != 0) _balances[params.treasury] += fee;
        uint256 refund = Payments.prorate(r.price, failedAt, end);
        // the keeper's verdict: the slash goes to the treasury, nothing to the submitter
        _slash(taskId, replica, t, r, refund, 0, address(0));
        emit ServiceFailed(taskId, replica, failedAt, refund);
        _closeServiceIfIdle(taskId, t);
    }

    /// @inheritdoc ISwanMarket
    function finishService(uint256 taskId) external {
        Task storage t = _runningService(taskId);
        uint256 end = _service[taskId].endsAt;
        if (block.timestamp < end) revert TooEarly(end);
        _finish(taskId, t, REASON_SERVICE_FINISHED);
    }

    /// @dev Pay every running replica up to its end, release its collateral, complete the task.
    function _finish(uint256 taskId, Task storage t, uint8 reason) private {
        uint256 k = t.replicas;
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        uint256 fees = 0;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status != ReplicaStatus.Assigned) continue;
            ServiceReplica storage s = _serviceReplicas[taskId][i];
            fees += _accrue(taskId, i, r, s, _endOf(taskId, s), params);
            _endReplica(t, r);
        }
        if (fees != 0) _balances[params.treasury] += fees;
        t.status = TaskStatus.Completed;
        emit TaskFinalized(taskId, TaskStatus.Completed, reason);
    }

    /// @dev Once no replica of a service runs: Completed if one served to its end, Failed if one
    /// was reported failed, Cancelled if every replica declined.
    function _closeServiceIfIdle(uint256 taskId, Task storage t) internal {
        uint256 k = t.replicas;
        bool ended = false;
        bool failed = false;
        for (uint256 i; i < k; ++i) {
            ReplicaStatus status = _replicas[taskId][i].status;
            if (status == ReplicaStatus.Assigned) return;
            if (status == ReplicaStatus.Ended) ended = true;
            if (status == ReplicaStatus.Slashed) failed = true;
        }
        (TaskStatus final_, uint8 reason) = ended
            ? (TaskStatus.Completed, REASON_SERVICE_FINISHED)
            : failed ? (TaskStatus.Failed, REASON_SERVICE_FAILED) : (TaskStatus.Cancelled, REASON_DECLINED);
        t.status = final_;
        emit TaskFinalized(taskId, final_, reason);
    }
}
