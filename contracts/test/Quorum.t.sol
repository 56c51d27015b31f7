// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Quorum mode (sealed): commit, reveal, automatic settlement by the contract.
contract QuorumTest is Base {
    bytes32 internal constant GOOD = keccak256("good");
    bytes32 internal constant BAD = keccak256("bad");

    function _quorumTask() internal returns (uint256 id) {
        id = _create(_request(ISwanMarket.Mode.Quorum, 3)); // quorum 2 of 3
        _assignAll(id, 3, PRICE);
    }

    function test_lastRevealSettles_majorityPaid_dissenterSlashedToTheTreasury() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        _commit(id, 2, BAD, "s2");
        (uint256 committed,,,) = market.sealedProgress(id);
        assertEq(committed, 3);
        _reveal(id, 0, GOOD, "s0");
        vm.expectEmit(true, true, false, true, address(market));
        emit ISwanMarket.ResultRevealed(id, 2, BAD, "ipfs://revealed");
        _reveal(id, 2, BAD, "s2");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned));
        _reveal(id, 1, GOOD, "s1"); // the last reveal settles
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(_account(2).slashedTotal, COLLATERAL);
        assertEq(market.balanceOf(alice), PRICE, "the dissenter's price back, none of its slash");
        assertEq(market.balanceOf(treasury), 2 * _fee(PRICE) + COLLATERAL);
    }

    function test_commitmentOf_isWhatTheManualSays() public view {
        // item 9: the formula in ISwanMarket is the one the contract checks
        assertEq(
            market.commitmentOf(7, 2, GOOD, "s"), keccak256(abi.encode(uint256(7), uint256(2), GOOD, bytes32("s")))
        );
    }

    function test_noAgreement_refundsRevealersWithoutFault() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.Quorum, 3);
        r.quorum = 3; // unanimity
        uint256 id = _create(r);
        _assignAll(id, 3, PRICE);
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        _commit(id, 2, BAD, "s2");
        _reveal(id, 0, GOOD, "s0");
        _reveal(id, 1, GOOD, "s1");
        _reveal(id, 2, BAD, "s2");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(_replicaStatus(id, i)), uint8(ISwanMarket.ReplicaStatus.Refunded));
            assertEq(_account(i).locked, 0);
            assertEq(_stake(i), 1000 ether);
        }
        assertEq(market.balanceOf(alice), 3 * uint256(PRICE));
    }

    function test_revealErrors() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        // reveals open only once all have committed or the commit deadline passed
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() + 3 hours));
        market.revealResult(id, 0, GOOD, "s0", "");
        _commit(id, 2, BAD, "s2");

        // a reveal that does not match its commit
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.RevealMismatch.selector, id, 0));
        market.revealResult(id, 0, BAD, "s0", "");
        // replaying another replica's commit opening under a different index fails
        vm.prank(workers[2]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.RevealMismatch.selector, id, 2));
        market.revealResult(id, 2, GOOD, "s1", "");
        // wrong worker
        vm.prank(workers[1]);
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.revealResult(id, 0, GOOD, "s0", "");
        vm.prank(workers[0]);
        vm.expectRevert(ISwanMarket.EmptyResult.selector);
        market.revealResult(id, 0, bytes32(0), "s0", "");

        _reveal(id, 0, GOOD, "s0");
        vm.prank(workers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongReplicaStatus.selector, id, 0, ISwanMarket.ReplicaStatus.Revealed)
        );
        market.revealResult(id, 0, GOOD, "s0", "");

        skip(4 hours + 1);
        vm.prank(workers[1]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.revealResult(id, 1, GOOD, "s1", "");
    }

    function test_expireAfterRevealDeadline_slashesSilentOnes_andPaysBounty() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        _commit(id, 2, GOOD, "s2");
        _reveal(id, 0, GOOD, "s0");
        _reveal(id, 1, GOOD, "s1");
        // replica 2 never reveals: nothing to expire before the reveal deadline
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() + 3 hours));
        market.expire(id);
        skip(4 hours + 1);
        vm.prank(stranger);
        market.expire(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(market.balanceOf(stranger), uint256(COLLATERAL) * BOUNTY_BPS / 10_000);

        uint256 other = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        vm.prank(workers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, other, ISwanMarket.TaskStatus.Open)
        );
        market.revealResult(other, 0, GOOD, "s0", "");
        _assignAll(other, 1, PRICE);
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, other, ISwanMarket.Mode.KeeperAttested));
        market.revealResult(other, 0, GOOD, "s0", "");
    }

    function test_commitDeadline_opensRevealsForThoseWhoCommitted() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        skip(3 hours + 1); // replica 2 missed the commit deadline
        _reveal(id, 0, GOOD, "s0");
        _reveal(id, 1, GOOD, "s1"); // every commit revealed: settles
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
    }

    function test_expireBetweenDeadlines_thenQuorumStillSettles() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        skip(3 hours + 1);
        market.expire(id); // slashes replica 2, the no-show
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        _reveal(id, 0, GOOD, "s0");
        _reveal(id, 1, GOOD, "s1");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        // slashed once only
        assertEq(_account(2).slashedTotal, COLLATERAL);
    }

    function test_expireAfterRevealDeadline_countsQuorum() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        skip(4 hours + 1);
        market.expire(id);
        // one commit, never revealed: no agreement; everyone slashed
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(_replicaStatus(id, i)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        }
    }

    function test_declineCompletesTheSet() public {
        uint256 id = _quorumTask();
        _commit(id, 0, GOOD, "s0");
        _commit(id, 1, GOOD, "s1");
        vm.prank(workers[2]); // replica 2 declines: the commitments are closed
        market.declineTask(id, 2);
        (,, uint256 declined,) = market.sealedProgress(id);
        assertEq(declined, 1);
        _reveal(id, 0, GOOD, "s0");
        _reveal(id, 1, GOOD, "s1");
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Declined));
        assertEq(_stake(2), 1000 ether);
    }
}
