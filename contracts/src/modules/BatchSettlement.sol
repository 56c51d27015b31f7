// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";
import {TaskEscrow} from "./TaskEscrow.sol";

/// @title BatchSettlement — results, verdicts and permissionless expiry of batch tasks
/// @notice Who decides a verdict depends on the task's mode, fixed at creation:
///  - KeeperAttested: the keeper's pass mask, before `settleBy`;
///  - KnownAnswer: the contract, comparing each result with the answer revealed at settlement;
///  - Quorum: the contract, counting equal revealed results (the last reveal settles).
/// Once a deadline passes anyone can move the task on with `expire`: after `assignBy` an open task
/// is refunded; after `resultBy` no-shows are slashed; after `settleBy` submitted results are
/// accepted and paid (the keeper had its chance), or a quorum is counted.
abstract contract BatchSettlement is TaskEscrow {
    // ------------------------------------------------------------------ results

    /// @inheritdoc ISwanMarket
    function submitResult(uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI) external {
        _submit(taskId, replica, resultHash, resultURI);
    }

    /// @inheritdoc ISwanMarket
    function submitResults(
        uint256[] calldata taskIds,
        uint256[] calldata replicas,
        bytes32[] calldata resultHashes,
        string[] calldata resultURIs
    ) external {
        uint256 n = taskIds.length;
        if (replicas.length != n) revert ReplicaCountMismatch(n, replicas.length);
        if (resultHashes.length != n) revert ReplicaCountMismatch(n, resultHashes.length);
        if (resultURIs.length != n) revert ReplicaCountMismatch(n, resultURIs.length);
        for (uint256 i; i < n; ++i) {
            _submit(taskIds[i], replicas[i], resultHashes[i], resultURIs[i]);
        }
    }

    function _submit(uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI) private {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        Mode mode = t.mode;
        if (mode == Mode.ServiceHealth) revert WrongMode(taskId, mode);
        if (block.timestamp > t.resultBy) revert TooLate(t.resultBy);
        if (resultHash == bytes32(0)) revert EmptyResult();
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        address owner = r.provider;
        if (msg.sender != _providers[owner].worker) revert NotWorker();
        r.status = ReplicaStatus.Submitted;
        if (mode != Mode.KeeperAttested) _results[taskId][replica] = resultHash;
        if (mode == Mode.Quorum) _quorum[taskId].committed += 1;
        emit ResultSubmitted(taskId, replica, owner, resultHash, resultURI);
    }

    /// @inheritdoc ISwanMarket
    function revealResult(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt) external nonReentrant {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        if (t.mode != Mode.Quorum) revert WrongMode(taskId, t.mode);
        if (block.timestamp > t.settleBy) revert TooLate(t.settleBy);
        QuorumProgress storage q = _quorum[taskId];
        uint256 committed = q.committed;
        bool allIn = committed == t.replicas;
        // reveals open once every replica has committed, or the commit deadline has passed
        if (!allIn && block.timestamp <= t.resultBy) revert TooEarly(t.resultBy);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Submitted) revert WrongReplicaStatus(taskId, replica, r.status);
        if (msg.sender != _providers[r.provider].worker) revert NotWorker();
        if (resultHash == bytes32(0)) revert EmptyResult();
        if (keccak256(abi.encode(taskId, replica, resultHash, salt)) != _results[taskId][replica]) {
            revert RevealMismatch(taskId, replica);
        }
        _results[taskId][replica] = resultHash;
        r.status = ReplicaStatus.Revealed;
        uint256 revealed = q.revealed + 1;
        // forge-lint: disable-next-line(unsafe-typecast) -- revealed <= committed <= replicas <= 16
        q.revealed = uint8(revealed);
        emit ResultRevealed(taskId, replica, resultHash);
        if (revealed == committed) _settleQuorum(taskId, t, address(0));
    }

    // ------------------------------------------------------------------ verdicts

    /// @dev Checks common to keeper and known-answer settlement.
    function _checkSettleable(uint256 taskId, Task storage t, Mode mode) private view {
        if (t.mode != mode) revert WrongMode(taskId, t.mode);
        if (block.timestamp > t.settleBy) revert TooLate(t.settleBy);
        if (block.timestamp <= t.resultBy) {
            uint256 k = t.replicas;
            for (uint256 i; i < k; ++i) {
                if (_replicas[taskId][i].status == ReplicaStatus.Assigned) revert ResultsPending(taskId);
            }
        }
    }

    /// @dev Apply a pass mask: submitted replicas pass or are slashed; no-shows are slashed (the
    /// bounty share of a no-show's slash goes to `noShowBountyTo`, if any). Returns the fees to
    /// credit to the task's treasury.
    function _applyVerdicts(uint256 taskId, Task storage t, uint256 passMask, uint8 reason, address noShowBountyTo)
        private
        returns (uint256 fees)
    {
        uint256 k = t.replicas;
        if (passMask >> k != 0) revert VerdictWithoutResult(taskId, k);
        Params storage params = _params[t.paramsVersion];
        bool anyPaid = false;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            ReplicaStatus status = r.status;
            bool pass = (passMask >> i) & 1 == 1;
            if (status == ReplicaStatus.Submitted) {
                if (pass) {
                    fees += _pay(taskId, i, t, r, params);
                    anyPaid = true;
                } else {
                    _slash(taskId, i, t, r, r.price, address(0));
                }
            } else if (pass) {
                revert VerdictWithoutResult(taskId, i);
            } else if (status == ReplicaStatus.Assigned) {
                _slash(taskId, i, t, r, r.price, noShowBountyTo);
            }
        }
        TaskStatus final_ = anyPaid ? TaskStatus.Completed : TaskStatus.Failed;
        t.status = final_;
        emit TaskFinalized(taskId, final_, reason);
    }

    /// @inheritdoc ISwanMarket
    function settle(uint256 taskId, uint256 passMask) external onlyKeeper {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        _checkSettleable(taskId, t, Mode.KeeperAttested);
        uint256 fees = _applyVerdicts(taskId, t, passMask, REASON_KEEPER, address(0));
        if (fees != 0) _balances[_params[t.paramsVersion].treasury] += fees;
    }

    /// @inheritdoc ISwanMarket
    function settleBatch(uint256[] calldata taskIds, uint256[] calldata passMasks) external onlyKeeper {
        uint256 n = taskIds.length;
        if (passMasks.length != n) revert ReplicaCountMismatch(n, passMasks.length);
        // fees are credited once per run of tasks that share a treasury
        address treasury = address(0);
        uint256 fees = 0;
        for (uint256 i; i < n; ++i) {
            uint256 taskId = taskIds[i];
            Task storage t = _taskIn(taskId, TaskStatus.Assigned);
            _checkSettleable(taskId, t, Mode.KeeperAttested);
            address taskTreasury = _params[t.paramsVersion].treasury;
            if (taskTreasury != treasury) {
                if (fees != 0) _balances[treasury] += fees;
                treasury = taskTreasury;
                fees = 0;
            }
            fees += _applyVerdicts(taskId, t, passMasks[i], REASON_KEEPER, address(0));
        }
        if (fees != 0) _balances[treasury] += fees;
    }

    /// @inheritdoc ISwanMarket
    function settleKnownAnswer(uint256 taskId, bytes32 expected, bytes32 salt) external {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        _checkSettleable(taskId, t, Mode.KnownAnswer);
        if (keccak256(abi.encode(expected, salt)) != _answerCommits[taskId]) revert AnswerMismatch(taskId);
        uint256 k = t.replicas;
        uint256 passMask = 0;
        for (uint256 i; i < k; ++i) {
            if (_replicas[taskId][i].status == ReplicaStatus.Submitted && _results[taskId][i] == expected) {
                // forge-lint: disable-next-line(incorrect-shift) -- shifting 1 left by the replica index is intended
                passMask |= 1 << i;
            }
        }
        uint256 fees = _applyVerdicts(taskId, t, passMask, REASON_KNOWN_ANSWER, address(0));
        if (fees != 0) _balances[_params[t.paramsVersion].treasury] += fees;
    }

    /// @inheritdoc ISwanMarket
    function settleQuorum(uint256 taskId) external nonReentrant {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        if (t.mode != Mode.Quorum) revert WrongMode(taskId, t.mode);
        if (block.timestamp <= t.settleBy) revert TooEarly(t.settleBy);
        _settleQuorum(taskId, t, msg.sender);
    }

    /// @dev Count revealed results. With `quorum` equal ones: those replicas are paid and every
    /// other replica slashed. Without: revealed replicas are refunded without fault (nobody can
    /// tell who was wrong) and only the replicas that never committed or never revealed are slashed.
    function _settleQuorum(uint256 taskId, Task storage t, address bountyTo) private {
        uint256 k = t.replicas;
        bytes32 winner = bytes32(0);
        for (uint256 i; i < k && winner == bytes32(0); ++i) {
            if (_replicas[taskId][i].status != ReplicaStatus.Revealed) continue;
            bytes32 candidate = _results[taskId][i];
            uint256 votes = 0;
            for (uint256 j = i; j < k; ++j) {
                if (_replicas[taskId][j].status == ReplicaStatus.Revealed && _results[taskId][j] == candidate) {
                    ++votes;
                }
            }
            if (votes >= t.quorum) winner = candidate;
        }
        Params storage params = _params[t.paramsVersion];
        uint256 fees = 0;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            if (r.status == ReplicaStatus.Revealed) {
                if (winner != bytes32(0) && _results[taskId][i] == winner) {
                    fees += _pay(taskId, i, t, r, params);
                } else if (winner != bytes32(0)) {
                    _slash(taskId, i, t, r, r.price, bountyTo);
                } else {
                    _refundWithoutFault(taskId, i, t, r);
                }
            } else if (r.status == ReplicaStatus.Assigned || r.status == ReplicaStatus.Submitted) {
                // never committed, or committed and never revealed
                _slash(taskId, i, t, r, r.price, bountyTo);
            }
        }
        if (fees != 0) _balances[params.treasury] += fees;
        TaskStatus final_ = winner != bytes32(0) ? TaskStatus.Completed : TaskStatus.Failed;
        t.status = final_;
        emit TaskFinalized(taskId, final_, REASON_QUORUM);
    }

    function _refundWithoutFault(uint256 taskId, uint256 index, Task storage t, Replica storage r) private {
        _release(_providers[r.provider], _collateral(t), false);
        r.status = ReplicaStatus.Refunded;
        uint256 refund = r.price;
        _balances[_submitterOf(taskId)] += refund;
        emit ReplicaRefunded(taskId, index, r.provider, refund);
    }

    // ------------------------------------------------------------------ expiry

    /// @inheritdoc ISwanMarket
    function expire(uint256 taskId) external nonReentrant {
        Task storage t = _tasks[taskId];
        TaskStatus status = t.status;
        if (status == TaskStatus.Open) {
            if (block.timestamp <= t.assignBy) revert TooEarly(t.assignBy);
            _cancel(taskId, t, true);
            return;
        }
        if (status != TaskStatus.Assigned) {
            if (status == TaskStatus.None) revert UnknownTask(taskId);
            revert WrongTaskStatus(taskId, status);
        }
        Mode mode = t.mode;
        if (mode == Mode.ServiceHealth) revert WrongMode(taskId, mode);
        if (block.timestamp <= t.resultBy) revert TooEarly(t.resultBy);
        if (block.timestamp > t.settleBy) {
            if (mode == Mode.Quorum) {
                _settleQuorum(taskId, t, msg.sender);
            } else {
                _acceptOptimistically(taskId, t);
            }
            return;
        }
        // between resultBy and settleBy: slash the no-shows; the rest await their verdict
        uint256 k = t.replicas;
        uint256 slashed = 0;
        bool anyResult = false;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            ReplicaStatus rs = r.status;
            if (rs == ReplicaStatus.Assigned) {
                _slash(taskId, i, t, r, r.price, msg.sender);
                ++slashed;
            } else if (rs == ReplicaStatus.Submitted || rs == ReplicaStatus.Revealed) {
                anyResult = true;
            }
        }
        if (slashed == 0) revert NothingToExpire(t.settleBy);
        if (!anyResult) {
            t.status = TaskStatus.Failed;
            emit TaskFinalized(taskId, TaskStatus.Failed, REASON_NO_RESULTS);
        }
    }

    /// @dev After settleBy with no verdict: every submitted result is paid, no-shows are slashed
    /// (the caller earns the bounty share).
    function _acceptOptimistically(uint256 taskId, Task storage t) private {
        uint256 k = t.replicas;
        uint256 submitted = 0;
        for (uint256 i; i < k; ++i) {
            // forge-lint: disable-next-line(incorrect-shift) -- shifting 1 left by the replica index is intended
            if (_replicas[taskId][i].status == ReplicaStatus.Submitted) submitted |= 1 << i;
        }
        uint256 fees = _applyVerdicts(taskId, t, submitted, REASON_OPTIMISTIC, msg.sender);
        if (fees != 0) _balances[_params[t.paramsVersion].treasury] += fees;
    }
}
