// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../src/SwanMarket.sol";
import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Roles, delayed parameters that lapse, pausing — held by the registry, pushed to the market.
contract GovernanceTest is Base {
    function _deploy(IERC20 t, address a, address[] memory ks, ISwanRegistry.Params memory p, uint256 delay)
        internal
        returns (SwanMarket)
    {
        return new SwanMarket(t, a, pauserAddr, ks, p, delay);
    }

    function test_constructor_errors() public {
        address[] memory none = new address[](0);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        _deploy(IERC20(address(0)), admin, none, _params(), ADMIN_DELAY);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        _deploy(IERC20(address(token)), address(0), none, _params(), ADMIN_DELAY);
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        _deploy(IERC20(address(token)), admin, none, _params(), 31 days);
        // item 12: no zero (or too short) governance delay
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        _deploy(IERC20(address(token)), admin, none, _params(), 0);
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        _deploy(IERC20(address(token)), admin, none, _params(), 1 days - 1);
        address[] memory zeroKeeper = new address[](1);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        _deploy(IERC20(address(token)), admin, zeroKeeper, _params(), ADMIN_DELAY);
        ISwanRegistry.Params memory p = _params();
        p.feeBps = 1001;
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        _deploy(IERC20(address(token)), admin, none, p, ADMIN_DELAY);
        // the treasury cannot be a keeper
        address[] memory keepers = new address[](1);
        keepers[0] = treasury;
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, treasury));
        _deploy(IERC20(address(token)), admin, keepers, _params(), ADMIN_DELAY);
    }

    function test_deployment_pushesVersionOneAndKeepers() public view {
        assertEq(market.paramsVersion(), 1);
        assertEq(market.getParams(1).treasury, treasury);
        assertTrue(market.isKeeper(keeper));
        assertTrue(registry.isKeeper(keeper));
        assertEq(registry.admin(), admin);
        assertEq(registry.pauser(), pauserAddr);
        assertEq(registry.adminDelay(), ADMIN_DELAY);
        assertEq(registry.currentParams().feeBps, FEE_BPS);
    }

    function test_params_waitForTheDelay_andNeverTouchOldTasks() public {
        ISwanMarket.TaskRequest memory longLived = _request(ISwanMarket.Mode.KeeperAttested, 1);
        longLived.assignBy = uint32(vm.getBlockTimestamp() + 3 days);
        longLived.resultBy = uint32(vm.getBlockTimestamp() + 4 days);
        longLived.settleBy = uint32(vm.getBlockTimestamp() + 5 days);
        uint256 oldTask = _create(longLived);
        ISwanRegistry.Params memory p = _params();
        p.feeBps = 1000;
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.scheduleParams(p);
        vm.prank(admin);
        registry.scheduleParams(p);
        (ISwanRegistry.Params memory scheduled, uint256 eta) = registry.scheduledParams();
        assertEq(scheduled.feeBps, 1000);
        assertEq(eta, vm.getBlockTimestamp() + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.NotReady.selector, vm.getBlockTimestamp() + ADMIN_DELAY));
        registry.applyParams();
        skip(ADMIN_DELAY);
        vm.expectEmit(true, false, false, true, address(registry));
        emit ISwanRegistry.ParamsApplied(2, p);
        registry.applyParams();
        assertEq(market.paramsVersion(), 2);
        assertEq(market.getParams(2).feeBps, 1000);
        assertEq(registry.currentParams().feeBps, 1000);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.NotReady.selector, 0));
        registry.applyParams(); // nothing scheduled any more

        // a creator who signed up for version 1 is refused rather than charged the new fee
        ISwanMarket.TaskRequest memory stale = _request(ISwanMarket.Mode.KeeperAttested, 1);
        stale.paramsVersion = 1;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ParamsChanged.selector, 1, 2));
        market.createTask(stale);

        // the old task still pays the old 5 % fee; a new one pays 10 %
        uint256 newTask = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        assertEq(market.getTask(oldTask).paramsVersion, 1);
        assertEq(market.getTask(newTask).paramsVersion, 2);
        (address[] memory ps, uint256[] memory prices) = _providers(1);
        vm.startPrank(keeper);
        market.assign(oldTask, ps, prices);
        market.assign(newTask, ps, prices);
        vm.stopPrank();
        _submit(oldTask, 0, keccak256("r"));
        _submit(newTask, 0, keccak256("r"));
        vm.startPrank(keeper);
        market.settle(oldTask, 1);
        assertEq(market.balanceOf(treasury), PRICE * 500 / 10_000);
        market.settle(newTask, 1);
        assertEq(market.balanceOf(treasury), PRICE * 500 / 10_000 + PRICE * 1000 / 10_000);
        vm.stopPrank();
    }

    /// Item 12: a schedule lapses after GRACE, and the admin can withdraw it.
    function test_params_lapseAndCanBeCancelled() public {
        ISwanRegistry.Params memory p = _params();
        p.feeBps = 0;
        vm.prank(admin);
        registry.scheduleParams(p);
        uint256 eta = vm.getBlockTimestamp() + ADMIN_DELAY;
        vm.warp(eta + 7 days + 1);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.ScheduleExpired.selector, eta + 7 days));
        registry.applyParams();

        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.cancelParams();
        vm.expectEmit(false, false, false, true, address(registry));
        emit ISwanRegistry.ParamsCancelled();
        vm.prank(admin);
        registry.cancelParams();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.NotReady.selector, 0));
        registry.cancelParams();
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.NotReady.selector, 0));
        registry.applyParams();
        assertEq(market.paramsVersion(), 1);
    }

    /// Item 7: every parameter combination governance accepts keeps the market usable (fee 0).
    function test_params_zeroFeeKeepsTheMarketUsable() public {
        ISwanRegistry.Params memory p = _params();
        p.feeBps = 0;
        p.bountyBps = 0;
        p.minCollateral = 0;
        p.unbondingDelay = 0;
        _governParams(p);
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        _submit(id, 0, keccak256("r"));
        _settle(id, 1);
        assertEq(_account(0).earned, PRICE);
        assertEq(market.balanceOf(treasury), 0);
    }

    function test_params_caps() public {
        ISwanRegistry.Params memory p = _params();
        vm.startPrank(admin);
        p.bountyBps = 1001;
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        registry.scheduleParams(p);
        p.bountyBps = 500;
        p.unbondingDelay = 31 days;
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        registry.scheduleParams(p);
        p.unbondingDelay = 1 days;
        p.treasury = address(0);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.scheduleParams(p);
        p.treasury = address(market);
        vm.expectRevert(ISwanRegistry.ParamOutOfRange.selector);
        registry.scheduleParams(p);
        p.treasury = keeper;
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, keeper));
        registry.scheduleParams(p);
        vm.stopPrank();
    }

    function test_keepers_grantWaits_lapses_revokeIsImmediate() public {
        address k2 = makeAddr("keeper2");
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.scheduleKeeper(k2);
        vm.startPrank(admin);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.scheduleKeeper(address(0));
        registry.scheduleKeeper(k2);
        vm.stopPrank();
        assertEq(registry.keeperEta(k2), vm.getBlockTimestamp() + ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.NotReady.selector, vm.getBlockTimestamp() + ADMIN_DELAY));
        registry.applyKeeper(k2);
        skip(ADMIN_DELAY);
        registry.applyKeeper(k2);
        assertTrue(market.isKeeper(k2));
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.revokeKeeper(k2);
        vm.prank(admin);
        registry.revokeKeeper(k2);
        assertFalse(market.isKeeper(k2));
        assertFalse(registry.isKeeper(k2));

        // a grant nobody applies in time lapses
        vm.prank(admin);
        registry.scheduleKeeper(k2);
        uint256 eta = vm.getBlockTimestamp() + ADMIN_DELAY;
        vm.warp(eta + 7 days + 1);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.ScheduleExpired.selector, eta + 7 days));
        registry.applyKeeper(k2);
    }

    /// Item 5: no provider address (owner, worker or beneficiary) nor the treasury becomes a keeper.
    function test_keepers_neverProviders() public {
        address[3] memory candidates = [owners[0], workers[1], beneficiaries[2]];
        for (uint256 i; i < 3; ++i) {
            vm.prank(admin);
            registry.scheduleKeeper(candidates[i]);
        }
        vm.prank(admin);
        registry.scheduleKeeper(treasury);
        skip(ADMIN_DELAY);
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, candidates[i]));
            registry.applyKeeper(candidates[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, treasury));
        registry.applyKeeper(treasury);
        // a scheduled keeper that registers as a provider before the grant is refused too
        address k3 = makeAddr("keeper3");
        vm.prank(admin);
        registry.scheduleKeeper(k3);
        vm.prank(k3);
        registry.registerProvider(_info(makeAddr("k3worker"), k3));
        skip(ADMIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, k3));
        registry.applyKeeper(k3);
    }

    function test_pause_blocksNewWork_notRefundsOrExpiry() public {
        uint256 open = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        uint256 running = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(running, 1, PRICE);
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotPauser.selector);
        registry.setPaused(true);
        vm.prank(pauserAddr);
        registry.setPaused(true);
        assertTrue(market.paused());

        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.prank(alice);
        vm.expectRevert(ISwanMarket.MarketPaused.selector);
        market.createTask(r);
        (address[] memory ps, uint256[] memory prices) = _providers(1);
        vm.prank(keeper);
        vm.expectRevert(ISwanMarket.MarketPaused.selector);
        market.assign(open, ps, prices);

        // results, settlement, cancellation, expiry and withdrawals go on
        _submit(running, 0, keccak256("r"));
        vm.prank(keeper);
        market.settle(running, 1);
        vm.prank(alice);
        market.cancelTask(open);
        vm.prank(alice);
        market.withdraw(PRICE, alice);
        market.claimEarnings(owners[0]);

        vm.prank(pauserAddr);
        registry.setPaused(false);
        _create(r);
    }

    function test_roles_pauserAndAdminTransfer() public {
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.setPauser(stranger);
        vm.startPrank(admin);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.setPauser(address(0));
        registry.setPauser(stranger);
        assertEq(registry.pauser(), stranger);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.proposeAdmin(address(0));
        registry.proposeAdmin(stranger);
        vm.stopPrank();
        vm.prank(alice);
        vm.expectRevert(ISwanRegistry.NotPendingAdmin.selector);
        registry.acceptAdmin();
        vm.prank(stranger);
        registry.acceptAdmin();
        assertEq(registry.admin(), stranger);
        vm.prank(stranger);
        vm.expectRevert(ISwanRegistry.NotPendingAdmin.selector);
        registry.acceptAdmin(); // no replay of the accept
        assertEq(address(market.token()), address(token));
    }
}
