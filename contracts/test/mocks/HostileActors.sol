// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../../src/interfaces/ISwanRegistry.sol";
import {ITokenReceiver} from "./HostileTokens.sol";

/// @notice On every payout it receives and every deposit it makes, it tries to take money out of
/// the market or the registry again. It records whether any re-entry ever succeeded; the suites
/// assert that none did.
contract ReentrantReceiver is ITokenReceiver {
    ISwanMarket public immutable market;
    ISwanRegistry public immutable registry;
    address public providerToDrain;
    bool public reentered;
    uint256 public attempts;

    constructor(ISwanMarket market_) {
        market = market_;
        registry = market_.registry();
        (bool ok,) = market_.token().call(abi.encodeWithSignature("registerHook()"));
        require(ok, "token has no hooks");
    }

    function setProviderToDrain(address provider) external {
        providerToDrain = provider;
    }

    function _reenter() internal {
        attempts++;
        try market.withdraw(1, address(this)) {
            reentered = true;
        } catch {}
        try registry.withdrawCollateral(address(this)) {
            reentered = true;
        } catch {}
        if (providerToDrain != address(0)) {
            try market.claimEarnings(providerToDrain) {
                reentered = true;
            } catch {}
        }
    }

    function tokensReceived(address, uint256) external {
        if (msg.sender == market.token()) _reenter();
    }

    function tokensToSend(address, uint256) external {
        if (msg.sender == market.token()) _reenter();
    }

    // it also acts as a submitter
    function approve(address token, uint256 amount) external {
        (bool ok,) = token.call(abi.encodeWithSignature("approve(address,uint256)", address(market), amount));
        require(ok, "approve failed");
    }

    function createTask(ISwanMarket.TaskRequest calldata r) external returns (uint256) {
        return market.createTask(r);
    }

    function deposit(uint256 amount) external {
        market.deposit(amount);
    }

    function withdrawAll() external {
        uint256 b = market.balanceOf(address(this));
        if (b != 0) market.withdraw(b, address(this));
    }
}

/// @notice Refuses every payout: its own withdrawals fail, nobody else's may.
contract RevertingReceiver is ITokenReceiver {
    constructor(address token) {
        (bool ok,) = token.call(abi.encodeWithSignature("registerHook()"));
        require(ok, "token has no hooks");
    }

    function tokensReceived(address, uint256) external pure {
        revert("no thanks");
    }

    function tokensToSend(address, uint256) external pure {}
}
