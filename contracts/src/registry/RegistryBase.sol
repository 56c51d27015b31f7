// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title RegistryBase — the registry's storage and limits
/// @notice Invariants kept by the registry's modules (the stake is `deposited` less the market's
/// `slashedTotal`):
///  - for every provider, the stake covers the collateral the market has locked (withdrawals take
///    only what no task locks; slashes take only what a task locked);
///  - no address is at once a keeper and a provider's owner, worker or beneficiary, and the
///    treasury is never a keeper;
///  - the market's keepers, parameters and pause are exactly what this registry last pushed.
abstract contract RegistryBase is ISwanRegistry, ReentrancyGuardTransient {
    // ------------------------------------------------------------------ limits (capped in code)

    /// @notice The protocol fee can never exceed 10 %.
    uint16 public constant MAX_FEE_BPS = 1000;
    /// @notice The expiry bounty can never exceed 10 % of a slash.
    uint16 public constant MAX_BOUNTY_BPS = 1000;
    /// @notice The unbonding delay can never exceed 30 days.
    uint32 public constant MAX_UNBONDING_DELAY = 30 days;
    /// @notice Governance changes wait at least a day…
    uint256 public constant MIN_ADMIN_DELAY = 1 days;
    /// @notice …and at most 30 days.
    uint256 public constant MAX_ADMIN_DELAY = 30 days;
    /// @notice A scheduled change that is not applied within a week of its eta lapses.
    uint256 public constant GRACE = 7 days;

    // ------------------------------------------------------------------ storage

    /// @dev The collateral token, the market's token.
    IERC20 internal immutable _token;
    /// @dev The market that deployed this registry.
    ISwanMarket internal immutable _market;
    /// @dev Seconds every governance change waits.
    uint256 internal immutable _adminDelay;

    mapping(address owner => Provider) internal _providers;
    /// @dev How many providers name an address as their worker or beneficiary.
    mapping(address account => uint256) internal _linked;

    address internal _admin;
    address internal _pendingAdmin;
    address internal _pauser;
    Params internal _current;
    Params internal _scheduled;
    uint256 internal _scheduledEta;
    mapping(address account => bool) internal _keepers;
    mapping(address keeper => uint256 eta) internal _keeperEta;

    /// @param token_ the collateral token; the deployer is the market
    /// @param adminDelay_ seconds every governance change waits (1 to 30 days)
    constructor(IERC20 token_, uint256 adminDelay_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (adminDelay_ < MIN_ADMIN_DELAY || adminDelay_ > MAX_ADMIN_DELAY) revert ParamOutOfRange();
        _token = token_;
        _market = ISwanMarket(msg.sender);
        _adminDelay = adminDelay_;
    }
}
