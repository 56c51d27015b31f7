// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title DevToken — the payment token of a local development chain
/// @notice Anyone can mint: it exists only on anvil devnets and in tests. On Swan Chain the
/// market is deployed with SWAN instead.
contract DevToken is ERC20 {
    constructor() ERC20("Swan Dev Token", "dSWAN") {}

    /// @notice Mint `amount` to `to` (devnet only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
