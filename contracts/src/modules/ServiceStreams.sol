// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {Payments} from "../libraries/Payments.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title ServiceStreams — long-running services paid per second
/// @notice Once assigned, a service task's paid period runs from `startedAt` to `endsAt`
/// (`serviceWindow`); the task's `resultBy` keeps the ordered duration. Each running replica earns `rate × seconds` between the last claim and
/// min(now, end). The escrow of a running service is therefore Σ over running replicas of
/// `rate × (end − paid until)`: extending adds to it, terminating refunds the rest to the second,
/// and a failure reported by the keeper pays up to the failure, refunds the remainder and slashes.
abstract contract ServiceStreams is MarketBase {
    function _runningService(uint256 taskId) private view returns (Task storage t) {
        t = _taskIn(taskId, TaskStatus.Assigned);
        if (t.mode != Mode.ServiceHealth) revert WrongMode(taskId, t.mode);
    }

    /// @dev Pay replica `i` up to `until`; returns the fee for the treasury.
    function _accrue(uint256 taskId, uint256 i, Task storage t, Replica storage r, uint256 until, Params storage params)
        private
        returns (uint256 fee)
    {
        uint256 from = _paidUntil(taskId, i);
        if (until <= from) return 0;
        uint256 amount = Payments.prorate(r.price, from, until);
        _claimedUntil[taskId][i] = until;
        fee = _earn(_providers[r.provider], amount, params);
        emit ServiceClaimed(taskId, i, until, amount - fee, fee);
    }

    function _paidUntil(uint256 taskId, uint256 i) private view returns (uint256) {
        uint256 claimed = _claimedUntil[taskId][i];
        return claimed == 0 ? _service[taskId].startedAt : claimed;
    }

    /// @dev Σ rate over running replicas.
    function _runningRate(uint256 taskId, Task storage t) private view returns (uint256 rate) {
        uint256 k = t.replicas;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status == ReplicaStatus.Assigned) rate += r.price;
        }
    }

    /// @inheritdoc ISwanMarket
    function claimService(uint256 taskId, uint256 replica) external {
        Task storage t = _runningService(taskId);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        uint256 end = _service[taskId].endsAt;
        uint256 until = block.timestamp < end ? block.timestamp : end;
        if (until <= _paidUntil(taskId, replica)) revert NothingToWithdraw();
        Params storage params = _params[t.paramsVersion];
        uint256 fee = _accrue(taskId, replica, t, r, until, params);
        if (fee != 0) _balances[params.treasury] += fee;
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
        uint256 cost = _runningRate(taskId, t) * extraSeconds;
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
        uint256 end = w.endsAt;
        if (block.timestamp >= end) revert TooLate(end);
        uint256 refund = Payments.prorate(_runningRate(taskId, t), block.timestamp, end);
        // forge-lint: disable-next-line(unsafe-typecast) -- now < end, a uint32
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
        uint256 end = _service[taskId].endsAt;
        uint256 latest = block.timestamp < end ? block.timestamp : end;
        if (failedAt < _paidUntil(taskId, replica) || failedAt > latest) revert InvalidFailureTime(failedAt);
        Params storage params = _params[t.paramsVersion];
        uint256 fee = _accrue(taskId, replica, t, r, failedAt, params);
        if (fee != 0) _balances[params.treasury] += fee;
        uint256 refund = Payments.prorate(r.price, failedAt, end);
        _slash(taskId, replica, t, r, refund, address(0));
        emit ServiceFailed(taskId, replica, failedAt, refund);
        if (!_anyRunning(taskId, t)) {
            t.status = TaskStatus.Failed;
            emit TaskFinalized(taskId, TaskStatus.Failed, REASON_SERVICE_FAILED);
        }
    }

    function _anyRunning(uint256 taskId, Task storage t) private view returns (bool) {
        uint256 k = t.replicas;
        for (uint256 i; i < k; ++i) {
            if (_replicas[taskId][i].status == ReplicaStatus.Assigned) return true;
        }
        return false;
    }

    /// @inheritdoc ISwanMarket
    function finishService(uint256 taskId) external {
        Task storage t = _runningService(taskId);
        uint256 end = _service[taskId].endsAt;
        if (block.timestamp < end) revert TooEarly(end);
        _finish(taskId, t, REASON_SERVICE_FINISHED);
    }

    /// @dev Pay every running replica up to the end, release its collateral, complete the task.
    function _finish(uint256 taskId, Task storage t, uint8 reason) private {
        uint256 k = t.replicas;
        uint256 end = _service[taskId].endsAt;
        uint96 collateral = _collateral(t);
        Params storage params = _params[t.paramsVersion];
        uint256 fees = 0;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status != ReplicaStatus.Assigned) continue;
            fees += _accrue(taskId, i, t, r, end, params);
            _release(_providers[r.provider], collateral, true);
            r.status = ReplicaStatus.Ended;
        }
        if (fees != 0) _balances[params.treasury] += fees;
        t.status = TaskStatus.Completed;
        emit TaskFinalized(taskId, TaskStatus.Completed, reason);
    }
}
