// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Service tasks: per-second streams, extend, terminate, claims, notice, declines, failure
/// reports.
contract ServicesTest is Base {
    uint256 internal constant RATE = 0.001 ether; // per second
    uint256 internal constant DURATION = 1 days;
    uint256 internal constant NOTICE = 1 hours;

    function _service(uint256 k, uint256 rate) internal returns (uint256 id) {
        id = _create(_request(ISwanMarket.Mode.ServiceHealth, uint8(k)));
        _assignAll(id, k, rate);
    }

    function test_create_escrowsRateTimesDuration() public {
        uint256 before = token.balanceOf(alice);
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 2));
        assertEq(before - token.balanceOf(alice), 2 * RATE * DURATION);
        _assignAll(id, 2, RATE / 2);
        // collateral is a percentage of what the provider will be paid for the ordered duration
        assertEq(market.collateralOf(id, 0), RATE / 2 * DURATION * COLLATERAL_PCT / 100);
    }

    function test_create_rejectsBadDurations() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.ServiceHealth, 1);
        vm.startPrank(alice);
        r.resultBy = 0;
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        r.resultBy = 366 days;
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        r.resultBy = 1 days;
        r.settleBy = 5;
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        vm.stopPrank();
    }

    function test_assign_startsTheClock_andRefundsUnusedRate() public {
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 1));
        _assignAll(id, 1, RATE / 2);
        (uint256 startedAt, uint256 endsAt) = market.serviceWindow(id);
        assertEq(startedAt, vm.getBlockTimestamp());
        assertEq(endsAt, vm.getBlockTimestamp() + DURATION);
        assertEq(market.balanceOf(alice), (RATE - RATE / 2) * DURATION);
    }

    function test_assign_respectsTheRateFloor() public {
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 1));
        _setTerms(0, _termsWithRateFloor(uint72(RATE)));
        (address[] memory ps, uint256[] memory prices) = _providers(1);
        prices[0] = RATE - 1;
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.PriceBelowFloor.selector, owners[0], RATE - 1, RATE));
        market.assign(id, ps, prices);
    }

    function _termsWithRateFloor(uint72 rate) internal pure returns (ISwanRegistry.Terms memory t) {
        t = ISwanRegistry.Terms({maxCollateral: 1000 ether, minPrice: 0, minRate: rate, modes: ALL_MODES});
    }

    function test_claim_paysProratedToTheSecond() public {
        uint256 id = _service(1, RATE);
        skip(1234);
        market.claimService(id, 0);
        uint256 gross = RATE * 1234;
        assertEq(_account(0).earned, gross - _fee(gross));
        (uint256 paidUntil,) = market.serviceReplica(id, 0);
        assertEq(paidUntil, vm.getBlockTimestamp());
        vm.expectRevert(ISwanMarket.NothingToWithdraw.selector);
        market.claimService(id, 0); // nothing new this second
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongReplicaStatus.selector, id, 3, ISwanMarket.ReplicaStatus.None)
        );
        market.claimService(id, 3);
    }

    function test_extend_thenTerminate_refundsTheRest() public {
        uint256 id = _service(1, RATE);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotSubmitter.selector);
        market.extendService(id, 1 hours);
        vm.prank(alice);
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.extendService(id, 0);

        uint256 balBefore = token.balanceOf(alice);
        vm.prank(alice);
        market.extendService(id, 1 hours);
        assertEq(balBefore - token.balanceOf(alice), RATE * 1 hours);
        (uint256 startedAt, uint256 endsAt) = market.serviceWindow(id);
        assertEq(endsAt - startedAt, DURATION + 1 hours);

        skip(600);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotSubmitter.selector);
        market.terminateService(id);
        vm.prank(alice);
        market.terminateService(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(market.balanceOf(alice), RATE * (DURATION + 1 hours - 600));
        uint256 gross = RATE * 600;
        assertEq(_account(0).earned, gross - _fee(gross));
        assertEq(_account(0).locked, 0);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Ended));
    }

    /// Item 10: an extension whose stream could not fit a provider's account is refused instead of
    /// being truncated later.
    function test_extend_refusesAStreamTooLargeForTheAccount() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.ServiceHealth, 1);
        r.price = uint96(uint256(type(uint96).max) / DURATION); // the whole ordered window just fits
        r.collateralPct = 0;
        token.mint(alice, uint256(type(uint96).max));
        uint256 id = _create(r);
        _assignAll(id, 1, r.price);
        vm.prank(alice);
        vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
        market.extendService(id, 1 days);
    }

    function test_extendAndTerminate_afterEnd_tooLate() public {
        uint256 id = _service(1, RATE);
        skip(DURATION);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp()));
        market.extendService(id, 60);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp()));
        market.terminateService(id);
    }

    function test_finish_paysTheRest_afterTheEnd() public {
        uint256 id = _service(2, RATE);
        skip(100);
        market.claimService(id, 0);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() - 100 + DURATION));
        market.finishService(id);
        skip(DURATION);
        vm.prank(stranger);
        market.finishService(id);
        uint256 gross = RATE * DURATION;
        for (uint256 i; i < 2; ++i) {
            ISwanMarket.Account memory a = _account(i);
            assertApproxEqAbs(a.earned, gross - _fee(gross), 1); // fee rounding per claim
            assertEq(a.locked, 0);
            assertEq(a.completed, 1);
        }
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
    }

    function test_claimAfterTheEnd_endsTheReplica() public {
        uint256 id = _service(1, RATE);
        skip(DURATION + 5);
        vm.expectEmit(true, true, false, true, address(market));
        emit ISwanMarket.ServiceReplicaEnded(id, 0);
        market.claimService(id, 0);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Ended));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(_account(0).locked, 0);
    }

    // ------------------------------------------------------------------ leaving with notice

    /// Item 4: a provider leaves a service the submitter keeps extending, with notice, unslashed.
    function test_leave_afterTheOrderedDuration_withNotice() public {
        uint256 id = _service(1, RATE);
        uint256 start = vm.getBlockTimestamp();
        // the submitter keeps extending, for years
        for (uint256 i; i < 3; ++i) {
            vm.prank(alice);
            market.extendService(id, 300 days);
            skip(290 days);
        }
        (, uint256 endsAt) = market.serviceWindow(id);
        uint256 now_ = vm.getBlockTimestamp();
        uint256 leavesAt = now_ + NOTICE;
        vm.expectEmit(true, true, false, true, address(market));
        emit ISwanMarket.ServiceLeft(id, 0, leavesAt, RATE * (endsAt - leavesAt));
        vm.prank(workers[0]);
        market.leaveService(id, 0);
        (, uint256 leaves) = market.serviceReplica(id, 0);
        assertEq(leaves, leavesAt);
        assertEq(market.balanceOf(alice), RATE * (endsAt - leavesAt), "the stream after it leaves, refunded");

        // extensions no longer charge for it
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        market.extendService(id, 1 days);
        assertEq(token.balanceOf(alice), before, "nothing charged for a replica that gave notice");

        // once it has left, a claim pays it to the second it left and frees its collateral
        vm.warp(leavesAt + 10);
        market.claimService(id, 0);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Ended));
        assertEq(_account(0).locked, 0);
        assertEq(_stake(0), 1000 ether, "never slashed");
        uint256 gross = RATE * (leavesAt - start);
        assertApproxEqAbs(_account(0).earned, gross - _fee(gross), 1);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));

        // its collateral can leave the registry
        vm.startPrank(owners[0]);
        registry.requestWithdrawal(1000 ether);
        skip(UNBONDING);
        registry.withdrawCollateral(owners[0]);
        vm.stopPrank();
        assertEq(token.balanceOf(owners[0]), 1000 ether);
    }

    function test_leave_beforeTheOrderedEnd_servesTheOrderedDuration() public {
        uint256 id = _service(2, RATE);
        uint256 start = vm.getBlockTimestamp();
        vm.prank(owners[1]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, start + DURATION));
        market.leaveService(id, 1); // it would leave at the end anyway
        vm.prank(alice);
        market.extendService(id, 2 days);
        vm.prank(owners[1]);
        market.leaveService(id, 1);
        (, uint256 leaves) = market.serviceReplica(id, 1);
        assertEq(leaves, start + DURATION, "it serves what it agreed to");

        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.leaveService(id, 0);
        vm.prank(workers[1]); // already leaving: a second notice changes nothing
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, start + DURATION));
        market.leaveService(id, 1);

        // the task goes on with replica 0; finishing pays replica 1 only to its own end
        vm.warp(start + DURATION + 2 days);
        market.finishService(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        uint256 gross1 = RATE * DURATION;
        uint256 gross0 = RATE * (DURATION + 2 days);
        assertEq(_account(1).earned, gross1 - _fee(gross1));
        assertEq(_account(0).earned, gross0 - _fee(gross0));
    }

    function test_decline_withinTheNotice_refundsEverything() public {
        uint256 id = _service(1, RATE);
        skip(60);
        vm.prank(workers[0]);
        market.declineTask(id, 0);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Cancelled));
        assertEq(market.balanceOf(alice), RATE * DURATION);
        assertEq(_account(0).locked, 0);
        assertEq(_account(0).earned, 0);

        uint256 late = _service(1, RATE);
        skip(NOTICE + 1);
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.declineTask(late, 0);
    }

    function test_reportFailure_paysUntilFailure_refundsRest_slashesToTheTreasury() public {
        uint256 id = _service(2, RATE);
        uint256 start = vm.getBlockTimestamp();
        vm.warp(start + 500);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.reportServiceFailure(id, 0, uint32(start + 400));
        vm.startPrank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.InvalidFailureTime.selector, start + 501));
        market.reportServiceFailure(id, 0, uint32(start + 501)); // in the future
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.InvalidFailureTime.selector, start - 1));
        market.reportServiceFailure(id, 0, uint32(start - 1)); // before the start
        market.reportServiceFailure(id, 0, uint32(start + 400));
        vm.stopPrank();

        uint256 gross = RATE * 400;
        assertEq(_account(0).earned, gross - _fee(gross));
        assertEq(_account(0).failed, 1);
        uint256 collateral = market.collateralOf(id, 0);
        uint256 refund = RATE * (DURATION - 400);
        assertEq(market.balanceOf(alice), refund, "the rest of its stream, none of the slash");
        assertEq(market.balanceOf(treasury), _fee(gross) + collateral);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned)); // replica 1 still runs

        vm.prank(keeper);
        market.reportServiceFailure(id, 1, uint32(start + 450));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Failed));
        market.finishService(id);
    }

    function test_serviceCallsOnBatchTask_wrongMode() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, id, ISwanMarket.Mode.KeeperAttested));
        market.claimService(id, 0);
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, id, ISwanMarket.Mode.KeeperAttested));
        market.leaveService(id, 0);
        uint256 svc = _service(1, RATE);
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, svc, ISwanMarket.Mode.ServiceHealth));
        market.submitResult(svc, 0, keccak256("r"), "");
    }

    function testFuzz_claimsNeverExceedTheStream(uint32 a, uint32 b, uint32 c) public {
        uint256 id = _service(1, RATE);
        uint256 start = vm.getBlockTimestamp();
        uint256 t1 = start + bound(a, 1, DURATION);
        uint256 t2 = t1 + bound(b, 1, DURATION);
        vm.warp(t1);
        market.claimService(id, 0);
        vm.warp(t2);
        if (_status(id) == ISwanMarket.TaskStatus.Assigned) market.claimService(id, 0);
        vm.warp(t2 + bound(c, 0, DURATION));
        if (_status(id) == ISwanMarket.TaskStatus.Assigned && vm.getBlockTimestamp() >= start + DURATION) {
            market.finishService(id);
        }
        uint256 paid = _account(0).earned + market.balanceOf(treasury);
        assertLe(paid, RATE * DURATION);
        if (vm.getBlockTimestamp() >= start + DURATION) assertEq(paid, RATE * DURATION);
    }
}
