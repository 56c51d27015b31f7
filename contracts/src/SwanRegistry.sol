// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Providers} from "./registry/Providers.sol";
import {RegistryBase} from "./registry/RegistryBase.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title SwanRegistry — who is who, and the rules: providers, keepers, parameters
/// @notice Deployed by the market's constructor; see `ISwanRegistry` for the manual and the
/// modules for each concept:
///  - `Governance`: admin, pauser and keepers; parameter versions behind a delay, pushed to the market;
///  - `Providers`: registration, terms, and the books of collateral (the tokens sit in the market).
contract SwanRegistry is Providers {
    /// @param token_ the collateral token (the market's token); the deployer is the market
    /// @param admin_ governance: schedules parameters and keeper grants
    /// @param pauser_ may pause new tasks and assignments
    /// @param keepers_ keepers granted at deployment
    /// @param params_ parameter version 1
    /// @param adminDelay_ seconds every later governance change waits (1 to 30 days)
    constructor(
        IERC20 token_,
        address admin_,
        address pauser_,
        address[] memory keepers_,
        Params memory params_,
        uint256 adminDelay_
    ) RegistryBase(token_, adminDelay_) {
        _initGovernance(admin_, pauser_, keepers_, params_);
    }
}
