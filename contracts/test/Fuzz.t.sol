// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Fuzzed amounts (as wide as the types allow), fees (0 included), replica counts,
/// verdicts, durations and timestamps.
contract FuzzTest is Base {
    /// @dev Σ of every balance the lifecycle can credit, plus the providers' stakes and earnings.
    function _books() internal view returns (uint256 sum) {
        sum = market.balanceOf(alice) + market.balanceOf(treasury) + market.balanceOf(stranger);
        for (uint256 i; i < 3; ++i) {
            sum += _stake(i) + _account(i).earned;
        }
    }

    /// @dev Let provider `i` lock up to `c` more: unlimited terms, and stake topped up to fit.
    function _canLock(uint256 i, uint256 c) internal {
        _setTerms(i, ISwanRegistry.Terms({maxCollateral: type(uint96).max, minPrice: 0, minRate: 0, modes: ALL_MODES}));
        uint256 free = market.freeCollateral(owners[i]);
        if (free < c) {
            vm.startPrank(owners[i]);
            token.mint(owners[i], c - free);
            registry.depositCollateral(c - free);
            vm.stopPrank();
        }
    }

    function testFuzz_batchLifecycle_conservesValue_andNeverPaysTheSubmitterASlash(
        uint96 price,
        uint16 pct,
        uint8 replicas,
        uint256 agreedSeed,
        uint256 passMask,
        bool late,
        uint16 feeBps
    ) public {
        replicas = uint8(bound(replicas, 1, 3));
        price = uint96(bound(price, 1, type(uint88).max));
        pct = uint16(bound(pct, 0, 1000));
        feeBps = uint16(bound(feeBps, 0, 1000));
        ISwanRegistry.Params memory p = _params();
        p.feeBps = feeBps;
        _governParams(p);
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, replicas);
        r.price = price;
        r.collateralPct = pct;
        if (uint256(price) * pct / 100 > type(uint96).max) {
            vm.prank(alice);
            vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
            market.createTask(r);
            return;
        }
        (address[] memory ps, uint256[] memory prices) = _providers(replicas);
        uint256 unused;
        for (uint256 i; i < replicas; ++i) {
            prices[i] = bound(uint256(keccak256(abi.encode(agreedSeed, i))), 0, price);
            unused += price - prices[i];
            _canLock(i, prices[i] * pct / 100);
        }
        token.mint(alice, uint256(price) * replicas);
        uint256 booksBefore = _books();
        uint256 walletBefore = token.balanceOf(alice);
        uint256 id = _create(r);
        uint256 escrow = walletBefore - token.balanceOf(alice);
        assertEq(escrow, uint256(price) * replicas);
        vm.prank(keeper);
        market.assign(id, ps, prices);
        passMask = bound(passMask, 0, (1 << replicas) - 1);
        uint256 refunds = unused;
        for (uint256 i; i < replicas; ++i) {
            // a replica that is not going to pass may also simply not show up
            if ((passMask >> i) & 1 == 1 || !late) _submit(id, i, keccak256(abi.encode(i)));
            if ((passMask >> i) & 1 == 0) refunds += prices[i];
        }
        if (late) skip(3 hours + 1);
        _settle(id, passMask);

        // everything escrowed came out: paid + fees + refunds (slashes only move stake to balances)
        assertEq(_books() - booksBefore, escrow);
        assertEq(token.balanceOf(address(market)), _books());
        // the submitter got back exactly what it was not charged for — never a slash
        assertEq(market.balanceOf(alice), refunds);
        for (uint256 i; i < replicas; ++i) {
            assertEq(_account(i).locked, 0);
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

    function testFuzz_collateralPct(uint16 pct, uint96 agreed) public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        r.collateralPct = pct;
        vm.prank(alice);
        if (pct > 1000) {
            vm.expectRevert(abi.encodeWithSelector(ISwanMarket.CollateralPctTooHigh.selector, pct, 1000));
            market.createTask(r);
            return;
        }
        uint256 id = market.createTask(r);
        agreed = uint96(bound(agreed, 0, PRICE));
        _assignAll(id, 1, agreed);
        // the collateral is the percentage of what the provider is paid, never more than 10x it
        assertEq(market.collateralOf(id, 0), uint256(agreed) * pct / 100);
        assertLe(market.collateralOf(id, 0), uint256(agreed) * 10);
    }

    function testFuzz_expire_respectsEveryDeadline(uint32 wait, bool submitted) public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        uint256 t0 = vm.getBlockTimestamp();
        _assignAll(id, 1, PRICE);
        if (submitted) _submit(id, 0, keccak256("r"));
        uint256 when = t0 + bound(wait, 0, 6 hours);
        vm.warp(when);
        if (when <= t0 + 3 hours) {
            vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooEarly.selector, t0 + 3 hours));
            market.expire(id);
        } else if (when <= t0 + 4 hours && submitted) {
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

    function testFuzz_serviceExtendTerminate(uint32 duration, uint32 extra, uint32 stopAfter, uint88 rate) public {
        duration = uint32(bound(duration, 60, 30 days));
        extra = uint32(bound(extra, 1, 30 days));
        rate = uint88(bound(rate, 1, uint256(type(uint96).max) / (60 days)));
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.ServiceHealth, 1);
        r.resultBy = duration;
        r.price = rate;
        r.collateralPct = 0;
        token.mint(alice, uint256(rate) * (60 days));
        uint256 booksBefore = _books();
        uint256 walletBefore = token.balanceOf(alice);
        uint256 id = _create(r);
        _assignAll(id, 1, rate);
        vm.prank(alice);
        market.extendService(id, extra);
        uint256 paidIn = walletBefore - token.balanceOf(alice);
        assertEq(paidIn, uint256(rate) * (uint256(duration) + extra));
        skip(bound(stopAfter, 0, uint256(duration) + extra - 1));
        vm.prank(alice);
        market.terminateService(id);
        assertEq(_books() - booksBefore, paidIn);
    }

    /// Item 10: no stream a service can reach is ever truncated: earnings + fees + refunds equal
    /// what was paid in, for rates and windows as large as the types allow.
    function testFuzz_serviceStreamsNeverTruncate(uint88 rate, uint32 extra, uint32 claimAt) public {
        rate = uint88(bound(rate, 1, type(uint88).max));
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.ServiceHealth, 1);
        r.resultBy = 1 hours;
        r.price = rate;
        r.collateralPct = 0;
        if (uint256(rate) * 1 hours > type(uint96).max) {
            vm.prank(alice);
            vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
            market.createTask(r);
            return;
        }
        token.mint(alice, type(uint96).max);
        uint256 id = _create(r);
        _assignAll(id, 1, rate);
        extra = uint32(bound(extra, 1, 300 days));
        bool fits = uint256(rate) * (1 hours + uint256(extra)) <= type(uint96).max;
        vm.prank(alice);
        if (!fits) vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
        market.extendService(id, extra);
        (uint256 startedAt, uint256 endsAt) = market.serviceWindow(id);
        vm.warp(startedAt + bound(claimAt, 1, endsAt - startedAt));
        market.claimService(id, 0);
        uint256 claimed = _account(0).earned + market.balanceOf(treasury);
        (uint256 paidUntil,) = market.serviceReplica(id, 0);
        assertEq(claimed, uint256(rate) * (paidUntil - startedAt), "every second paid in full");
    }
}
