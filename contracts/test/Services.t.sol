// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Service tasks: per-second streams, extend, terminate, claims, failure reports.
contract ServicesTest is Base {
    uint256 internal constant RATE = 0.001 ether; // per second
    uint256 internal constant DURATION = 1 days;

    function _service(uint256 k, uint256 rate) internal returns (uint256 id) {
        id = _create(_request(ISwanMarket.Mode.ServiceHealth, uint8(k)));
        _assignAll(id, k, rate);
    }

    function test_create_escrowsRateTimesDuration() public {
        uint256 before = token.balanceOf(alice);
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 2));
        assertEq(before - token.balanceOf(alice), 2 * RATE * DURATION);
        assertEq(market.collateralOf(id), RATE * DURATION * COLLATERAL_PCT / 100);
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

    function test_claim_paysProratedToTheSecond() public {
        uint256 id = _service(1, RATE);
        vm.warp(vm.getBlockTimestamp() + 1234);
        market.claimService(id, 0);
        uint256 gross = RATE * 1234;
        assertEq(market.getProvider(owners[0]).earned, gross - _fee(gross));
        assertEq(market.serviceClaimedUntil(id, 0), vm.getBlockTimestamp());
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

        vm.warp(vm.getBlockTimestamp() + 600);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotSubmitter.selector);
        market.terminateService(id);
        vm.prank(alice);
        market.terminateService(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(market.balanceOf(alice), RATE * (DURATION + 1 hours - 600));
        uint256 gross = RATE * 600;
        assertEq(market.getProvider(owners[0]).earned, gross - _fee(gross));
        assertEq(market.getProvider(owners[0]).locked, 0);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Ended));
    }

    function test_extendAndTerminate_afterEnd_tooLate() public {
        uint256 id = _service(1, RATE);
        vm.warp(vm.getBlockTimestamp() + DURATION);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp()));
        market.extendService(id, 60);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp()));
        market.terminateService(id);
    }

    function test_finish_paysTheRest_afterTheEnd() public {
        uint256 id = _service(2, RATE);
        vm.warp(vm.getBlockTimestamp() + 100);
        market.claimService(id, 0);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, vm.getBlockTimestamp() - 100 + DURATION));
        market.finishService(id);
        vm.warp(vm.getBlockTimestamp() + DURATION);
        vm.prank(stranger);
        market.finishService(id);
        uint256 gross = RATE * DURATION;
        for (uint256 i; i < 2; ++i) {
            ISwanMarket.Provider memory p = market.getProvider(owners[i]);
            assertApproxEqAbs(p.earned, gross - _fee(gross), 1); // fee rounding per claim
            assertEq(p.locked, 0);
            assertEq(p.completed, 1);
        }
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
    }

    function test_reportFailure_paysUntilFailure_refundsRest_slashes() public {
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
        assertEq(market.getProvider(owners[0]).earned, gross - _fee(gross));
        assertEq(market.getProvider(owners[0]).failed, 1);
        uint256 collateral = market.collateralOf(id);
        uint256 refund = RATE * (DURATION - 400);
        assertEq(market.balanceOf(alice), refund + collateral * SLASH_TO_SUBMITTER_BPS / 10_000);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned)); // replica 1 still runs

        vm.prank(keeper);
        market.reportServiceFailure(id, 1, uint32(start + 450));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Failed));
        market.finishService(id);
    }

    function test_serviceCallsOnBatchTask_wrongMode() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(id, 1, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, id, ISwanMarket.Mode.KeeperAttested));
        market.claimService(id, 0);
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
        if (t1 < start + DURATION) market.claimService(id, 0);
        vm.warp(t2 + bound(c, 0, DURATION));
        if (vm.getBlockTimestamp() >= start + DURATION) market.finishService(id);
        uint256 paid = market.getProvider(owners[0]).earned + market.balanceOf(treasury);
        assertLe(paid, RATE * DURATION);
        if (vm.getBlockTimestamp() >= start + DURATION) assertEq(paid, RATE * DURATION);
    }
}
