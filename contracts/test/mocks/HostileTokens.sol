// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Called back on every transfer it takes part in (ERC-777 style).
interface ITokenReceiver {
    /// @notice Tokens arrived (a push to this contract).
    function tokensReceived(address from, uint256 amount) external;
    /// @notice Tokens are about to leave (a pull from this contract).
    function tokensToSend(address to, uint256 amount) external;
}

/// @notice A token that calls hooked contracts back on every transfer they take part in, before a
/// pull leaves them and after a push reaches them: hostile actors get the chance to re-enter the
/// market or the registry in the middle of a payout and of a deposit.
contract HookToken is ERC20 {
    /// @notice Contracts that asked to be called back.
    mapping(address => bool) public hooked;

    constructor() ERC20("Hook", "HOOK") {}

    /// @notice Ask to be called back on incoming and outgoing transfers.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (hooked[from] && to != address(0)) ITokenReceiver(from).tokensToSend(to, value);
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

/// @notice A token whose issuer can blocklist addresses (USDC-style): transfers to or from a
/// blocklisted address revert.
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    error Blocklisted(address account);

    constructor() ERC20("Block", "BLK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool b) external {
        blocked[account] = b;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert Blocklisted(from);
        if (blocked[to]) revert Blocklisted(to);
        super._update(from, to, value);
    }
}

/// @notice A token that answers `false` instead of reverting when a transfer cannot happen (as
/// some early tokens do); it never moves tokens it does not have.
contract FalseReturningToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (balanceOf[msg.sender] < amount) return false;
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (balanceOf[from] < amount || allowance[from][msg.sender] < amount) return false;
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}
