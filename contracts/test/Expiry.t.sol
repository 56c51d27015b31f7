// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Expiry of batch tasks (KeeperAttested): an open task after its assign-by time, no-shows
/// slashed after result-by (a bounty to the caller unless it is the submitter), optimistic
/// acceptance after settle-by.
contract ExpiryTest is Base {
    function test_expire_openTaskAfterAssignBy() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() + 1 hours));
        market.expire(id);
        skip(1 hours + 1);
        vm.prank(stranger);
        market.expire(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Cancelled));
        assertEq(market.balanceOf(alice), 2 * uint256(PRICE));
        assertEq(market.balanceOf(stranger), 0); // no slash, no bounty
    }

    function test_expire_slashesNoShowsAfterResultBy() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 2);
        _submit(id, 0, keccak256("r"));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() + 3 hours));
        market.expire(id);
        skip(3 hours + 1);
        uint256 bounty = uint256(COLLATERAL) * BOUNTY_BPS / 10_000;
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.ReplicaSlashed(id, 1, owners[1], COLLATERAL, COLLATERAL - bounty, bounty, PRICE);
        vm.prank(stranger);
        market.expire(id);
        assertEq(market.balanceOf(stranger), bounty);
        assertEq(market.balanceOf(alice), PRICE, "the no-show's price, and nothing of its slash");
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned)); // replica 0 awaits its verdict
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.NothingToExpire.selector, vm.getBlockTimestamp() + 1 hours - 1)
        );
        market.expire(id);
        _settle(id, 1);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
    }

    function test_expire_bySubmitterEarnsNoBounty() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        skip(3 hours + 1);
        vm.prank(alice);
        market.expire(id);
        assertEq(market.balanceOf(alice), PRICE, "its price back, no bounty");
        assertEq(market.balanceOf(treasury), COLLATERAL, "the whole slash");
    }

    function test_expire_allNoShowsFailsTask() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        skip(3 hours + 1);
        market.expire(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Failed));
        market.expire(id);
    }

    function test_expire_optimisticAcceptanceAfterSettleBy() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 2);
        _submit(id, 0, keccak256("anything"));
        skip(4 hours + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.TaskFinalized(id, ISwanMarket.TaskStatus.Completed, 5); // accepted
        vm.prank(stranger);
        market.expire(id);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Paid));
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownTask.selector, 77));
        market.expire(77);
    }

    /// Every replica a no-show, expired only after settleBy: reason 6 (every replica missed
    /// resultBy), as when expired before it — not 5, which says a result was accepted.
    function test_expire_noShowsAfterSettleBy_reasonIsNoResults() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 2);
        skip(4 hours + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.TaskFinalized(id, ISwanMarket.TaskStatus.Failed, 6);
        vm.prank(stranger);
        market.expire(id);
        uint256 sealedTask = _assigned(ISwanMarket.Mode.Quorum, 2);
        skip(4 hours + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.TaskFinalized(sealedTask, ISwanMarket.TaskStatus.Failed, 6);
        market.expire(sealedTask);
    }

    function test_expire_settleAfterExpiryReverts() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        _submit(id, 0, keccak256("r"));
        skip(4 hours + 1);
        market.expire(id);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Completed)
        );
        market.settle(id, 0);
    }

    function test_expire_serviceIsNotExpirable() public {
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 1));
        _assignAll(id, 1, 0.001 ether);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, id, ISwanMarket.Mode.ServiceHealth));
        market.expire(id);
    }

    // ------------------------------------------------------------------ helpers
}
