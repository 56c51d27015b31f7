// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Payments — the arithmetic of every payout, slash, collateral and stream
/// @notice Pure functions, proven by Halmos (`test/halmos/Payments.t.sol`): every split sums
/// exactly to what it splits, collateral never exceeds its percentage of the value, and prorating
/// never overflows nor pays past the end. The Rust model (`swan-contracts` `money`) mirrors these
/// functions and is tested against the deployed contract.
library Payments {
    uint256 internal constant BPS = 10_000;

    /// @notice Split a payment into the provider's payout and the protocol fee (rounded down:
    /// the provider keeps the dust). `payout + fee == amount` always.
    function feeSplit(uint256 amount, uint256 feeBps) internal pure returns (uint256 payout, uint256 fee) {
        fee = amount * feeBps / BPS;
        payout = amount - fee;
    }

    /// @notice Split a slashed collateral `c` into the expiry caller's bounty and the treasury's
    /// rest. `bounty + toTreasury == c` always.
    function slashSplit(uint256 c, uint256 bountyBps, bool withBounty)
        internal
        pure
        returns (uint256 bounty, uint256 toTreasury)
    {
        bounty = withBounty ? c * bountyBps / BPS : 0;
        toTreasury = c - bounty;
    }

    /// @notice The collateral of a replica worth `value` at `pct` percent (rounded down).
    function collateral(uint256 value, uint256 pct) internal pure returns (uint256) {
        return value * pct / 100;
    }

    /// @notice What a stream at `rate` per second owes between `from` and `until` (zero if
    /// `until <= from`). Exact to the second, no rounding.
    function prorate(uint256 rate, uint256 from, uint256 until) internal pure returns (uint256) {
        return until > from ? rate * (until - from) : 0;
    }
}
