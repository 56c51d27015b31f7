// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title BenchWorker — the bench provider's worker key, as a contract
/// @notice Keepers and providers are disjoint, so the driver (a keeper) cannot also be the
/// provider's worker: this contract, deployed by the driver, is the worker and submits for it.
contract BenchWorker {
    ISwanMarket public immutable market;
    address public immutable driver;

    constructor(ISwanMarket market_) {
        market = market_;
        driver = msg.sender;
    }

    /// @notice Submit a result for the driver.
    function submit(uint256 id) external {
        require(msg.sender == driver, "driver only");
        market.submitResult(id, 0, keccak256(abi.encode(id)), "ipfs://bench");
    }
}

/// @title BenchDriver — drives many task lifecycles per transaction (benchmarks only)
/// @notice The indexer's benchmark needs a chain with hundreds of thousands of market events; one
/// transaction per step would take minutes to build. This contract is submitter and keeper (once
/// granted), its `BenchWorker` is the provider's worker, and it runs `n` complete batch lifecycles
/// per call: create, assign, submit, settle — five events each. It holds no value beyond its
/// internal balance in the market and exists only on anvil devnets.
contract BenchDriver {
    using SafeERC20 for IERC20;

    ISwanMarket public immutable market;
    address public immutable provider;
    BenchWorker public immutable worker;

    constructor(ISwanMarket market_, IERC20 token, address provider_) {
        market = market_;
        provider = provider_;
        worker = new BenchWorker(market_);
        token.forceApprove(address(market_), type(uint256).max);
    }

    /// @notice Move `amount` of this contract's tokens into its market balance.
    function deposit(uint256 amount) external {
        market.deposit(amount);
    }

    /// @notice Run `n` lifecycles of `request` at `price` on `provider`.
    function run(uint256 n, ISwanMarket.TaskRequest calldata request, uint256 price) external {
        address[] memory providers = new address[](1);
        providers[0] = provider;
        uint256[] memory prices = new uint256[](1);
        prices[0] = price;
        for (uint256 i; i < n; ++i) {
            uint256 id = market.createTask(request);
            market.assign(id, providers, prices);
            worker.submit(id);
            market.settle(id, 1);
        }
    }
}
