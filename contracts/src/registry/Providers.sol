// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {Governance} from "./Governance.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title Providers — registration, terms and the books of collateral
/// @notice A provider is its owner address. The owner registers, states its terms, stakes and
/// withdraws; the worker key submits results; the beneficiary receives earnings. The offer
/// (resources, prices, region, endpoint) is emitted for allocators and indexers; only what the
/// market's rules need is stored. The collateral tokens sit in the market (one vault): deposits go
/// straight there and withdrawals are paid by it (`ISwanMarket.payCollateral`). A slash is the
/// market's bookkeeping alone (`Account.slashedTotal`): the stake is what was deposited, less what
/// was withdrawn, less what the market slashed. Collateral leaves in two steps: `requestWithdrawal` starts the unbonding clock, and
/// unbonding collateral stays slashable (also while a running task still locks it) until
/// `withdrawCollateral` sends it out.
abstract contract Providers is Governance {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ registration

    /// @dev Keys, terms and the keeper/provider separation.
    function _checkInfo(address owner, ProviderInfo calldata info) private view {
        if (info.worker == address(0) || info.beneficiary == address(0)) revert ZeroAddress();
        if (info.terms.modes >= 1 << 4) revert InvalidTerms();
        if (_keepers[owner]) revert KeeperCannotProvide(owner);
        if (_keepers[info.worker]) revert KeeperCannotProvide(info.worker);
        if (_keepers[info.beneficiary]) revert KeeperCannotProvide(info.beneficiary);
    }

    function _store(Provider storage p, ProviderInfo calldata info) private {
        p.worker = info.worker;
        p.beneficiary = info.beneficiary;
        p.modes = info.terms.modes;
        p.maxCollateral = info.terms.maxCollateral;
        p.minPrice = info.terms.minPrice;
        p.minRate = info.terms.minRate;
        _linked[info.worker] += 1;
        _linked[info.beneficiary] += 1;
    }

    /// @inheritdoc ISwanRegistry
    function registerProvider(ProviderInfo calldata info) external {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.None) revert AlreadyRegistered();
        _checkInfo(msg.sender, info);
        p.status = ProviderStatus.Active;
        p.registeredAt = uint32(block.timestamp);
        _store(p, info);
        emit ProviderRegistered(msg.sender, info, false);
    }

    /// @inheritdoc ISwanRegistry
    function updateProvider(ProviderInfo calldata info) external {
        Provider storage p = _registered(msg.sender);
        _checkInfo(msg.sender, info);
        _linked[p.worker] -= 1;
        _linked[p.beneficiary] -= 1;
        _store(p, info);
        emit ProviderRegistered(msg.sender, info, true);
    }

    /// @inheritdoc ISwanRegistry
    function setProviderPaused(bool paused_) external {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        ProviderStatus status = paused_ ? ProviderStatus.Paused : ProviderStatus.Active;
        p.status = status;
        emit ProviderStatusChanged(msg.sender, status);
    }

    /// @inheritdoc ISwanRegistry
    function exitProvider() external {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        p.status = ProviderStatus.Exited;
        emit ProviderStatusChanged(msg.sender, ProviderStatus.Exited);
    }

    function _registered(address owner) private view returns (Provider storage p) {
        p = _providers[owner];
        if (p.status == ProviderStatus.None) revert UnknownProvider(owner);
    }

    // ------------------------------------------------------------------ collateral

    /// @inheritdoc ISwanRegistry
    function depositCollateral(uint256 amount) external nonReentrant {
        Provider storage p = _registered(msg.sender);
        if (p.status == ProviderStatus.Exited) revert ProviderExited();
        if (amount == 0) revert AmountTooSmall();
        uint256 deposited = p.deposited + amount;
        if (deposited > type(uint96).max) revert AmountTooLarge();
        // forge-lint: disable-next-line(unsafe-typecast) -- checked against type(uint96).max just above
        p.deposited = uint96(deposited);
        emit CollateralDeposited(msg.sender, amount, deposited - _market.getAccount(msg.sender).slashedTotal);
        _pullExact(msg.sender, amount);
    }

    /// @inheritdoc ISwanRegistry
    function requestWithdrawal(uint256 amount) external {
        Provider storage p = _registered(msg.sender);
        if (amount == 0) revert AmountTooSmall();
        uint256 stake = p.deposited - _market.getAccount(msg.sender).slashedTotal;
        uint256 bonded = stake > p.unbonding ? stake - p.unbonding : 0;
        if (amount > bonded) revert InsufficientStake(bonded, amount);
        uint256 unbonding = p.unbonding + amount;
        uint256 releaseAt = block.timestamp + _current.unbondingDelay;
        // forge-lint: disable-next-line(unsafe-typecast) -- unbonding <= stake <= deposited, a uint96
        p.unbonding = uint96(unbonding);
        // forge-lint: disable-next-line(unsafe-typecast) -- now + at most 30 days fits uint32 until 2106
        p.releaseAt = uint32(releaseAt);
        emit WithdrawalRequested(msg.sender, amount, unbonding, releaseAt);
    }

    /// @inheritdoc ISwanRegistry
    function withdrawCollateral(address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        Provider storage p = _registered(msg.sender);
        if (block.timestamp < p.releaseAt) revert StillUnbonding(p.releaseAt);
        ISwanMarket.Account memory a = _market.getAccount(msg.sender);
        // the market never slashes or locks more than the stake: these cannot underflow
        uint256 unlocked = p.deposited - a.slashedTotal - a.locked;
        uint256 amount = p.unbonding < unlocked ? p.unbonding : unlocked;
        if (amount == 0) revert NothingToWithdraw();
        // forge-lint: disable-next-line(unsafe-typecast) -- amount <= unbonding, a uint96
        p.unbonding -= uint96(amount);
        // forge-lint: disable-next-line(unsafe-typecast) -- amount <= unbonding, a uint96
        uint96 deposited = p.deposited - uint96(amount);
        p.deposited = deposited;
        emit CollateralWithdrawn(msg.sender, to, amount, deposited - a.slashedTotal);
        _market.payCollateral(to, amount);
    }

    /// @dev Pull exactly `amount` from `from` into the market (the vault); refuse tokens that
    /// deliver less (fee-on-transfer).
    function _pullExact(address from, uint256 amount) private {
        address vault = address(_market);
        uint256 before = _token.balanceOf(vault);
        _token.safeTransferFrom(from, vault, amount);
        uint256 received = _token.balanceOf(vault) - before;
        if (received != amount) revert ISwanMarket.TokenShortfall(amount, received);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISwanRegistry
    function market() external view returns (address) {
        return address(_market);
    }

    /// @inheritdoc ISwanRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ISwanRegistry
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @inheritdoc ISwanRegistry
    function assignable(address provider)
        external
        view
        returns (
            ProviderStatus status,
            uint8 modes,
            uint256 deposited,
            uint256 unbonding,
            uint256 maxCollateral,
            uint256 minPrice,
            uint256 minRate
        )
    {
        Provider storage p = _providers[provider];
        return (p.status, p.modes, p.deposited, p.unbonding, p.maxCollateral, p.minPrice, p.minRate);
    }

    /// @inheritdoc ISwanRegistry
    function stakeOf(address provider) external view returns (uint256) {
        return _providers[provider].deposited - _market.getAccount(provider).slashedTotal;
    }

    /// @inheritdoc ISwanRegistry
    function workerOf(address provider) external view returns (address) {
        return _providers[provider].worker;
    }

    /// @inheritdoc ISwanRegistry
    function beneficiaryOf(address provider) external view returns (address) {
        return _providers[provider].beneficiary;
    }

    /// @inheritdoc ISwanRegistry
    function isProviderAddress(address account) external view returns (bool) {
        return _isProviderAddress(account);
    }
}
