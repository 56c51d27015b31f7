// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../src/SwanMarket.sol";
import {SwanRegistry} from "../src/SwanRegistry.sol";
import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {ReentrantReceiver, RevertingReceiver} from "./mocks/HostileActors.sol";
import {BlocklistToken, FalseReturningToken, FeeOnTransferToken, HookToken} from "./mocks/HostileTokens.sol";
import {Base} from "./utils/Base.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice Tokens that deliver less, answer false, blocklist, or call back on pushes and pulls;
/// receivers that re-enter or refuse.
contract TokenSafetyTest is Base {
    function _market(address t) internal returns (SwanMarket m, SwanRegistry r) {
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        m = new SwanMarket(IERC20(t), admin, pauserAddr, keepers, _params(), ADMIN_DELAY);
        r = SwanRegistry(address(m.registry()));
    }

    function test_feeOnTransferToken_isRefusedEverywhere() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        (SwanMarket m, SwanRegistry r) = _market(address(fot));
        fot.mint(alice, 1000 ether);
        vm.startPrank(alice);
        fot.approve(address(m), type(uint256).max);
        fot.approve(address(r), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, 100 ether, 99 ether));
        m.deposit(100 ether);
        ISwanMarket.TaskRequest memory req = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, PRICE, PRICE - PRICE / 100));
        m.createTask(req);
        r.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TokenShortfall.selector, 200 ether, 198 ether));
        r.depositCollateral(200 ether);
        vm.stopPrank();
        assertEq(fot.balanceOf(address(m)), 0);
        assertEq(fot.balanceOf(address(r)), 0);
        assertEq(m.taskCount(), 0);
    }

    function test_falseReturningToken_isTreatedAsAFailure() public {
        FalseReturningToken frt = new FalseReturningToken();
        (SwanMarket m, SwanRegistry r) = _market(address(frt));
        frt.mint(alice, 100 ether);
        vm.startPrank(alice);
        // no allowance: the token answers false, the market refuses and records nothing
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(frt)));
        m.deposit(10 ether);
        ISwanMarket.TaskRequest memory req = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(frt)));
        m.createTask(req);
        r.registerProvider(_info(workers[0], beneficiaries[0]));
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(frt)));
        r.depositCollateral(10 ether);
        frt.approve(address(m), 10 ether);
        m.deposit(10 ether);
        m.withdraw(10 ether, alice);
        vm.stopPrank();
        assertEq(m.balanceOf(alice), 0);
        assertEq(m.taskCount(), 0);
        assertEq(r.stakeOf(alice), 0);
        assertEq(frt.balanceOf(alice), 100 ether);
    }

    /// Item 11: an owner or beneficiary the token blocklists can still get its money elsewhere.
    function test_blocklistedAddresses_canRedirectWhatTheyAreOwed() public {
        BlocklistToken blt = new BlocklistToken();
        (SwanMarket m, SwanRegistry r) = _market(address(blt));
        address owner = makeAddr("listedOwner");
        address beneficiary = makeAddr("listedBeneficiary");
        blt.mint(owner, 1000 ether);
        blt.mint(alice, 1000 ether);
        vm.startPrank(owner);
        r.registerProvider(_info(workers[0], beneficiary));
        blt.approve(address(r), type(uint256).max);
        r.depositCollateral(1000 ether);
        vm.stopPrank();
        vm.prank(alice);
        blt.approve(address(m), type(uint256).max);
        ISwanMarket.TaskRequest memory req = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.prank(alice);
        uint256 id = m.createTask(req);
        address[] memory ps = new address[](1);
        uint256[] memory prices = new uint256[](1);
        ps[0] = owner;
        prices[0] = PRICE;
        vm.prank(keeper);
        m.assign(id, ps, prices);
        vm.prank(workers[0]);
        m.submitResult(id, 0, keccak256("r"), "");
        vm.prank(keeper);
        m.settle(id, 1);

        blt.setBlocked(owner, true);
        blt.setBlocked(beneficiary, true);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocklisted.selector, beneficiary));
        m.claimEarnings(owner);
        // the owner (even after exit) points its earnings and its collateral somewhere that can receive
        address fresh = makeAddr("fresh");
        vm.startPrank(owner);
        r.exitProvider();
        r.updateProvider(_info(workers[0], fresh));
        r.requestWithdrawal(1000 ether);
        skip(UNBONDING);
        r.withdrawCollateral(fresh);
        vm.stopPrank();
        m.claimEarnings(owner);
        assertEq(blt.balanceOf(fresh), 1000 ether + PRICE - _fee(PRICE));
    }

    function test_hooksOnPushesAndPulls_cannotReenter_andRevertingReceiver_losesNothing() public {
        HookToken hook = new HookToken();
        (SwanMarket m, SwanRegistry r) = _market(address(hook));
        ReentrantReceiver attacker = new ReentrantReceiver(ISwanMarket(address(m)));
        RevertingReceiver refuser = new RevertingReceiver(address(hook));
        hook.mint(address(attacker), 100 ether);
        attacker.approve(address(hook), type(uint256).max);
        // a pull (deposit) calls the sender back before the tokens leave it: refused re-entry
        attacker.deposit(50 ether);
        assertEq(attacker.attempts(), 1);
        // a push (withdraw) calls the receiver back: refused re-entry, the withdrawal lands
        attacker.withdrawAll();
        assertFalse(attacker.reentered());
        assertEq(attacker.attempts(), 2);
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
        assertEq(hook.balanceOf(address(r)), 0);
    }

    function test_batchedEntryPoints_areKeeperOnly_andGovernanceIsAdminOnly() public {
        vm.startPrank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.assignBatch(new uint256[](0), new address[][](0), new uint256[][](0));
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.settleBatch(new uint256[](0), new uint256[](0));
        vm.expectRevert(ISwanRegistry.NotAdmin.selector);
        registry.proposeAdmin(stranger);
        vm.stopPrank();
    }
}
