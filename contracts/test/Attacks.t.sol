// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";

/// @notice The attacks of the v1 audit (issue 24, items 1–6), replayed against v2 by actors that
/// hold several roles at once. Each test measures the attacker's whole value before and after
/// (internal balances, wallets, stakes, earnings of every address it controls) and the honest
/// party's loss; on v1 each of these attacks paid (numbers in the comments), here none does.
/// Items 7–12 are pinned where their rule lives (see contracts/SECURITY.md for the index).
contract AttacksTest is Base {
    address internal mallory = makeAddr("mallory"); // keeper and submitter at once
    address internal sybil0 = makeAddr("sybil0");
    address internal sybil1 = makeAddr("sybil1");

    function setUp() public override {
        super.setUp();
        // mallory is a keeper (granted through governance) and a funded submitter
        vm.prank(admin);
        registry.scheduleKeeper(mallory);
        skip(ADMIN_DELAY);
        registry.applyKeeper(mallory);
        token.mint(mallory, 1_000_000 ether);
        vm.prank(mallory);
        token.approve(address(market), type(uint256).max);
    }

    /// @dev Everything `who` holds in and around the market.
    function _value(address who) internal view returns (uint256) {
        return token.balanceOf(who) + market.balanceOf(who) + registry.stakeOf(who) + market.getAccount(who).earned;
    }

    function _malloryTask(ISwanMarket.TaskRequest memory r) internal returns (uint256 id) {
        vm.prank(mallory);
        id = market.createTask(r);
    }

    function _assignAs(address k, uint256 id, address[] memory ps, uint256[] memory prices) internal {
        vm.prank(k);
        market.assign(id, ps, prices);
    }

    function _one(address p, uint256 price) internal pure returns (address[] memory ps, uint256[] memory prices) {
        ps = new address[](1);
        prices = new uint256[](1);
        ps[0] = p;
        prices[0] = price;
    }

    /// Item 1. v1: a keeper-submitter created a task with collateralPct 65535 and price 0,
    /// assigned an honest provider with 1,000 staked and failed it: +327.675 tokens.
    function test_item01_keeperSubmitterCannotProfitFromAnHonestProvidersCollateral() public {
        // the v1 terms are refused outright
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        r.collateralPct = 65_535;
        r.price = 1;
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.CollateralPctTooHigh.selector, 65_535, 1000));
        market.createTask(r);

        uint256 malloryBefore = _value(mallory);
        // the honest provider agreed to keeper-attested work at ≥ 5 tokens, locking ≤ 30
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: 30 ether, minPrice: 5 ether, minRate: 0, modes: 0x1}));
        r.collateralPct = 1000;
        r.price = PRICE;
        uint256 id = _malloryTask(r);
        // a zero price, or a collateral beyond its limit, cannot be forced on it
        (address[] memory ps, uint256[] memory prices) = _one(owners[0], 0);
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.PriceBelowFloor.selector, owners[0], 0, 5 ether));
        market.assign(id, ps, prices);
        prices[0] = 5 ether; // 10x = 50 tokens of collateral, above its 30
        vm.prank(mallory);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.CollateralAboveLimit.selector, owners[0], 50 ether, 30 ether)
        );
        market.assign(id, ps, prices);

        // within its terms the keeper's word is final (the provider accepted that mode) — but the
        // slash goes to the treasury: the keeper-submitter only gets its own price back
        prices[0] = 3 ether; // 30 tokens at 10x: exactly its limit
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: 30 ether, minPrice: 3 ether, minRate: 0, modes: 0x1}));
        _assignAs(mallory, id, ps, prices);
        _submit(id, 0, keccak256("honest work"));
        vm.prank(mallory);
        market.settle(id, 0); // a false verdict
        assertLe(_value(mallory), malloryBefore, "the keeper-submitter gained nothing");
        assertEq(_stake(0), 1000 ether - 30 ether, "the provider lost no more than it agreed to lock");
        assertEq(market.balanceOf(treasury), 30 ether);
    }

    /// Item 2. v1: the submitter committed a wrong answer and settled: the honest provider was
    /// slashed and the submitter got its price back plus half the slash (+10 tokens at 200 %).
    function test_item02_submitterGainsNothingFromAWrongAnswer() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KnownAnswer, 1);
        r.answerCommit = keccak256(abi.encode(keccak256("a lie"), SALT));
        uint256 before = _value(alice);
        uint256 id = _create(r);
        _assignAll(id, 1, PRICE);
        _commit(id, 0, ANSWER, "s0");
        _reveal(id, 0, ANSWER, "s0");
        vm.prank(alice);
        market.revealAnswer(id, keccak256("a lie"), SALT);
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        assertEq(before - _value(alice), PRICE, "the submitter paid in full: the lie earned it nothing");
        assertEq(market.balanceOf(treasury), PRICE + COLLATERAL);
    }

    /// Item 3. v1: two sybil providers of the submitter outvoted the honest third of a 2-of-3
    /// quorum on a wrong result and slashed it: the group gained 9 tokens.
    function test_item03_sybilMajorityCannotProfitFromOutvotingAnHonestProvider() public {
        // eve submits and owns two providers (a keeper could not: see item 5)
        address eve = makeAddr("eve");
        token.mint(eve, 1000 ether);
        vm.prank(eve);
        token.approve(address(market), type(uint256).max);
        _registerAndStake(sybil0, makeAddr("sybil0w"), eve, 1000 ether);
        _registerAndStake(sybil1, makeAddr("sybil1w"), eve, 1000 ether);
        uint256 groupBefore = _value(eve) + _value(sybil0) + _value(sybil1);
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.Quorum, 3);
        vm.prank(eve);
        uint256 id = market.createTask(r);
        address[] memory ps = new address[](3);
        uint256[] memory prices = new uint256[](3);
        (ps[0], ps[1], ps[2]) = (sybil0, sybil1, owners[2]);
        (prices[0], prices[1], prices[2]) = (PRICE, PRICE, PRICE);
        _assignAs(keeper, id, ps, prices); // even when the keeper picks them
        bytes32 wrong = keccak256("wrong");
        bytes32 right = keccak256("right");
        bytes32 c0 = market.commitmentOf(id, 0, wrong, "a");
        bytes32 c1 = market.commitmentOf(id, 1, wrong, "b");
        vm.prank(makeAddr("sybil0w"));
        market.submitResult(id, 0, c0, "");
        vm.prank(makeAddr("sybil1w"));
        market.submitResult(id, 1, c1, "");
        _commit(id, 2, right, "c");
        vm.prank(makeAddr("sybil0w"));
        market.revealResult(id, 0, wrong, "a", "");
        vm.prank(makeAddr("sybil1w"));
        market.revealResult(id, 1, wrong, "b", "");
        _reveal(id, 2, right, "c");
        assertEq(uint8(_replicaStatus(id, 2)), uint8(ISwanMarket.ReplicaStatus.Slashed));
        market.claimEarnings(sybil0);
        market.claimEarnings(sybil1);
        uint256 groupAfter = _value(eve) + _value(sybil0) + _value(sybil1);
        assertLt(groupAfter, groupBefore, "the group paid the fees and gained nothing");
        assertEq(groupBefore - groupAfter, 2 * _fee(PRICE));
    }

    /// Item 4. v1: after three years of extensions 172.8 tokens of an exited provider's collateral
    /// were still locked; its only way out was being reported failed and slashed.
    function test_item04_aServiceProviderLeavesWithNoticeAndKeepsItsCollateral() public {
        uint256 id = _create(_request(ISwanMarket.Mode.ServiceHealth, 1));
        _assignAll(id, 1, 0.001 ether);
        uint256 locked = _account(0).locked;
        assertGt(locked, 0);
        for (uint256 i; i < 3; ++i) {
            vm.prank(alice);
            market.extendService(id, 300 days);
            skip(290 days);
        }
        vm.startPrank(owners[0]);
        registry.exitProvider();
        market.leaveService(id, 0);
        vm.stopPrank();
        skip(1 hours);
        market.claimService(id, 0);
        assertEq(_account(0).locked, 0, "unlocked one notice after it left");
        assertEq(_stake(0), 1000 ether, "never slashed");
    }

    /// Item 5. v1: the keeper registered a provider, assigned it to a keeper-attested task,
    /// submitted junk and passed it: it was paid the submitter's 9.5 tokens.
    function test_item05_theKeeperCannotBeAProviderNorEarnAFee() public {
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, mallory));
        registry.registerProvider(_info(makeAddr("mw"), makeAddr("mb")));
        vm.prank(sybil0); // nor as the worker or beneficiary of another owner
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, mallory));
        registry.registerProvider(_info(mallory, makeAddr("mb")));
        vm.prank(sybil0);
        vm.expectRevert(abi.encodeWithSelector(ISwanRegistry.KeeperCannotProvide.selector, mallory));
        registry.registerProvider(_info(makeAddr("mw"), mallory));

        // the keeper's only income is the expiry bounty on no-shows it did not submit itself
        uint256 before = _value(mallory);
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAs(mallory, id, _oneProvider(), _onePrice());
        _submit(id, 0, keccak256("r"));
        vm.prank(mallory);
        market.settle(id, 1);
        assertEq(_value(mallory), before, "a verdict pays the keeper nothing; fees go to the treasury");
    }

    function _oneProvider() internal view returns (address[] memory ps) {
        (ps,) = _providers(1);
    }

    function _onePrice() internal pure returns (uint256[] memory prices) {
        prices = new uint256[](1);
        prices[0] = PRICE;
    }

    /// Item 6. v1: a known-answer result was public as it arrived; a lazy second replica copied
    /// it and was paid.
    function test_item06_aLazyReplicaCannotCopyAKnownAnswerResult() public {
        uint256 id = _assigned(ISwanMarket.Mode.KnownAnswer, 2);
        _commit(id, 0, ANSWER, "s0");
        // all the copier can see is a commitment bound to replica 0
        bytes32 visible = market.resultOf(id, 0);
        assertTrue(visible != ANSWER);
        vm.prank(workers[1]);
        market.submitResult(id, 1, visible, "");
        vm.prank(workers[1]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.RevealMismatch.selector, id, 1));
        market.revealResult(id, 1, ANSWER, "s0", "");
        _reveal(id, 0, ANSWER, "s0");
        market.revealAnswer(id, ANSWER, SALT);
        skip(4 hours + 1);
        market.expire(id);
        assertEq(_account(1).earned, 0, "the copier was not paid");
        assertEq(_account(1).failed, 1);
    }
}
