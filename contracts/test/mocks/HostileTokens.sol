// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receives a callback on every incoming transfer (ERC-777 style).
interface ITokenReceiver {
    function tokensReceived(address from, uint256 amount) external;
}

/// @notice A token that calls the recipient back on every transfer to a contract: it gives
/// hostile receivers the chance to re-enter the market in the middle of a payout.
contract HookToken is ERC20 {
    /// @notice Contracts that asked to be called back.
    mapping(address => bool) public hooked;

    constructor() ERC20("Hook", "HOOK") {}

    /// @notice Ask to be called back on incoming transfers.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hooked[to] && from != address(0)) ITokenReceiver(to).tokensReceived(from, value);
    }
}

/// @notice A token that burns 1 % of every transfer: the market must refuse it.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
