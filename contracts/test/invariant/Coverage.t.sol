// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {MarketFixture} from "./Invariants.t.sol";

/// @notice The invariant suite proves something only if its handler reaches the states it
/// claims to check. This drives the handler through a long seeded sequence of the same actions
/// the fuzzer picks from and fails if any lifecycle state was never reached, or if the guided
/// actions mostly failed.
contract HandlerCoverageTest is MarketFixture {
    function setUp() public {
        _deploy();
    }

    function _r(uint256 seed, uint256 k) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, k)));
    }

    function test_handlerReachesEveryLifecycleState() public {
        for (uint256 step; step < 5000; ++step) {
            uint256 a = _r(step, 0);
            uint256 b = _r(step, 1);
            uint256 c = _r(step, 2);
            uint256 kind = a % 20;
            uint256 d = _r(step, 3); // the sub-choices, independent of the kind
            if (kind == 0 || kind == 1) {
                handler.createTask(b, uint8(c), uint8(a >> 8), uint96(c >> 8), uint16(b >> 16), d % 29 == 0);
            } else if (kind == 2) {
                handler.cancel(b);
            } else if (kind == 3 || kind == 4) {
                handler.assign(b, c, d % 3 == 0, d % 5 == 0);
            } else if (kind == 5 || kind == 6) {
                handler.submit(b, uint8(c), d % 4 != 0, d % 7 == 0);
            } else if (kind == 7) {
                handler.reveal(b, uint8(c), d % 4 != 0);
            } else if (kind == 8) {
                handler.revealAnswer(b, d % 5 != 0, d % 2 == 0);
            } else if (kind == 9) {
                handler.decline(b, uint8(c), d % 2 == 0);
            } else if (kind == 10) {
                handler.settle(b, c, d % 3 == 0, d % 4 == 0);
            } else if (kind == 11) {
                handler.expire(b, d % 3 == 0);
            } else if (kind == 12 || kind >= 17) {
                handler.service(b, uint8(c), uint32(c >> 8));
            } else if (kind == 13) {
                handler.warp(uint32(b));
            } else if (kind == 14) {
                if (d % 4 == 0) handler.changeTerms(b, uint96(c), uint88(c >> 96), uint72(c >> 184), uint8(b >> 8));
                else if (d % 4 == 1) handler.unbond(b, uint96(c));
                else if (d % 4 == 2) handler.withdrawCollateral(b);
                else handler.claimEarnings(b);
            } else if (kind == 15) {
                if (d % 3 == 0) handler.governParams(uint16(b), uint16(c), uint96(b >> 16), uint32(c >> 16));
                else handler.withdraw(b);
            } else if (kind == 16) {
                handler.hostile(b, uint8(c), c >> 8);
            }
        }
        string[] memory names = handler.stateNames();
        for (uint256 i; i < names.length; ++i) {
            emit log_named_uint(names[i], handler.reached(keccak256(bytes(names[i]))));
        }
        bytes4[8] memory errs = [
            ISwanMarket.ModeNotAccepted.selector,
            ISwanMarket.PriceBelowFloor.selector,
            ISwanMarket.CollateralAboveLimit.selector,
            ISwanMarket.BelowMinCollateral.selector,
            ISwanMarket.InsufficientCollateral.selector,
            ISwanMarket.ProviderNotActive.selector,
            ISwanMarket.TooLate.selector,
            ISwanMarket.DuplicateProvider.selector
        ];
        for (uint256 i; i < errs.length; ++i) {
            emit log_named_uint(vm.toString(abi.encodePacked(errs[i])), handler.refusals(errs[i]));
        }
        string[] memory missing = handler.unreached();
        for (uint256 i; i < missing.length; ++i) {
            emit log_named_string("never reached", missing[i]);
        }
        assertEq(missing.length, 0, "the handler left lifecycle states unreached");
        assertEq(handler.hostileSucceeded(), 0);
        assertGt(handler.taskCount(), 20);
    }
}
