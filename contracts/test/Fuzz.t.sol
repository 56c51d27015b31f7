// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Fuzzed amounts, replica counts, verdicts, durations and timestamps.
contract FuzzTest is Base {
    /// @dev Σ of every balance the lifecycle can credit, plus the providers' stakes and earnings.
    function _books() internal view returns (uint256 sum) {
        sum = market.balanceOf(alice) + market.balanceOf(treasury) + market.balanceOf(stranger);
        for (uint256 i; i < 3; ++i) {
            ISwanMarket.Provider memory p = market.getProvider(owners[i]);
            sum += uint256(p.stake) + p.earned;
        }
    }

    function testFuzz_batchLifecycle_conservesValue(
        uint96 price,
        uint16 pct,
        uint8 replicas,
        uint256 agreedSeed,
        uint256 passMask,
        bool late
    ) public {
        replicas = uint8(bound(replicas, 1, 3));
        price = uint96(bound(price, 200, 10_000 ether));
        pct = uint16(bound(pct, 0, 1000));
        vm.assume(uint256(price) * pct / 100 <= 1000 ether - MIN_COLLATERAL); // providers can lock it
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, replicas);
        r.price = price;
        r.collateralPct = pct;
        uint256 booksBefore = _books();
        uint256 walletBefore = token.balanceOf(alice);
        uint256 id = _create(r);
        uint256 escrow = walletBefore - token.balanceOf(alice);
        assertEq(escrow, uint256(price) * replicas);

        (address[] memory ps, uint256[] memory prices) = _providers(replicas);
        for (uint256 i; i < replicas; ++i) {
            prices[i] = bound(uint256(keccak256(abi.encode(agreedSeed, i))), 0, price);
        }
        vm.prank(keeper);
        market.assign(id, ps, prices);
        passMask = bound(passMask, 0, (1 << replicas) - 1);
        for (uint256 i; i < replicas; ++i) {
            // a replica that is not going to pass may also simply not show up
            if ((passMask >> i) & 1 == 1 || !late) _submit(id, i, keccak256(abi.encode(i)));
        }
        if (late) vm.warp(vm.getBlockTimestamp() + 3 hours + 1);
        vm.prank(keeper);
        market.settle(id, passMask);

        // everything escrowed came out: paid + fees + refunds (slashes only move stake to balances)
        assertEq(_books() - booksBefore, escrow);
        assertEq(token.balanceOf(address(market)), _books());
        for (uint256 i; i < replicas; ++i) {
            assertEq(market.getProvider(owners[i]).locked, 0);
        }
    }

    function testFuzz_createTask_deadlines(uint32 assignBy, uint32 resultBy, uint32 settleBy) public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        r.assignBy = assignBy;
        r.resultBy = resultBy;
        r.settleBy = settleBy;
        uint256 now_ = vm.getBlockTimestamp();
        bool valid = assignBy > now_ && resultBy > assignBy && settleBy > resultBy && settleBy <= now_ + 365 days;
        vm.prank(alice);
        if (!valid) vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
    }

    function testFuzz_expire_respectsEveryDeadline(uint32 wait, bool submitted) public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        uint256 t0 = vm.getBlockTimestamp();
        _assignAll(id, 1, PRICE);
        if (submitted) _submit(id, 0, keccak256("r"));
        uint256 at = t0 + bound(wait, 0, 6 hours);
        vm.warp(at);
        if (at <= t0 + 3 hours) {
            vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, t0 + 3 hours));
            market.expire(id);
        } else if (at <= t0 + 4 hours && submitted) {
            vm.expectRevert(abi.encodeWithSelector(ISwanMarket.NothingToExpire.selector, t0 + 4 hours));
            market.expire(id);
        } else {
            market.expire(id);
            ISwanMarket.TaskStatus s = market.getTask(id).status;
            assertEq(uint8(s), uint8(submitted ? ISwanMarket.TaskStatus.Completed : ISwanMarket.TaskStatus.Failed));
        }
    }

    function testFuzz_replicaCounts(uint8 replicas, uint8 quorum, uint8 mode) public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode(mode % 3), 1);
        r.replicas = replicas;
        r.quorum = quorum;
        bool valid;
        if (replicas == 0 || replicas > 16) {
            valid = false;
        } else if (r.mode == ISwanMarket.Mode.Quorum) {
            valid = replicas >= 2 && quorum <= replicas && uint256(quorum) * 2 > replicas;
        } else {
            valid = quorum == 0;
        }
        vm.prank(alice);
        if (!valid) vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
    }

    function testFuzz_serviceExtendTerminate(uint32 duration, uint32 extra, uint32 stopAfter, uint64 rate) public {
        duration = uint32(bound(duration, 60, 30 days));
        extra = uint32(bound(extra, 1, 30 days));
        rate = uint64(bound(rate, 1e9, 1e16));
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.ServiceHealth, 1);
        r.resultBy = duration;
        r.price = rate;
        r.collateralPct = 0;
        uint256 booksBefore = _books();
        uint256 walletBefore = token.balanceOf(alice);
        uint256 id = _create(r);
        _assignAll(id, 1, rate);
        vm.prank(alice);
        market.extendService(id, extra);
        uint256 paidIn = walletBefore - token.balanceOf(alice);
        assertEq(paidIn, uint256(rate) * (uint256(duration) + extra));
        vm.warp(vm.getBlockTimestamp() + bound(stopAfter, 0, uint256(duration) + extra - 1));
        vm.prank(alice);
        market.terminateService(id);
        assertEq(_books() - booksBefore, paidIn);
    }
}
