// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Providers, collateral and internal balances.
contract RegistryTest is Base {
    address internal newcomer = makeAddr("newcomer");

    function test_register_storesKeysAndEmitsOffer() public {
        ISwanMarket.ProviderInfo memory info = _info(workers[0], beneficiaries[0]);
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.ProviderRegistered(newcomer, info, false);
        vm.prank(newcomer);
        market.registerProvider(info);
        ISwanMarket.Provider memory p = market.getProvider(newcomer);
        assertEq(p.worker, workers[0]);
        assertEq(p.beneficiary, beneficiaries[0]);
        assertEq(uint8(p.status), uint8(ISwanMarket.ProviderStatus.Active));
        assertEq(p.registeredAt, vm.getBlockTimestamp());
    }

    function test_register_errors() public {
        vm.startPrank(newcomer);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.registerProvider(_info(address(0), beneficiaries[0]));
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.registerProvider(_info(workers[0], address(0)));
        market.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.expectRevert(ISwanMarket.AlreadyRegistered.selector);
        market.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.stopPrank();
    }

    function test_update_pause_exit() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownProvider.selector, stranger));
        market.updateProvider(_info(workers[1], beneficiaries[1]));

        vm.startPrank(owners[0]);
        market.updateProvider(_info(workers[1], beneficiaries[2]));
        assertEq(market.getProvider(owners[0]).worker, workers[1]);
        assertEq(market.getProvider(owners[0]).beneficiary, beneficiaries[2]);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.updateProvider(_info(address(0), beneficiaries[2]));

        market.setProviderPaused(true);
        assertEq(uint8(market.getProvider(owners[0]).status), uint8(ISwanMarket.ProviderStatus.Paused));
        market.setProviderPaused(false);
        assertEq(uint8(market.getProvider(owners[0]).status), uint8(ISwanMarket.ProviderStatus.Active));

        market.exitProvider();
        assertEq(uint8(market.getProvider(owners[0]).status), uint8(ISwanMarket.ProviderStatus.Exited));
        vm.expectRevert(ISwanMarket.ProviderExited.selector);
        market.exitProvider();
        vm.expectRevert(ISwanMarket.ProviderExited.selector);
        market.setProviderPaused(false);
        vm.expectRevert(ISwanMarket.ProviderExited.selector);
        market.updateProvider(_info(workers[1], beneficiaries[1]));
        vm.expectRevert(ISwanMarket.ProviderExited.selector);
        market.depositCollateral(1 ether);
        vm.stopPrank();

        // an exited provider takes no new task
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        vm.prank(keeper);
        (address[] memory ps, uint256[] memory prices) = _providers(1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ProviderNotActive.selector, owners[0]));
        market.assign(id, ps, prices);
    }

    function test_collateral_depositErrors() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownProvider.selector, stranger));
        market.depositCollateral(1 ether);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.depositCollateral(0);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
        market.depositCollateral(type(uint96).max);
    }

    function test_collateral_twoStepWithdrawal() public {
        vm.startPrank(owners[0]);
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.requestWithdrawal(0);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.InsufficientCollateral.selector, owners[0], 1000 ether, 1001 ether)
        );
        market.requestWithdrawal(1001 ether);
        market.requestWithdrawal(400 ether);
        assertEq(market.freeCollateral(owners[0]), 600 ether);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.StillUnbonding.selector, vm.getBlockTimestamp() + UNBONDING));
        market.withdrawCollateral(); // withdrawal during unbonding
        vm.warp(vm.getBlockTimestamp() + UNBONDING);
        uint256 before = token.balanceOf(owners[0]);
        market.withdrawCollateral();
        assertEq(token.balanceOf(owners[0]) - before, 400 ether);
        assertEq(market.getProvider(owners[0]).stake, 600 ether);
        vm.expectRevert(ISwanMarket.NothingToWithdraw.selector);
        market.withdrawCollateral();
        vm.stopPrank();
    }

    function test_unbondingCollateral_lockedByATask_isStillSlashed() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(id, 1, PRICE);
        // the provider starts unbonding everything, including what the task locked
        vm.prank(owners[0]);
        market.requestWithdrawal(1000 ether);
        vm.warp(vm.getBlockTimestamp() + 3 hours + 1); // a no-show: the fault
        market.expire(id);
        ISwanMarket.Provider memory p = market.getProvider(owners[0]);
        assertEq(p.stake, 1000 ether - COLLATERAL);
        assertEq(p.unbonding, 1000 ether - COLLATERAL); // the slash came out of unbonding collateral
        vm.warp(vm.getBlockTimestamp() + UNBONDING);
        vm.prank(owners[0]);
        market.withdrawCollateral();
        assertEq(token.balanceOf(owners[0]), 1000 ether - COLLATERAL);
        assertEq(market.getProvider(owners[0]).stake, 0);
    }

    function test_withdrawal_waitsForLockedCollateral() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(id, 1, PRICE);
        vm.prank(owners[0]);
        market.requestWithdrawal(1000 ether);
        vm.warp(vm.getBlockTimestamp() + UNBONDING);
        vm.prank(owners[0]);
        market.withdrawCollateral(); // only the unlocked part leaves
        assertEq(market.getProvider(owners[0]).stake, COLLATERAL);
        assertEq(market.getProvider(owners[0]).unbonding, COLLATERAL);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanMarket.NothingToWithdraw.selector);
        market.withdrawCollateral();
    }

    function test_accounts_depositWithdraw() public {
        vm.startPrank(alice);
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.deposit(0);
        market.deposit(5 ether);
        assertEq(market.balanceOf(alice), 5 ether);
        vm.expectRevert(ISwanMarket.ZeroAddress.selector);
        market.withdraw(1 ether, address(0));
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.withdraw(0, alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.InsufficientBalance.selector, 5 ether, 6 ether));
        market.withdraw(6 ether, alice);
        market.withdraw(5 ether, stranger);
        vm.stopPrank();
        assertEq(token.balanceOf(stranger), 5 ether);
        assertEq(market.balanceOf(alice), 0);
    }

    function test_claimEarnings_unknownProvider() public {
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownProvider.selector, stranger));
        market.claimEarnings(stranger);
    }
}
