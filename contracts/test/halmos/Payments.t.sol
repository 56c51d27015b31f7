// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Payments} from "../../src/libraries/Payments.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Symbolic proofs (Halmos: `halmos --root contracts --function check`) of the payment
/// arithmetic, over every input in range — not samples. They also run as ordinary fuzz tests.
contract PaymentsProofs is Test {
    uint256 internal constant MAX_FEE_BPS = 1000;
    uint256 internal constant MAX_BOUNTY_BPS = 1000;

    /// A payout and its fee always add up to the payment; the fee never exceeds its cap.
    function check_feeSplitSumsExactly(uint96 amount, uint16 feeBps) public pure {
        vm.assume(feeBps <= MAX_FEE_BPS);
        (uint256 payout, uint256 fee) = Payments.feeSplit(amount, feeBps);
        assert(fee <= amount);
        assert(payout + fee == amount);
    }

    /// A slash is split exactly into bounty + treasury, with no underflow; no bounty unless asked.
    function check_slashSplitSumsExactly(uint96 c, uint16 bountyBps, bool withBounty) public pure {
        vm.assume(bountyBps <= MAX_BOUNTY_BPS);
        (uint256 bounty, uint256 toTreasury) = Payments.slashSplit(c, bountyBps, withBounty);
        assert(bounty <= c);
        assert(bounty + toTreasury == c);
        if (!withBounty) assert(bounty == 0);
    }

    /// Prorating a stream cannot overflow for any rate a task can hold (uint88) over any window a
    /// task can have (uint32 timestamps), and the parts of a window add up to the whole.
    function check_prorateAddsUpAndNeverOverflows(uint88 rate, uint32 start, uint32 mid, uint32 end) public pure {
        vm.assume(start <= mid && mid <= end);
        uint256 whole = Payments.prorate(rate, start, end);
        uint256 parts = Payments.prorate(rate, start, mid) + Payments.prorate(rate, mid, end);
        assert(whole == parts);
        assert(Payments.prorate(rate, end, start) == 0 || start == end);
    }
}
