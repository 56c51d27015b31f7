// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title Accounts — internal balances, provider earnings, and collateral leaving the vault
/// @notice Everything owed is credited to an internal balance or a provider's earnings and leaves
/// only by a pull: `withdraw` (to any address the owner names), `claimEarnings` (to the
/// provider's beneficiary, which its owner can change at any time), and the registry's
/// `withdrawCollateral` (to any address the provider names), which the market pays out.
abstract contract Accounts is MarketBase {
    /// @inheritdoc ISwanMarket
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert AmountTooSmall();
        _balances[msg.sender] += amount;
        emit Deposited(msg.sender, amount);
        _pullExact(msg.sender, amount);
    }

    /// @inheritdoc ISwanMarket
    function withdraw(uint256 amount, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert AmountTooSmall();
        uint256 balance = _balances[msg.sender];
        if (balance < amount) revert InsufficientBalance(balance, amount);
        _balances[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, to, amount);
        _push(to, amount);
    }

    /// @inheritdoc ISwanMarket
    function claimEarnings(address provider) external nonReentrant {
        Account storage a = _accounts[provider];
        uint256 amount = a.earned;
        if (amount == 0) revert NothingToWithdraw();
        address beneficiary = _registry.beneficiaryOf(provider);
        a.earned = 0;
        emit EarningsClaimed(provider, beneficiary, amount);
        _push(beneficiary, amount);
    }

    /// @inheritdoc ISwanMarket
    function payCollateral(address to, uint256 amount) external nonReentrant {
        if (msg.sender != address(_registry)) revert NotRegistry();
        _push(to, amount);
    }
}
