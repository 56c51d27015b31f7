// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BatchSettlement} from "./modules/BatchSettlement.sol";
import {Governance} from "./modules/Governance.sol";
import {MarketBase} from "./modules/MarketBase.sol";
import {Registry} from "./modules/Registry.sol";
import {ServiceStreams} from "./modules/ServiceStreams.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title SwanMarket — provider registry, task escrow and payment rules in one immutable contract
/// @notice A singleton: locking, unlocking and slashing collateral never needs a cross-contract
/// call. No proxy, no upgrade key: a new version is a new deployment named by the manifest. See
/// `ISwanMarket` for the manual, and the modules for each concept:
///  - `Governance`: roles and versioned parameters behind a delay;
///  - `Registry`: providers, collateral, internal balances;
///  - `TaskEscrow`: create, cancel, assign;
///  - `BatchSettlement`: results, verdicts (keeper, known answer, quorum) and expiry;
///  - `ServiceStreams`: per-second services.
contract SwanMarket is Governance, Registry, BatchSettlement, ServiceStreams {
    /// @param token_ the payment and collateral token (SWAN on Swan Chain)
    /// @param admin_ governance: schedules parameters and keeper grants
    /// @param pauser_ may pause new tasks and assignments
    /// @param keepers_ keepers granted at deployment
    /// @param params_ parameter version 1
    /// @param adminDelay_ seconds every later governance change waits (at most 30 days)
    constructor(
        IERC20 token_,
        address admin_,
        address pauser_,
        address[] memory keepers_,
        Params memory params_,
        uint256 adminDelay_
    ) MarketBase(token_, adminDelay_) {
        _initGovernance(admin_, pauser_, keepers_, params_);
    }
}
