// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {FeeOnTransferToken, HookToken} from "../mocks/HostileTokens.sol";
import {Handler} from "./Handler.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The market's money rules, checked after every random call of the handler's actors
/// (submitters, providers, a compromised keeper, pokers, a re-entrant receiver, a reverting
/// receiver and a fee-on-transfer token). CI runs 1,000 runs × depth 50 (profile `ci`).
contract InvariantsTest is Test {
    Handler internal handler;
    SwanMarket internal market;
    HookToken internal token;
    address internal keeper = makeAddr("keeper");
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new HookToken();
        ISwanMarket.Params memory p = ISwanMarket.Params({
            feeBps: 500,
            slashToSubmitterBps: 5000,
            bountyBps: 500,
            treasury: treasury,
            minCollateral: 1e18,
            unbondingDelay: 1 days
        });
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        market = new SwanMarket(IERC20(address(token)), address(this), address(this), keepers, p, 0);
        handler = new Handler(market, token, keeper, treasury);

        FeeOnTransferToken fot = new FeeOnTransferToken();
        SwanMarket feeMarket = new SwanMarket(IERC20(address(fot)), address(this), address(this), keepers, p, 0);
        address feePayer = makeAddr("feePayer");
        fot.mint(feePayer, 1e30);
        vm.startPrank(feePayer);
        fot.approve(address(feeMarket), type(uint256).max);
        ISwanMarket.ProviderInfo memory info;
        info.worker = feePayer;
        info.beneficiary = feePayer;
        feeMarket.registerProvider(info);
        vm.stopPrank();
        handler.setFeeMarket(feeMarket);

        targetContract(address(handler));
        bytes4[] memory excluded = new bytes4[](2);
        excluded[0] = Handler.finalizeEverything.selector;
        excluded[1] = Handler.setFeeMarket.selector;
        excludeSelector(FuzzSelector({addr: address(handler), selectors: excluded}));
    }

    /// Solvency: the market holds exactly what it owes (balances, stakes, earnings, escrow).
    function invariant_solvency() public view {
        assertEq(token.balanceOf(address(market)), handler.accountedValue(), "tokens != obligations");
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
            ISwanMarket.Provider memory p = market.getProvider(handler.owners(i));
            assertLe(p.locked, p.stake, "locked > stake");
            assertLe(p.unbonding, p.stake, "unbonding > stake");
        }
    }

    /// Only legal state transitions; a slash never exceeds what the fault locked.
    function invariant_transitionsAndSlashes() public view {
        assertEq(handler.illegalTransitions(), 0, "illegal task state transition");
        assertEq(handler.overslashes(), 0, "slash larger than the collateral locked");
    }

    /// Hostile actors: no re-entry ever succeeded; no fee-on-transfer deposit was accepted; the
    /// compromised keeper never paid itself.
    function invariant_hostileActorsGetNothing() public view {
        assertFalse(handler.reentrant().reentered(), "re-entry succeeded");
        assertEq(handler.feeTokenAccepted(), 0, "fee-on-transfer token accepted");
        assertEq(market.balanceOf(keeper), 0, "keeper was paid");
    }

    /// Liveness: once every deadline has passed, a stranger brings every task to a final state,
    /// and then nothing is left in escrow.
    function afterInvariant() public {
        assertEq(handler.finalizeEverything(), 0, "a task could not be finalized");
        assertEq(handler.totalEscrow(), 0);
        invariant_solvency();
        invariant_conservation();
    }
}
