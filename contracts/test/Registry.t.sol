// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice Providers, terms, collateral, the keeper/provider separation, and internal balances.
contract RegistryTest is Base {
    address internal newcomer = makeAddr("newcomer");

    function test_register_storesKeysAndTermsAndEmitsOffer() public {
        ISwanRegistry.ProviderInfo memory info = _infoWith(
            workers[0],
            beneficiaries[0],
            ISwanRegistry.Terms({maxCollateral: 50 ether, minPrice: 2 ether, minRate: 1e12, modes: 0x5})
        );
        vm.expectEmit(true, false, false, true, address(registry));
        emit ISwanRegistry.ProviderRegistered(newcomer, info, false);
        vm.prank(newcomer);
        registry.registerProvider(info);
        ISwanRegistry.Provider memory p = registry.getProvider(newcomer);
        assertEq(p.worker, workers[0]);
        assertEq(p.beneficiary, beneficiaries[0]);
        assertEq(uint8(p.status), uint8(ISwanRegistry.ProviderStatus.Active));
        assertEq(p.registeredAt, vm.getBlockTimestamp());
        assertEq(p.modes, 0x5);
        assertEq(p.maxCollateral, 50 ether);
        assertEq(p.minPrice, 2 ether);
        assertEq(p.minRate, 1e12);
        (
            ISwanRegistry.ProviderStatus status,
            uint8 modes,
            uint256 deposited,
            uint256 unbonding,
            uint256 maxC,
            uint256 minP,
            uint256 minR
        ) = registry.assignable(newcomer);
        assertEq(uint8(status), 1);
        assertEq(modes, 0x5);
        assertEq(deposited + unbonding, 0);
        assertEq(maxC, 50 ether);
        assertEq(minP, 2 ether);
        assertEq(minR, 1e12);
        assertEq(registry.workerOf(newcomer), workers[0]);
        assertEq(registry.beneficiaryOf(newcomer), beneficiaries[0]);
        assertTrue(registry.isProviderAddress(newcomer));
        assertTrue(registry.isProviderAddress(workers[0]));
        assertFalse(registry.isProviderAddress(stranger));
        assertEq(registry.market(), address(market));
        assertEq(registry.token(), address(token));
    }

    function test_register_errors() public {
        vm.startPrank(newcomer);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.registerProvider(_info(address(0), beneficiaries[0]));
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.registerProvider(_info(workers[0], address(0)));
        vm.expectRevert(ISwanRegistry.InvalidTerms.selector);
        registry.registerProvider(
            _infoWith(
                workers[0],
                beneficiaries[0],
                ISwanRegistry.Terms({maxCollateral: 0, minPrice: 0, minRate: 0, modes: 0x10})
            )
        );
        registry.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.expectRevert(ISwanRegistry.AlreadyRegistered.selector);
        registry.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.stopPrank();
    }

    /// Item 5: a keeper cannot be a provider, by any of the provider's three addresses.
    function test_register_keeperCannotProvide() public {
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, keeper));
        registry.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.startPrank(newcomer);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, keeper));
        registry.registerProvider(_info(keeper, beneficiaries[0]));
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, keeper));
        registry.registerProvider(_info(workers[0], keeper));
        vm.stopPrank();
        vm.prank(owners[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, keeper));
        registry.updateProvider(_info(workers[0], keeper));
    }

    function test_update_pause_exit() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.UnknownProvider.selector, stranger));
        registry.updateProvider(_info(workers[1], beneficiaries[1]));

        vm.startPrank(owners[0]);
        registry.updateProvider(_info(workers[1], beneficiaries[2]));
        assertEq(registry.getProvider(owners[0]).worker, workers[1]);
        assertEq(registry.getProvider(owners[0]).beneficiary, beneficiaries[2]);
        assertFalse(registry.isProviderAddress(workers[0]), "provider 0 moved its worker key away");
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.updateProvider(_info(address(0), beneficiaries[2]));

        registry.setProviderPaused(true);
        assertEq(uint8(registry.getProvider(owners[0]).status), uint8(ISwanRegistry.ProviderStatus.Paused));
        registry.setProviderPaused(false);
        assertEq(uint8(registry.getProvider(owners[0]).status), uint8(ISwanRegistry.ProviderStatus.Active));

        registry.exitProvider();
        assertEq(uint8(registry.getProvider(owners[0]).status), uint8(ISwanRegistry.ProviderStatus.Exited));
        vm.expectRevert(ISwanRegistry.ProviderExited.selector);
        registry.exitProvider();
        vm.expectRevert(ISwanRegistry.ProviderExited.selector);
        registry.setProviderPaused(false);
        vm.expectRevert(ISwanRegistry.ProviderExited.selector);
        registry.depositCollateral(1 ether);
        vm.stopPrank();

        // an exited provider takes no new task
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        vm.prank(keeper);
        (address[] memory ps, uint256[] memory prices) = _providers(1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ProviderNotActive.selector, owners[0]));
        market.assign(id, ps, prices);
    }

    function test_linkedAddresses_areCountedPerProvider() public {
        // workers[0] is provider 0's worker; provider 1 names it as beneficiary too
        vm.prank(owners[1]);
        registry.updateProvider(_info(workers[1], workers[0]));
        vm.prank(owners[0]);
        registry.updateProvider(_info(makeAddr("w0b"), beneficiaries[0]));
        assertTrue(registry.isProviderAddress(workers[0]), "still provider 1's beneficiary");
        vm.prank(owners[1]);
        registry.updateProvider(_info(workers[1], beneficiaries[1]));
        assertFalse(registry.isProviderAddress(workers[0]), "nobody's address any more");
    }

    /// Item 11: an exited provider can still redirect what is owed to it.
    function test_exitedProvider_canChangeItsBeneficiaryAndWithdrawAnywhere() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        _submit(id, 0, keccak256("r"));
        _settle(id, 1);
        vm.startPrank(owners[0]);
        registry.exitProvider();
        address fresh = makeAddr("fresh");
        registry.updateProvider(_info(workers[0], fresh));
        registry.requestWithdrawal(1000 ether);
        skip(UNBONDING);
        address safe = makeAddr("safe");
        vm.expectEmit(true, true, false, true, address(registry));
        emit ISwanRegistry.CollateralWithdrawn(owners[0], safe, 1000 ether, 0);
        registry.withdrawCollateral(safe);
        vm.stopPrank();
        market.claimEarnings(owners[0]);
        assertEq(token.balanceOf(fresh), PRICE - _fee(PRICE));
        assertEq(token.balanceOf(safe), 1000 ether);
    }

    function test_collateral_depositErrors() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.UnknownProvider.selector, stranger));
        registry.depositCollateral(1 ether);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanRegistry.AmountTooSmall.selector);
        registry.depositCollateral(0);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanRegistry.AmountTooLarge.selector);
        registry.depositCollateral(type(uint96).max);
    }

    function test_collateral_sitsInTheMarket() public view {
        assertEq(token.balanceOf(address(registry)), 0);
        assertEq(token.balanceOf(address(market)), 3 * 1000 ether);
    }

    function test_collateral_twoStepWithdrawal() public {
        vm.startPrank(owners[0]);
        vm.expectRevert(ISwanRegistry.AmountTooSmall.selector);
        registry.requestWithdrawal(0);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.InsufficientStake.selector, 1000 ether, 1001 ether));
        registry.requestWithdrawal(1001 ether);
        registry.requestWithdrawal(400 ether);
        assertEq(market.freeCollateral(owners[0]), 600 ether);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanRegistry.StillUnbonding.selector, vm.getBlockTimestamp() + UNBONDING)
        );
        registry.withdrawCollateral(owners[0]); // withdrawal during unbonding
        skip(UNBONDING);
        vm.expectRevert(ISwanRegistry.ZeroAddress.selector);
        registry.withdrawCollateral(address(0));
        uint256 before = token.balanceOf(owners[0]);
        registry.withdrawCollateral(owners[0]);
        assertEq(token.balanceOf(owners[0]) - before, 400 ether);
        assertEq(_stake(0), 600 ether);
        vm.expectRevert(ISwanRegistry.NothingToWithdraw.selector);
        registry.withdrawCollateral(owners[0]);
        vm.stopPrank();
    }

    function test_onlyTheRegistryPaysCollateralAndPushesRoles() public {
        vm.prank(owners[0]);
        vm.expectRevert(ISwanMarket.NotRegistry.selector);
        market.payCollateral(owners[0], 1 ether);
        vm.prank(admin);
        vm.expectRevert(ISwanMarket.NotRegistry.selector);
        market.setKeeper(admin, true);
        vm.prank(admin);
        vm.expectRevert(ISwanMarket.NotRegistry.selector);
        market.setParams(_params());
        vm.prank(pauserAddr);
        vm.expectRevert(ISwanMarket.NotRegistry.selector);
        market.setPaused(true);
    }

    function test_unbondingCollateral_lockedByATask_isStillSlashed() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        // the provider starts unbonding everything, including what the task locked
        vm.prank(owners[0]);
        registry.requestWithdrawal(1000 ether);
        skip(3 hours + 1); // a no-show: the fault
        market.expire(id);
        assertEq(_stake(0), 1000 ether - COLLATERAL);
        assertEq(market.freeCollateral(owners[0]), 0); // everything left is unbonding
        skip(UNBONDING);
        vm.prank(owners[0]);
        registry.withdrawCollateral(owners[0]);
        assertEq(token.balanceOf(owners[0]), 1000 ether - COLLATERAL);
        assertEq(_stake(0), 0);
    }

    function test_withdrawal_waitsForLockedCollateral() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        vm.prank(owners[0]);
        registry.requestWithdrawal(1000 ether);
        skip(UNBONDING);
        vm.prank(owners[0]);
        registry.withdrawCollateral(owners[0]); // only the unlocked part leaves
        assertEq(_stake(0), COLLATERAL);
        assertEq(registry.getProvider(owners[0]).unbonding, COLLATERAL);
        vm.prank(owners[0]);
        vm.expectRevert(ISwanRegistry.NothingToWithdraw.selector);
        registry.withdrawCollateral(owners[0]);
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

    function test_claimEarnings_nothingOwed() public {
        vm.expectRevert(ISwanMarket.NothingToWithdraw.selector);
        market.claimEarnings(stranger);
    }
}
