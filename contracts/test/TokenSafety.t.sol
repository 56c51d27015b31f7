// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../src/SwanMarket.sol";
import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ReentrantReceiver, RevertingReceiver} from "./mocks/HostileActors.sol";
import {FeeOnTransferToken, HookToken} from "./mocks/HostileTokens.sol";
import {Base} from "./utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Tokens that deliver less, receivers that re-enter or refuse, and role checks on the
/// batched entry points.
contract TokenSafetyTest is Base {
    function test_feeOnTransferToken_isRefusedEverywhere() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        SwanMarket m = new SwanMarket(IERC20(address(fot)), admin, pauserAddr, keepers, _params(), ADMIN_DELAY);
        fot.mint(alice, 1000 ether);
        vm.startPrank(alice);
        fot.approve(address(m), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, 100 ether, 99 ether));
        m.deposit(100 ether);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, PRICE, PRICE - PRICE / 100));
        m.createTask(_request(ISwanMarket.Mode.KeeperAttested, 1));
        m.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, 200 ether, 198 ether));
        m.depositCollateral(200 ether);
        vm.stopPrank();
        assertEq(fot.balanceOf(address(m)), 0);
        assertEq(m.taskCount(), 0);
    }

    function test_reentrantReceiver_cannotReenter_andRevertingReceiver_losesNothing() public {
        HookToken hook = new HookToken();
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        SwanMarket m = new SwanMarket(IERC20(address(hook)), admin, pauserAddr, keepers, _params(), ADMIN_DELAY);
        ReentrantReceiver attacker = new ReentrantReceiver(ISwanMarket(address(m)));
        RevertingReceiver refuser = new RevertingReceiver(address(hook));
        hook.mint(address(attacker), 100 ether);
        attacker.approve(address(hook), type(uint256).max);
        vm.prank(address(attacker));
        m.deposit(50 ether);
        attacker.withdrawAll(); // the payout calls back; the re-entry is refused, the withdrawal lands
        assertFalse(attacker.reentered());
        assertEq(attacker.attempts(), 1);
        assertEq(hook.balanceOf(address(attacker)), 100 ether);

        // a refusing receiver's withdrawal fails whole: its balance stays credited
        hook.mint(alice, 10 ether);
        vm.startPrank(alice);
        hook.approve(address(m), type(uint256).max);
        m.deposit(10 ether);
        vm.expectRevert(bytes("no thanks"));
        m.withdraw(10 ether, address(refuser));
        assertEq(m.balanceOf(alice), 10 ether);
        m.withdraw(10 ether, alice);
        vm.stopPrank();
        assertEq(hook.balanceOf(alice), 10 ether);
    }

    function test_batchedEntryPoints_areKeeperOnly_andProposeAdminIsAdminOnly() public {
        vm.startPrank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.assignBatch(new uint256[](0), new address[][](0), new uint256[][](0));
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.settleBatch(new uint256[](0), new uint256[](0));
        vm.expectRevert(ISwanMarket.NotAdmin.selector);
        market.proposeAdmin(stranger);
        vm.stopPrank();
    }
}
