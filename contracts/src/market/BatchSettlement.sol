// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {TaskEscrow} from "./TaskEscrow.sol";

/// @title BatchSettlement — results, verdicts and permissionless expiry of batch tasks
/// @notice Who decides a verdict depends on the task's mode, fixed at creation:
///  - KeeperAttested: the keeper's pass mask, before `settleBy`; a failed replica's slash goes to
///    the treasury and its price back to the submitter;
///  - KnownAnswer (sealed): the contract, comparing each revealed result with the answer the
///    submitter committed; the submitter pays the price of every replica whatever the verdict (a
///    failed replica's price goes to the treasury with its slash), so a wrong answer earns it nothing;
///  - Quorum (sealed): the contract, counting equal revealed results (the reveal that completes the
///    set settles); a dissenting replica's slash goes to the treasury, so a majority of sybils
///    gains nothing from outvoting an honest provider.
/// Sealed results are committed (`commitmentOf`) before `resultBy` and revealed once the
/// commitments are closed, before `settleBy`: nothing can be copied.
/// Once a deadline passes anyone can move the task on with `expire`: after `assignBy` an open task
/// is refunded; after `resultBy` no-shows are slashed (the caller earns the bounty, unless it is
/// the submitter); after `settleBy` submitted results are accepted and paid (the keeper had its
/// chance), or sealed results are counted.
abstract contract BatchSettlement is TaskEscrow {
    // ------------------------------------------------------------------ results

    /// @inheritdoc ISwanMarket
    function submitResult(uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI) external {
        _submit(msg.sender, taskId, replica, resultHash, resultURI);
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
            try this.submitItem(msg.sender, taskIds[i], replicas[i], resultHashes[i], resultURIs[i]) {}
            catch (bytes memory reason) {
                emit BatchItemSkipped(taskIds[i], reason);
            }
        }
    }

    /// @notice One item of `submitResults` on behalf of `worker` (the market itself only).
    function submitItem(address worker, uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI)
        external
        onlySelf
    {
        _submit(worker, taskId, replica, resultHash, resultURI);
    }

    function _submit(address worker, uint256 taskId, uint256 replica, bytes32 resultHash, string calldata resultURI)
        private
    {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        Mode mode = t.mode;
        if (mode == Mode.ServiceHealth) revert WrongMode(taskId, mode);
        if (block.timestamp > t.resultBy) revert TooLate(t.resultBy);
        if (resultHash == bytes32(0)) revert EmptyResult();
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Assigned) revert WrongReplicaStatus(taskId, replica, r.status);
        address owner = r.provider;
        if (worker != _registry.workerOf(owner)) revert NotWorker();
        r.status = ReplicaStatus.Submitted;
        if (mode != Mode.KeeperAttested) {
            _results[taskId][replica] = resultHash;
            _sealed[taskId].committed += 1;
        }
        emit ResultSubmitted(taskId, replica, owner, resultHash, resultURI);
    }

    /// @dev Sealed modes: no commitment can follow once every replica committed or declined, or
    /// the commitment deadline passed.
    function _commitsClosed(Task storage t, Sealed storage s) private view returns (bool) {
        return uint256(s.committed) + s.declined == t.replicas || block.timestamp > t.resultBy;
    }

    /// @inheritdoc ISwanMarket
    function revealResult(uint256 taskId, uint256 replica, bytes32 resultHash, bytes32 salt, string calldata resultURI)
        external
    {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        if (!_isSealed(t.mode)) revert WrongMode(taskId, t.mode);
        if (block.timestamp > t.settleBy) revert TooLate(t.settleBy);
        Sealed storage s = _sealed[taskId];
        if (!_commitsClosed(t, s)) revert TooEarly(t.resultBy);
        Replica storage r = _replicas[taskId][replica];
        if (r.status != ReplicaStatus.Submitted) revert WrongReplicaStatus(taskId, replica, r.status);
        if (msg.sender != _registry.workerOf(r.provider)) revert NotWorker();
        if (resultHash == bytes32(0)) revert EmptyResult();
        if (commitmentOf(taskId, replica, resultHash, salt) != _results[taskId][replica]) {
            revert RevealMismatch(taskId, replica);
        }
        _results[taskId][replica] = resultHash;
        r.status = ReplicaStatus.Revealed;
        s.revealed += 1;
        emit ResultRevealed(taskId, replica, resultHash, resultURI);
        _settleIfComplete(taskId, t, s);
    }

    /// @inheritdoc ISwanMarket
    function revealAnswer(uint256 taskId, bytes32 expected, bytes32 salt) external {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        if (t.mode != Mode.KnownAnswer) revert WrongMode(taskId, t.mode);
        if (block.timestamp > t.settleBy) revert TooLate(t.settleBy);
        Sealed storage s = _sealed[taskId];
        if (!_commitsClosed(t, s)) revert TooEarly(t.resultBy);
        if (s.answered) revert AnswerAlreadyRevealed(taskId);
        if (keccak256(abi.encode(expected, salt)) != _answerCommits[taskId]) revert AnswerMismatch(taskId);
        _answerCommits[taskId] = expected;
        s.answered = true;
        emit AnswerRevealed(taskId, expected);
        _settleIfComplete(taskId, t, s);
    }

    /// @dev Settle a sealed task once its commitments are closed, every commitment is revealed
    /// and (KnownAnswer) the answer is in.
    function _settleIfComplete(uint256 taskId, Task storage t, Sealed storage s) private {
        if (!_commitsClosed(t, s) || s.revealed != s.committed) return;
        if (t.mode == Mode.Quorum || s.answered) _settleSealed(taskId, t, address(0));
    }

    // ------------------------------------------------------------------ verdicts

    /// @dev Checks of a keeper verdict.
    function _checkSettleable(uint256 taskId, Task storage t) private view {
        if (t.mode != Mode.KeeperAttested) revert WrongMode(taskId, t.mode);
        if (block.timestamp > t.settleBy) revert TooLate(t.settleBy);
        if (block.timestamp <= t.resultBy) {
            uint256 k = t.replicas;
            for (uint256 i; i < k; ++i) {
                if (_replicas[taskId][i].status == ReplicaStatus.Assigned) revert ResultsPending(taskId);
            }
        }
    }

    /// @dev Apply a pass mask: submitted replicas pass or are slashed; no-shows are slashed (the
    /// bounty share of a no-show's slash goes to `noShowBountyTo`, if any); declined replicas are
    /// done already.
    function _applyVerdicts(uint256 taskId, Task storage t, uint256 passMask, uint8 reason, address noShowBountyTo)
        private
    {
        uint256 k = t.replicas;
        if (passMask >> k != 0) revert VerdictWithoutResult(taskId, k);
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        uint256 fees = 0;
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
                    _slash(taskId, i, t, r, r.price, 0, address(0));
                }
            } else if (pass) {
                revert VerdictWithoutResult(taskId, i);
            } else if (status == ReplicaStatus.Assigned) {
                _slash(taskId, i, t, r, r.price, 0, noShowBountyTo);
            }
        }
        if (fees != 0) _balances[params.treasury] += fees;
        TaskStatus final_ = anyPaid ? TaskStatus.Completed : TaskStatus.Failed;
        t.status = final_;
        emit TaskFinalized(taskId, final_, reason);
    }

    /// @inheritdoc ISwanMarket
    /// @dev Also each item of `settleBatch`, called by the market itself in its own call frame.
    function settle(uint256 taskId, uint256 passMask) external onlyKeeperOrSelf {
        Task storage t = _taskIn(taskId, TaskStatus.Assigned);
        _checkSettleable(taskId, t);
        _applyVerdicts(taskId, t, passMask, REASON_KEEPER, address(0));
    }

    /// @inheritdoc ISwanMarket
    function settleBatch(uint256[] calldata taskIds, uint256[] calldata passMasks) external nonReentrant onlyKeeper {
        uint256 n = taskIds.length;
        if (passMasks.length != n) revert ReplicaCountMismatch(n, passMasks.length);
        for (uint256 i; i < n; ++i) {
            try this.settle(taskIds[i], passMasks[i]) {}
            catch (bytes memory reason) {
                emit BatchItemSkipped(taskIds[i], reason);
            }
        }
    }

    /// @dev Count sealed results. Quorum: with `quorum` equal reveals, those replicas are paid and
    /// the other revealers slashed (price refunded); without, revealers are refunded without fault.
    /// KnownAnswer: with the answer in, equal reveals are paid and the others slashed (price to the
    /// treasury); without it (the submitter never revealed), every reveal is paid. Either way a
    /// replica that never committed or never revealed is slashed, the bounty to `bountyTo`.
    function _settleSealed(uint256 taskId, Task storage t, address bountyTo) private {
        uint256 k = t.replicas;
        bool quorum = t.mode == Mode.Quorum;
        bytes32 winner = bytes32(0);
        bool judged = false;
        if (quorum) {
            for (uint256 i; i < k && !judged; ++i) {
                if (_replicas[taskId][i].status != ReplicaStatus.Revealed) continue;
                bytes32 candidate = _results[taskId][i];
                uint256 votes = 0;
                for (uint256 j = i; j < k; ++j) {
                    if (_replicas[taskId][j].status == ReplicaStatus.Revealed && _results[taskId][j] == candidate) {
                        ++votes;
                    }
                }
                if (votes >= t.quorum) {
                    winner = candidate;
                    judged = true;
                }
            }
        } else if (_sealed[taskId].answered) {
            winner = _answerCommits[taskId];
            judged = true;
        }
        ISwanRegistry.Params storage params = _params[t.paramsVersion];
        uint256 fees = 0;
        bool anyPaid = false;
        // a sealed or revealed result: without one, every replica missed resultBy
        bool anyResult = false;
        for (uint256 i; i < k; ++i) {
            Replica storage r = _replicas[taskId][i];
            ReplicaStatus status = r.status;
            if (status == ReplicaStatus.Revealed) {
                anyResult = true;
                if (judged ? _results[taskId][i] == winner : !quorum) {
                    fees += _pay(taskId, i, t, r, params);
                    anyPaid = true;
                } else if (!judged) {
                    _refundWithoutFault(taskId, i, t, r);
                } else if (quorum) {
                    _slash(taskId, i, t, r, r.price, 0, address(0));
                } else {
                    _slash(taskId, i, t, r, 0, r.price, address(0));
                }
            } else if (status == ReplicaStatus.Assigned || status == ReplicaStatus.Submitted) {
                anyResult = anyResult || status == ReplicaStatus.Submitted;
                _slash(taskId, i, t, r, r.price, 0, bountyTo);
            }
        }
        if (fees != 0) _balances[params.treasury] += fees;
        TaskStatus final_ = anyPaid ? TaskStatus.Completed : TaskStatus.Failed;
        t.status = final_;
        uint8 reason =
            !anyResult ? REASON_NO_RESULTS : quorum ? REASON_QUORUM : judged ? REASON_KNOWN_ANSWER : REASON_OPTIMISTIC;
        emit TaskFinalized(taskId, final_, reason);
    }

    function _refundWithoutFault(uint256 taskId, uint256 index, Task storage t, Replica storage r) private {
        _release(_accounts[r.provider], _collateral(t, r.price), false);
        r.status = ReplicaStatus.Refunded;
        uint256 refund = r.price;
        _balances[_submitterOf(taskId)] += refund;
        emit ReplicaRefunded(taskId, index, r.provider, refund);
    }

    /// @dev After a batch replica declined: a task whose every replica declined is cancelled; a
    /// sealed task whose set of reveals is now complete is settled.
    function _afterBatchReplicaLeft(uint256 taskId, Task storage t) internal {
        uint256 k = t.replicas;
        bool live = false;
        for (uint256 i; i < k && !live; ++i) {
            ReplicaStatus status = _replicas[taskId][i].status;
            live = status == ReplicaStatus.Assigned || status == ReplicaStatus.Submitted
                || status == ReplicaStatus.Revealed;
        }
        if (!live) {
            t.status = TaskStatus.Cancelled;
            emit TaskFinalized(taskId, TaskStatus.Cancelled, REASON_DECLINED);
        } else if (_isSealed(t.mode)) {
            _settleIfComplete(taskId, t, _sealed[taskId]);
        }
    }

    // ------------------------------------------------------------------ expiry

    /// @inheritdoc ISwanMarket
    function expire(uint256 taskId) external {
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
        address bountyTo = _bountyTo(taskId);
        if (block.timestamp > t.settleBy) {
            if (_isSealed(mode)) {
                _settleSealed(taskId, t, bountyTo);
            } else {
                _acceptOptimistically(taskId, t, bountyTo);
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
                _slash(taskId, i, t, r, r.price, 0, bountyTo);
                ++slashed;
            } else if (rs == ReplicaStatus.Submitted || rs == ReplicaStatus.Revealed) {
                anyResult = true;
            }
        }
        if (slashed == 0) revert NothingToExpire(t.settleBy);
        if (!anyResult) {
            t.status = TaskStatus.Failed;
            emit TaskFinalized(taskId, TaskStatus.Failed, REASON_NO_RESULTS);
        } else if (_isSealed(mode)) {
            _settleIfComplete(taskId, t, _sealed[taskId]);
        }
    }

    /// @dev After settleBy with no verdict: every submitted result is paid, no-shows are slashed
    /// (the caller earns the bounty share unless it is the submitter).
    function _acceptOptimistically(uint256 taskId, Task storage t, address bountyTo) private {
        uint256 k = t.replicas;
        uint256 submitted = 0;
        for (uint256 i; i < k; ++i) {
            // forge-lint: disable-next-line(incorrect-shift) -- shifting 1 left by the replica index is intended
            if (_replicas[taskId][i].status == ReplicaStatus.Submitted) submitted |= 1 << i;
        }
        // no result at all: every replica missed resultBy (reason 6), not an acceptance
        _applyVerdicts(taskId, t, submitted, submitted == 0 ? REASON_NO_RESULTS : REASON_OPTIMISTIC, bountyTo);
    }
}
