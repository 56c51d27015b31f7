// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanRegistry} from "./interfaces/ISwanRegistry.sol";
import {Accounts} from "./market/Accounts.sol";
import {BatchSettlement} from "./market/BatchSettlement.sol";
import {MarketBase} from "./market/MarketBase.sol";
import {ServiceStreams} from "./market/ServiceStreams.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title SwanMarket — the task escrow and payment rules, beside its provider registry
/// @notice No proxy, no upgrade key: a new version is a new deployment named by the manifest. The
/// constructor deploys the market's `SwanRegistry` (providers, terms, the books of collateral,
/// roles and parameters, pushed here); the market is the one vault for every token. See
/// `ISwanMarket` and `ISwanRegistry` for the manual, and the modules for each concept:
///  - `Accounts`: internal balances, earnings, collateral payouts;
///  - `TaskEscrow`: create, cancel, assign (within each provider's terms), decline;
///  - `BatchSettlement`: results, sealed reveals, verdicts (keeper, known answer, quorum), expiry;
///  - `ServiceStreams`: per-second services, notice, failure reports.
contract SwanMarket is Accounts, BatchSettlement, ServiceStreams {
    /// @param token_ the payment and collateral token (SWAN on Swan Chain)
    /// @param admin_ governance: schedules parameters and keeper grants
    /// @param pauser_ may pause new tasks and assignments
    /// @param keepers_ keepers granted at deployment
    /// @param params_ parameter version 1
    /// @param adminDelay_ seconds every later governance change waits (1 to 30 days)
    /// (the registry validates every parameter and role; its errors come back from here)
    constructor(
        IERC20 token_,
        address admin_,
        address pauser_,
        address[] memory keepers_,
        ISwanRegistry.Params memory params_,
        uint256 adminDelay_
    ) MarketBase(token_, admin_, pauser_, keepers_, params_, adminDelay_) {}

    /// @dev After a replica left early (declined): services close when nothing runs; batch tasks
    /// are cancelled when every replica declined, or settled when their sealed set is complete.
    function _afterReplicaLeft(uint256 taskId, Task storage t) internal override {
        if (t.mode == Mode.ServiceHealth) {
            _closeServiceIfIdle(taskId, t);
        } else {
            _afterBatchReplicaLeft(taskId, t);
        }
    }
}
