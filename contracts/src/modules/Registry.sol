// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title Registry — providers, their collateral, and everyone's internal balance
/// @notice A provider is its owner address. The owner registers, stakes and withdraws; the
/// worker key submits results; the beneficiary receives earnings. The offer (resources, prices,
/// region, endpoint) is emitted for allocators and indexers; only what the escrow's rules need is
/// stored. Collateral leaves in two steps: `requestWithdrawal` starts the unbonding clock, and
/// unbonding collateral stays slashable (also while it is still locked by a running task) until
/// `withdrawCollateral` sends it out.
abstract contract Registry is MarketBase {
    // ------------------------------------------------------------------ accounts

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

    // ------------------------------------------------------------------ registration

    function _checkInfo(ProviderInfo calldata info) private pure {
        if (info.worker == address(0) || info.beneficiary == address(0)) revert ZeroAddress();
    }

    /// @inheritdoc ISwanMarket
    function registerProvider(ProviderInfo calldata info) external {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.None) revert AlreadyRegistered();
        _checkInfo(info);
        p.worker = info.worker;
        p.status = ProviderStatus.Active;
        p.registeredAt = uint32(block.timestamp);
        p.beneficiary = info.beneficiary;
        emit ProviderRegistered(msg.sender, info, false);
    }

    /// @inheritdoc ISwanMarket
    function updateProvider(ProviderInfo calldata info) external {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        _checkInfo(info);
        p.worker = info.worker;
        p.beneficiary = info.beneficiary;
        emit ProviderRegistered(msg.sender, info, true);
    }

    /// @inheritdoc ISwanMarket
    function setProviderPaused(bool paused_) external {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        ProviderStatus status = paused_ ? ProviderStatus.Paused : ProviderStatus.Active;
        p.status = status;
        emit ProviderStatusChanged(msg.sender, status);
    }

    /// @inheritdoc ISwanMarket
    function exitProvider() external {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        p.status = ProviderStatus.Exited;
        emit ProviderStatusChanged(msg.sender, ProviderStatus.Exited);
    }

    // ------------------------------------------------------------------ collateral

    /// @inheritdoc ISwanMarket
    function depositCollateral(uint256 amount) external nonReentrant {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        if (amount == 0) revert AmountTooSmall();
        uint256 stake = p.stake + amount;
        if (stake > type(uint96).max) revert AmountTooLarge();
        // forge-lint: disable-next-line(unsafe-typecast) -- checked against type(uint96).max just above
        p.stake = uint96(stake);
        emit CollateralDeposited(msg.sender, amount, stake);
        _pullExact(msg.sender, amount);
    }

    /// @inheritdoc ISwanMarket
    function requestWithdrawal(uint256 amount) external {
        Provider storage p = _registered(msg.sender);
        if (amount == 0) revert AmountTooSmall();
        uint256 bonded = p.stake - p.unbonding;
        if (amount > bonded) revert InsufficientCollateral(msg.sender, bonded, amount);
        uint256 unbonding = p.unbonding + amount;
        uint256 releaseAt = block.timestamp + _unbondingDelay;
        // forge-lint: disable-next-line(unsafe-typecast) -- unbonding <= stake, a uint96
        p.unbonding = uint96(unbonding);
        // forge-lint: disable-next-line(unsafe-typecast) -- now + at most 30 days fits uint32 until 2106
        p.releaseAt = uint32(releaseAt);
        emit WithdrawalRequested(msg.sender, amount, unbonding, releaseAt);
    }

    /// @inheritdoc ISwanMarket
    function withdrawCollateral() external nonReentrant {
        Provider storage p = _registered(msg.sender);
        if (block.timestamp < p.releaseAt) revert StillUnbonding(p.releaseAt);
        uint256 unlocked = p.stake - p.locked;
        uint256 amount = p.unbonding < unlocked ? p.unbonding : unlocked;
        if (amount == 0) revert NothingToWithdraw();
        // forge-lint: disable-next-line(unsafe-typecast) -- amount <= unbonding, a uint96
        p.unbonding -= uint96(amount);
        // forge-lint: disable-next-line(unsafe-typecast) -- amount <= unbonding, a uint96
        uint96 stake = p.stake - uint96(amount);
        p.stake = stake;
        emit CollateralWithdrawn(msg.sender, amount, stake);
        _push(msg.sender, amount);
    }

    /// @inheritdoc ISwanMarket
    function claimEarnings(address provider) external nonReentrant {
        Provider storage p = _registered(provider);
        uint256 amount = p.earned;
        if (amount == 0) revert NothingToWithdraw();
        p.earned = 0;
        address beneficiary = p.beneficiary;
        emit EarningsClaimed(provider, beneficiary, amount);
        _push(beneficiary, amount);
    }
}
