// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {SwanRegistry} from "../../src/SwanRegistry.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../../src/interfaces/ISwanRegistry.sol";
import {HookToken} from "../mocks/HostileTokens.sol";
import {Handler} from "./Handler.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The market's money rules and every actor's economic promise, checked after every
/// random call of the handler's actors (see `Handler`). CI runs 1,000 runs × depth 50 (profile
/// `ci`).
/// @dev The market, its registry, the handler and its actors, as every invariant test starts.
abstract contract MarketFixture is Test {
    Handler internal handler;
    SwanMarket internal market;
    SwanRegistry internal registry;
    HookToken internal token;
    address internal admin = makeAddr("admin");
    address internal keeper = makeAddr("keeper");
    address internal treasury = makeAddr("treasury");

    function _deploy() internal {
        vm.warp(1_700_000_000);
        token = new HookToken();
        ISwanRegistry.Params memory p = ISwanRegistry.Params({
            feeBps: 500, bountyBps: 500, treasury: treasury, minCollateral: 1e18, unbondingDelay: 1 days
        });
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        // a real governance delay: parameter changes during the run wait a day
        market = new SwanMarket(IERC20(address(token)), admin, admin, keepers, p, 1 days);
        registry = SwanRegistry(address(market.registry()));
        handler = new Handler(market, token, admin, keeper, treasury);
        // mallory: a keeper, granted through governance, that is also a submitter
        address mallory = handler.mallory();
        vm.prank(admin);
        registry.scheduleKeeper(mallory);
        vm.warp(vm.getBlockTimestamp() + 1 days);
        registry.applyKeeper(mallory);
    }
}

/// @notice The market's money rules and every actor's economic promise, checked after every
/// random call of the handler's actors (see `Handler`). CI runs 1,000 runs × depth 50 (profile
/// `ci`).
contract InvariantsTest is MarketFixture {
    function setUp() public {
        _deploy();
        targetContract(address(handler));
        bytes4[] memory excluded = new bytes4[](1);
        excluded[0] = handler.finalizeEverything.selector;
        excludeSelector(FuzzSelector({addr: address(handler), selectors: excluded}));
    }

    /// Solvency: the market (the one vault) holds exactly what it owes: balances, stakes,
    /// earnings, escrow.
    function invariant_solvency() public view {
        assertEq(token.balanceOf(address(market)), handler.accountedValue(), "tokens != obligations");
        assertEq(token.balanceOf(address(registry)), 0, "the registry holds no token");
    }

    /// Conservation and no double payment: no task ever releases more than was escrowed for it,
    /// and a final task has released exactly that.
    function invariant_conservation() public view {
        for (uint256 i; i < handler.taskCount(); ++i) {
            uint256 id = handler.taskIds(i);
            assertLe(handler.released(id), handler.escrowIn(id), "released more than escrowed");
            ISwanMarket.TaskStatus s = market.getTask(id).status;
            if (s != ISwanMarket.TaskStatus.Open && s != ISwanMarket.TaskStatus.Assigned) {
                assertEq(handler.released(id), handler.escrowIn(id), "final task kept or lost value");
                assertEq(handler.escrowOf(id), 0);
            }
        }
    }

    /// Collateral locked (and unbonding) never exceeds what is deposited.
    function invariant_collateral() public view {
        for (uint256 i; i < 4; ++i) {
            address o = handler.owners(i);
            ISwanMarket.Account memory a = market.getAccount(o);
            assertLe(uint256(a.locked) + a.slashedTotal, registry.getProvider(o).deposited, "locked > stake");
            assertLe(a.locked, registry.stakeOf(o), "locked > stake");
        }
    }

    /// Consent: every assignment was within the terms its providers had in force; every slash
    /// took exactly the collateral agreed at assignment; only legal state transitions.
    function invariant_consentAndSlashes() public view {
        assertEq(handler.termsViolations(), 0, "a provider was assigned outside its terms");
        assertEq(handler.overslashes(), 0, "a slash differed from the collateral agreed");
        assertEq(handler.illegalTransitions(), 0, "illegal task state transition");
    }

    /// Hostile actors get nothing: no re-entry, no call by a wrong role, wrong id or wrong index
    /// ever succeeded.
    function invariant_hostileActorsGetNothing() public view {
        assertFalse(handler.reentrant().reentered(), "re-entry succeeded");
        assertEq(handler.hostileSucceeded(), 0, "a call that must be refused went through");
        assertEq(handler.selfBounties(), 0, "a submitter earned a bounty on its own task");
    }

    /// Per-actor economics: a submitter never ends above what it put in minus what it paid for;
    /// a keeper gains nothing but bounties (mallory is keeper and submitter at once); eve's group
    /// (submitter and two sybil providers) gains nothing beyond its sybils' pay for other people's
    /// work; an honest provider's stake falls only by slashes of tasks it accepted.
    function invariant_nobodyProfitsFromWhatTheyDecide() public view {
        address alice = handler.alice();
        address rc = address(handler.reentrant());
        address mallory = handler.mallory();
        assertLe(
            handler.submitterValueNow(alice),
            handler.initialValue(alice) + handler.bounties(alice),
            "a submitter gained"
        );
        // the re-entrant submitter is also an honest provider's beneficiary: its earnings are income
        assertLe(
            handler.submitterValueNow(rc), handler.initialValue(rc) + handler.earningsReceived(rc), "a submitter gained"
        );
        assertLe(
            handler.submitterValueNow(mallory),
            handler.initialValue(mallory) + handler.bounties(mallory),
            "the keeper-submitter gained beyond bounties"
        );
        assertLe(
            handler.eveGroupNow(),
            handler.initialEveGroup() + handler.eveExternalIncome() + handler.bounties(handler.eve()),
            "a submitter with sybil providers gained from its own tasks"
        );
        assertLe(token.balanceOf(keeper) + market.balanceOf(keeper), handler.bounties(keeper), "the keeper was paid");
        for (uint256 i; i < 2; ++i) {
            address o = handler.owners(i);
            assertEq(
                registry.stakeOf(o) + handler.withdrawnStake(o) + handler.slashedOf(o),
                1e26,
                "an honest provider lost stake otherwise than by a slash it agreed to"
            );
        }
    }

    /// Liveness: once every deadline has passed, a stranger brings every task to a final state,
    /// and then nothing is left in escrow. (That the handler's actions reach every lifecycle
    /// state — so that these invariants are not checked on an idle market — is what
    /// `HandlerCoverageTest` proves, with the same actions.)
    function afterInvariant() public {
        assertEq(handler.finalizeEverything(), 0, "a task could not be finalized");
        assertEq(handler.totalEscrow(), 0);
        invariant_solvency();
        invariant_conservation();
        invariant_nobodyProfitsFromWhatTheyDecide();
    }
}
