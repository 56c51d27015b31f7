// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../src/SwanMarket.sol";
import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Roles, delayed parameters, pausing.
contract GovernanceTest is Base {
    function test_constructor_errors() public {
        address[] memory none = new address[](0);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        new SwanMarket(IERC20(address(0)), admin, pauserAddr, none, _params(), ADMIN_DELAY);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        new SwanMarket(IERC20(address(token)), address(0), pauserAddr, none, _params(), ADMIN_DELAY);
        vm.expectRevert(ISwanMarket.ParamOutOfRange.selector);
        new SwanMarket(IERC20(address(token)), admin, pauserAddr, none, _params(), 31 days);
        address[] memory zeroKeeper = new address[](1);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        new SwanMarket(IERC20(address(token)), admin, pauserAddr, zeroKeeper, _params(), ADMIN_DELAY);
        ISwanMarket.Params memory p = _params();
        p.feeBps = 1001;
        vm.expectRevert(ISwanMarket.ParamOutOfRange.selector);
        new SwanMarket(IERC20(address(token)), admin, pauserAddr, none, p, ADMIN_DELAY);
    }

    function test_params_waitForTheDelay_andNeverTouchOldTasks() public {
        ISwanMarket.TaskRequest memory longLived = _request(ISwanMarket.Mode.KeeperAttested, 1);
        longLived.assignBy = uint32(vm.getBlockTimestamp() + 3 days);
        longLived.resultBy = uint32(vm.getBlockTimestamp() + 4 days);
        longLived.settleBy = uint32(vm.getBlockTimestamp() + 5 days);
        uint256 oldTask = _create(longLived);
        ISwanMarket.Params memory p = _params();
        p.feeBps = 1000;
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotAdmin.selector);
        market.scheduleParams(p);
        vm.prank(admin);
        market.scheduleParams(p);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.NotReady.selector, vm.getBlockTimestamp() + ADMIN_DELAY));
        market.applyParams();
        vm.warp(vm.getBlockTimestamp() + ADMIN_DELAY);
        market.applyParams();
        assertEq(market.paramsVersion(), 2);
        assertEq(market.getParams(2).feeBps, 1000);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.NotReady.selector, 0));
        market.applyParams(); // nothing scheduled any more

        // the old task still pays the old 5 % fee; a new one pays 10 %
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        uint256 newTask = _create(r);
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

    function test_params_caps() public {
        ISwanMarket.Params memory p = _params();
        vm.startPrank(admin);
        p.bountyBps = 1001;
        vm.expectRevert(ISwanMarket.ParamOutOfRange.selector);
        market.scheduleParams(p);
        p.bountyBps = 500;
        p.slashToSubmitterBps = 9600; // + bounty > 100 %
        vm.expectRevert(ISwanMarket.ParamOutOfRange.selector);
        market.scheduleParams(p);
        p.slashToSubmitterBps = 5000;
        p.unbondingDelay = 31 days;
        vm.expectRevert(ISwanMarket.ParamOutOfRange.selector);
        market.scheduleParams(p);
        p.unbondingDelay = 1 days;
        p.treasury = address(0);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.scheduleParams(p);
        vm.stopPrank();
    }

    function test_keepers_grantWaits_revokeIsImmediate() public {
        address k2 = makeAddr("keeper2");
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotAdmin.selector);
        market.scheduleKeeper(k2);
        vm.startPrank(admin);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.scheduleKeeper(address(0));
        market.scheduleKeeper(k2);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.NotReady.selector, vm.getBlockTimestamp() + ADMIN_DELAY));
        market.applyKeeper(k2);
        vm.warp(vm.getBlockTimestamp() + ADMIN_DELAY);
        market.applyKeeper(k2);
        assertTrue(market.isKeeper(k2));
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotAdmin.selector);
        market.revokeKeeper(k2);
        vm.prank(admin);
        market.revokeKeeper(k2);
        assertFalse(market.isKeeper(k2));
    }

    function test_pause_blocksNewWork_notRefundsOrExpiry() public {
        uint256 open = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        uint256 running = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(running, 1, PRICE);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotPauser.selector);
        market.setPaused(true);
        vm.prank(pauserAddr);
        market.setPaused(true);
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
        market.setPaused(false);
        _create(r);
    }

    function test_roles_pauserAndAdminTransfer() public {
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotAdmin.selector);
        market.setPauser(stranger);
        vm.startPrank(admin);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.setPauser(address(0));
        market.setPauser(stranger);
        assertEq(market.pauser(), stranger);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.proposeAdmin(address(0));
        market.proposeAdmin(stranger);
        vm.stopPrank();
        vm.prank(alice);
        vm.expectRevert(ISwanMarket.NotPendingAdmin.selector);
        market.acceptAdmin();
        vm.prank(stranger);
        market.acceptAdmin();
        assertEq(market.admin(), stranger);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotPendingAdmin.selector);
        market.acceptAdmin(); // no replay of the accept
        assertEq(address(market.token()), address(token));
    }
}
