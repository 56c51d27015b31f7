// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice KnownAnswer mode (sealed): providers commit, the commitments close, results and the
/// submitter's answer are revealed; the contract judges. The submitter pays for every replica
/// whatever the verdict, so its answer earns it nothing.
contract KnownAnswerTest is Base {
    bytes32 internal constant WRONG = keccak256("wrong");

    function _task(uint8 replicas) internal returns (uint256 id) {
        id = _create(_request(ISwanMarket.Mode.KnownAnswer, replicas));
        _assignAll(id, replicas, PRICE);
    }

    function test_singleReplica_commitRevealAnswer_paid() public {
        uint256 id = _task(1);
        _commit(id, 0, ANSWER, "s0");
        assertEq(market.resultOf(id, 0), market.commitmentOf(id, 0, ANSWER, "s0"), "only the commitment is stored");
        _reveal(id, 0, ANSWER, "s0");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned), "waits for the answer");
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.AnswerRevealed(id, ANSWER);
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.TaskFinalized(id, ISwanMarket.TaskStatus.Completed, 1);
        vm.prank(stranger); // whoever holds the answer and salt
        market.revealAnswer(id, ANSWER, SALT);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(_account(0).earned, PRICE - _fee(PRICE));
    }

    function test_answerFirst_lastRevealSettles() public {
        uint256 id = _task(2);
        _commit(id, 0, ANSWER, "s0");
        _commit(id, 1, WRONG, "s1");
        market.revealAnswer(id, ANSWER, SALT);
        (,,, bool answered) = market.sealedProgress(id);
        assertTrue(answered);
        _reveal(id, 0, ANSWER, "s0");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned));
        _reveal(id, 1, WRONG, "s1");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Slashed));
    }

    function test_wrongResult_slashAndPriceGoToTheTreasury_notTheSubmitter() public {
        uint256 id = _task(1);
        _commit(id, 0, WRONG, "s0");
        _reveal(id, 0, WRONG, "s0");
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.ReplicaSlashed(id, 0, owners[0], COLLATERAL, COLLATERAL + PRICE, 0, 0);
        vm.prank(alice);
        market.revealAnswer(id, ANSWER, SALT);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        assertEq(market.balanceOf(alice), 0, "the submitter committed the answer: no refund, no share");
        assertEq(market.balanceOf(treasury), COLLATERAL + PRICE);
    }

    function test_answerNeverRevealed_revealedResultsArePaid() public {
        uint256 id = _task(3);
        _commit(id, 0, ANSWER, "s0");
        _commit(id, 1, WRONG, "s1");
        _commit(id, 2, ANSWER, "s2");
        _reveal(id, 0, ANSWER, "s0");
        _reveal(id, 1, WRONG, "s1");
        // replica 2 never reveals; the submitter never reveals its answer
        skip(4 hours + 1);
        vm.prank(stranger);
        market.expire(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(market.balanceOf(alice), PRICE, "a replica that never revealed: its price back");
        assertEq(market.balanceOf(stranger), uint256(COLLATERAL) * BOUNTY_BPS / 10_000);
    }

    function test_revealAnswer_errors() public {
        uint256 id = _task(2);
        _commit(id, 0, ANSWER, "s0");
        // not while a commitment can still follow
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() + 3 hours));
        market.revealAnswer(id, ANSWER, SALT);
        _commit(id, 1, ANSWER, "s1");
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.AnswerMismatch.selector, id));
        market.revealAnswer(id, WRONG, SALT);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.AnswerMismatch.selector, id));
        market.revealAnswer(id, ANSWER, bytes32("wrong salt"));
        market.revealAnswer(id, ANSWER, SALT);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.AnswerAlreadyRevealed.selector, id));
        market.revealAnswer(id, ANSWER, SALT);

        uint256 other = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(other, 1, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, other, ISwanMarket.Mode.KeeperAttested));
        market.revealAnswer(other, ANSWER, SALT);

        uint256 late = _task(1);
        _commit(late, 0, ANSWER, "s0");
        skip(4 hours + 1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.revealAnswer(late, ANSWER, SALT);
    }

    /// Item 6: a lazy replica cannot copy another's result — nothing readable is public before the
    /// commitments close, and a commitment is bound to its replica.
    function test_copyingACommitmentDoesNotPay() public {
        uint256 id = _task(2);
        _commit(id, 0, ANSWER, "s0");
        bytes32 seen = market.resultOf(id, 0); // all a copier can read
        vm.prank(workers[1]);
        market.submitResult(id, 1, seen, "");
        _reveal(id, 0, ANSWER, "s0");
        // the copier cannot open replica 0's commitment as its own
        vm.prank(workers[1]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.RevealMismatch.selector, id, 1));
        market.revealResult(id, 1, ANSWER, "s0", "");
        market.revealAnswer(id, ANSWER, SALT);
        skip(4 hours + 1);
        market.expire(id);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Slashed));
    }
}
