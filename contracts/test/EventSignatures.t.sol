// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Pins every event's signature: the indexer and keeper decode these topics, so a change
/// here must be deliberate (update this list, the indexer's migrations and its decoders together).
contract EventSignaturesTest is Test {
    function test_registryEventSignaturesArePinned() public pure {
        string memory resources = "(uint32,uint32,uint32,uint32,uint32,bytes32)";
        string memory prices = "(uint96,uint96,uint96,uint96)";
        string memory terms = "(uint96,uint88,uint72,uint8)";
        string memory info = string.concat("(address,address,", resources, ",", prices, ",bytes32,", terms, ",string)");
        string memory params = "(uint16,uint16,address,uint96,uint32)";

        assertEq(
            ISwanRegistry.ProviderRegistered.selector,
            keccak256(bytes(string.concat("ProviderRegistered(address,", info, ",bool)")))
        );
        assertEq(ISwanRegistry.ProviderStatusChanged.selector, keccak256("ProviderStatusChanged(address,uint8)"));
        assertEq(ISwanRegistry.CollateralDeposited.selector, keccak256("CollateralDeposited(address,uint256,uint256)"));
        assertEq(
            ISwanRegistry.WithdrawalRequested.selector,
            keccak256("WithdrawalRequested(address,uint256,uint256,uint256)")
        );
        assertEq(
            ISwanRegistry.CollateralWithdrawn.selector,
            keccak256("CollateralWithdrawn(address,address,uint256,uint256)")
        );
        assertEq(
            ISwanRegistry.ParamsScheduled.selector,
            keccak256(bytes(string.concat("ParamsScheduled(", params, ",uint256)")))
        );
        assertEq(ISwanRegistry.ParamsCancelled.selector, keccak256("ParamsCancelled()"));
        assertEq(
            ISwanRegistry.ParamsApplied.selector, keccak256(bytes(string.concat("ParamsApplied(uint16,", params, ")")))
        );
        assertEq(ISwanRegistry.KeeperScheduled.selector, keccak256("KeeperScheduled(address,uint256)"));
        assertEq(ISwanRegistry.KeeperSet.selector, keccak256("KeeperSet(address,bool)"));
        assertEq(ISwanRegistry.PauserSet.selector, keccak256("PauserSet(address)"));
        assertEq(ISwanRegistry.AdminProposed.selector, keccak256("AdminProposed(address)"));
        assertEq(ISwanRegistry.AdminChanged.selector, keccak256("AdminChanged(address)"));
        assertEq(ISwanRegistry.PausedSet.selector, keccak256("PausedSet(bool)"));
    }

    function test_marketEventSignaturesArePinned() public pure {
        string memory resources = "(uint32,uint32,uint32,uint32,uint32,bytes32)";
        string memory request = string.concat(
            "(uint8,uint8,uint8,uint16,uint16,uint96,uint32,uint32,uint32,bytes32,bytes32,",
            resources,
            ",bytes32,string)"
        );
        assertEq(ISwanMarket.EarningsClaimed.selector, keccak256("EarningsClaimed(address,address,uint256)"));
        assertEq(ISwanMarket.Deposited.selector, keccak256("Deposited(address,uint256)"));
        assertEq(ISwanMarket.Withdrawn.selector, keccak256("Withdrawn(address,address,uint256)"));
        assertEq(
            ISwanMarket.TaskCreated.selector,
            keccak256(bytes(string.concat("TaskCreated(uint256,address,", request, ",uint256)")))
        );
        assertEq(ISwanMarket.TaskAssigned.selector, keccak256("TaskAssigned(uint256,address[],uint256[],uint256)"));
        assertEq(
            ISwanMarket.ResultSubmitted.selector, keccak256("ResultSubmitted(uint256,uint256,address,bytes32,string)")
        );
        assertEq(ISwanMarket.ResultRevealed.selector, keccak256("ResultRevealed(uint256,uint256,bytes32,string)"));
        assertEq(ISwanMarket.AnswerRevealed.selector, keccak256("AnswerRevealed(uint256,bytes32)"));
        assertEq(ISwanMarket.ReplicaPaid.selector, keccak256("ReplicaPaid(uint256,uint256,address,uint256,uint256)"));
        assertEq(
            ISwanMarket.ReplicaSlashed.selector,
            keccak256("ReplicaSlashed(uint256,uint256,address,uint256,uint256,uint256,uint256)")
        );
        assertEq(ISwanMarket.ReplicaRefunded.selector, keccak256("ReplicaRefunded(uint256,uint256,address,uint256)"));
        assertEq(ISwanMarket.ReplicaDeclined.selector, keccak256("ReplicaDeclined(uint256,uint256,address,uint256)"));
        assertEq(ISwanMarket.TaskFinalized.selector, keccak256("TaskFinalized(uint256,uint8,uint8)"));
        assertEq(ISwanMarket.TaskCancelled.selector, keccak256("TaskCancelled(uint256,uint256,bool)"));
        assertEq(ISwanMarket.BatchItemSkipped.selector, keccak256("BatchItemSkipped(uint256,bytes)"));
        assertEq(ISwanMarket.ServiceStarted.selector, keccak256("ServiceStarted(uint256,uint256,uint256)"));
        assertEq(
            ISwanMarket.ServiceEndChanged.selector, keccak256("ServiceEndChanged(uint256,uint256,uint256,uint256)")
        );
        assertEq(
            ISwanMarket.ServiceClaimed.selector, keccak256("ServiceClaimed(uint256,uint256,uint256,uint256,uint256)")
        );
        assertEq(ISwanMarket.ServiceLeft.selector, keccak256("ServiceLeft(uint256,uint256,uint256,uint256)"));
        assertEq(ISwanMarket.ServiceReplicaEnded.selector, keccak256("ServiceReplicaEnded(uint256,uint256)"));
        assertEq(ISwanMarket.ServiceFailed.selector, keccak256("ServiceFailed(uint256,uint256,uint256,uint256)"));
    }
}
