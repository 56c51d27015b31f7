// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../src/interfaces/ISwanRegistry.sol";
import {Base} from "./utils/Base.t.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice Batch tasks (KeeperAttested): create, cancel, assign within terms, submit, decline,
/// settle, batches that skip (expiry: `Expiry.t.sol`).
contract BatchTasksTest is Base {
    // ------------------------------------------------------------------ create / cancel

    function test_createTask_escrowsCapAndEmits() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 2);
        uint256 before = token.balanceOf(alice);
        vm.expectEmit(true, true, false, true, address(market));
        emit ISwanMarket.TaskCreated(_idOf(alice, 1), alice, r, 2 * uint256(PRICE));
        uint256 id = _create(r);
        assertEq(id, _idOf(alice, 1));
        assertEq(market.submitterOf(id), alice);
        assertEq(market.collateralOf(id, 0), 0, "no collateral before assignment");
        assertEq(before - token.balanceOf(alice), 2 * uint256(PRICE));
        ISwanMarket.Task memory t = market.getTask(id);
        assertEq(uint8(t.status), uint8(ISwanMarket.TaskStatus.Open));
        assertEq(t.collateralPct, COLLATERAL_PCT);
        assertEq(t.price, PRICE);
        assertEq(t.replicas, 2);
        assertEq(t.paramsVersion, 1);
        assertEq(market.taskCount(), 1);
    }

    function test_createTask_usesInternalBalanceFirst() public {
        vm.prank(alice);
        market.deposit(15 ether);
        uint256 before = token.balanceOf(alice);
        _create(_request(ISwanMarket.Mode.KeeperAttested, 2)); // needs 20, has 15 inside
        assertEq(market.balanceOf(alice), 0);
        assertEq(before - token.balanceOf(alice), 5 ether);
    }

    function test_createTask_rejectsBadRequests() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.startPrank(alice);

        r.replicas = 0;
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        r.replicas = 17;
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        r.replicas = 1;
        r.quorum = 1; // quorum outside Quorum mode
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        r.quorum = 0;

        r.answerCommit = bytes32(uint256(1)); // commit outside KnownAnswer mode
        vm.expectRevert(ISwanMarket.InvalidAnswerCommit.selector);
        market.createTask(r);
        r.answerCommit = 0;

        r.collateralPct = 1001; // more than 10x the value
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.CollateralPctTooHigh.selector, 1001, 1000));
        market.createTask(r);
        r.collateralPct = COLLATERAL_PCT;

        r.paramsVersion = 0; // the creator must name the version it signs up for
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ParamsChanged.selector, 0, 1));
        market.createTask(r);
        r.paramsVersion = 2;
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ParamsChanged.selector, 2, 1));
        market.createTask(r);
        r.paramsVersion = 1;

        r.price = 0;
        vm.expectRevert(ISwanMarket.AmountTooSmall.selector);
        market.createTask(r);
        r.price = uint96(uint256(type(uint88).max) + 1);
        vm.expectRevert(ISwanMarket.AmountTooLarge.selector);
        market.createTask(r);
        r.price = PRICE;

        r.assignBy = uint32(vm.getBlockTimestamp()); // not in the future
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        r.assignBy = uint32(vm.getBlockTimestamp() + 1 hours);
        r.resultBy = r.assignBy; // not after assignBy
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        r.resultBy = uint32(vm.getBlockTimestamp() + 3 hours);
        r.settleBy = r.resultBy;
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        r.settleBy = type(uint32).max; // beyond the one-year horizon
        vm.expectRevert(ISwanMarket.InvalidDeadline.selector);
        market.createTask(r);
        vm.stopPrank();
        assertEq(market.taskCount(), 0);
    }

    function test_createTask_tinyPricesAreAccepted() public {
        // a price whose fee rounds to zero is the creator's business, not a reason to refuse
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        r.price = 1;
        uint256 id = _create(r);
        _assignAll(id, 1, 1);
        _submit(id, 0, keccak256("r"));
        _settle(id, 1);
        assertEq(_account(0).earned, 1);
    }

    function test_createTask_quorumRules() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.Quorum, 3);
        vm.startPrank(alice);
        r.quorum = 1; // not a majority
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        r.quorum = 4; // more than replicas
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        r.replicas = 1;
        r.quorum = 1; // quorum of one is no quorum
        vm.expectRevert(ISwanMarket.InvalidReplicas.selector);
        market.createTask(r);
        vm.stopPrank();
    }

    function test_createTask_knownAnswerNeedsCommit() public {
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KnownAnswer, 1);
        r.answerCommit = 0;
        vm.prank(alice);
        vm.expectRevert(ISwanMarket.InvalidAnswerCommit.selector);
        market.createTask(r);
    }

    function test_createTask_pullsOnlyWhatTheTokenDelivers() public {
        // without allowance the pull fails inside the token: nothing is recorded
        vm.startPrank(stranger);
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectRevert();
        market.createTask(r);
        vm.stopPrank();
        assertEq(market.taskCount(), 0);
    }

    function test_cancelTask_refundsAll() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 3));
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.TaskCancelled(id, 3 * uint256(PRICE), false);
        vm.prank(alice);
        market.cancelTask(id);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Cancelled));
        assertEq(market.balanceOf(alice), 3 * uint256(PRICE));
    }

    function test_cancelTask_errors() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotSubmitter.selector);
        market.cancelTask(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownTask.selector, 99));
        market.cancelTask(99);
        _assignAll(id, 1, PRICE);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Assigned)
        );
        market.cancelTask(id);
    }

    // ------------------------------------------------------------------ assign

    function test_assign_locksCollateralOfTheAgreedPriceAndRefundsUnusedCap() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        (address[] memory ps, uint256[] memory prices) = _providers(2);
        prices[0] = 8 ether;
        prices[1] = 9 ether;
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.TaskAssigned(id, ps, prices, 3 ether);
        vm.prank(keeper);
        market.assign(id, ps, prices);
        assertEq(market.balanceOf(alice), 3 ether);
        // collateral is collateralPct % of what each provider is paid, not of the cap
        assertEq(_account(0).locked, 16 ether);
        assertEq(_account(1).locked, 18 ether);
        assertEq(market.collateralOf(id, 0), 16 ether);
        assertEq(market.collateralOf(id, 1), 18 ether);
        assertEq(market.freeCollateral(owners[0]), 1000 ether - 16 ether);
        ISwanMarket.Replica memory rep = market.getReplica(id, 1);
        assertEq(rep.provider, owners[1]);
        assertEq(rep.price, 9 ether);
        assertEq(uint8(rep.status), uint8(ISwanMarket.ReplicaStatus.Assigned));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned));
    }

    function test_assign_errors() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        (address[] memory ps, uint256[] memory prices) = _providers(2);

        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.assign(id, ps, prices);

        vm.startPrank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownTask.selector, 42));
        market.assign(42, ps, prices);

        (address[] memory one, uint256[] memory onePrice) = _providers(1);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 1));
        market.assign(id, one, onePrice);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 1));
        market.assign(id, ps, onePrice);

        prices[1] = PRICE + 1;
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.PriceAboveCap.selector, PRICE + 1, PRICE));
        market.assign(id, ps, prices);
        prices[1] = PRICE;

        ps[1] = ps[0];
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.DuplicateProvider.selector, ps[0]));
        market.assign(id, ps, prices);

        ps[1] = alice;
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.SubmitterIsProvider.selector, alice));
        market.assign(id, ps, prices);

        ps[1] = stranger;
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.UnknownProvider.selector, stranger));
        market.assign(id, ps, prices);
        ps[1] = owners[1];
        vm.stopPrank();

        vm.prank(owners[1]);
        registry.setProviderPaused(true);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ProviderNotActive.selector, owners[1]));
        market.assign(id, ps, prices);
        vm.prank(owners[1]);
        registry.setProviderPaused(false);

        // a failed assignment locked nothing
        assertEq(_account(0).locked, 0);

        skip(2 hours);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1 hours));
        market.assign(id, ps, prices);
    }

    function test_assign_onlyWithinTheProvidersTerms() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        address[] memory ps = new address[](1);
        uint256[] memory prices = new uint256[](1);
        ps[0] = owners[0];
        prices[0] = PRICE;

        // a mode the provider does not accept
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: 1000 ether, minPrice: 0, minRate: 0, modes: 0x6}));
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.ModeNotAccepted.selector, owners[0], ISwanMarket.Mode.KeeperAttested)
        );
        market.assign(id, ps, prices);

        // a price below its floor
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: 1000 ether, minPrice: 11 ether, minRate: 0, modes: 0xf}));
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.PriceBelowFloor.selector, owners[0], PRICE, 11 ether));
        market.assign(id, ps, prices);

        // more collateral than it agreed to lock for one replica
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: 19 ether, minPrice: 0, minRate: 0, modes: 0xf}));
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.CollateralAboveLimit.selector, owners[0], COLLATERAL, 19 ether)
        );
        market.assign(id, ps, prices);

        // within every term: assigned
        _setTerms(0, ISwanRegistry.Terms({maxCollateral: COLLATERAL, minPrice: uint88(PRICE), minRate: 0, modes: 0x1}));
        vm.prank(keeper);
        market.assign(id, ps, prices);
        assertEq(_account(0).locked, COLLATERAL);
    }

    function test_assign_collateralRules() public {
        address poor = makeAddr("poor");
        _registerAndStake(poor, makeAddr("poorWorker"), poor, 50 ether); // below the 100 minimum
        ISwanMarket.TaskRequest memory r = _request(ISwanMarket.Mode.KeeperAttested, 1);
        r.collateralPct = 1000; // 10x the price: 100 tokens
        uint256 id = _create(r);
        address[] memory ps = new address[](1);
        uint256[] memory prices = new uint256[](1);
        ps[0] = poor;
        prices[0] = PRICE;
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.BelowMinCollateral.selector, poor, 50 ether, MIN_COLLATERAL));
        market.assign(id, ps, prices);

        // enough stake, but most of it unbonding: bonded stake below the minimum
        vm.prank(owners[0]);
        registry.requestWithdrawal(990 ether);
        ps[0] = owners[0];
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.BelowMinCollateral.selector, owners[0], 10 ether, MIN_COLLATERAL)
        );
        market.assign(id, ps, prices);

        // 150 bonded: the first task locks 100, the second finds 50 free
        vm.prank(owners[1]);
        registry.requestWithdrawal(850 ether);
        ps[0] = owners[1];
        vm.prank(keeper);
        market.assign(id, ps, prices);
        uint256 id2 = _create(r);
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.InsufficientCollateral.selector, owners[1], 50 ether, 100 ether)
        );
        market.assign(id2, ps, prices);
    }

    function test_assignBatch_assignsEach() public {
        uint256[] memory ids = new uint256[](2);
        ids[0] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        ids[1] = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        address[][] memory ps = new address[][](2);
        uint256[][] memory prices = new uint256[][](2);
        (ps[0], prices[0]) = _providers(1);
        (ps[1], prices[1]) = _providers(2);
        vm.recordLogs();
        vm.prank(keeper);
        market.assignBatch(ids, ps, prices);
        assertEq(_skipped(vm.getRecordedLogs()), 0);
        assertEq(uint8(_status(ids[0])), uint8(ISwanMarket.TaskStatus.Assigned));
        assertEq(uint8(_status(ids[1])), uint8(ISwanMarket.TaskStatus.Assigned));
        assertEq(_account(0).locked, 2 * uint256(COLLATERAL));

        address[][] memory short = new address[][](1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 1));
        market.assignBatch(ids, short, prices);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.assignBatch(ids, ps, prices);
    }

    /// Item 8: one front-run call no longer reverts the keeper's whole batch.
    function test_assignBatch_skipsWhatNoLongerApplies() public {
        uint256[] memory ids = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            ids[i] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        }
        address[][] memory ps = new address[][](3);
        uint256[][] memory prices = new uint256[][](3);
        for (uint256 i; i < 3; ++i) {
            ps[i] = new address[](1);
            prices[i] = new uint256[](1);
            ps[i][0] = owners[i];
            prices[i][0] = PRICE;
        }
        // front-runs: the submitter cancels task 0, provider 1 pauses
        vm.prank(alice);
        market.cancelTask(ids[0]);
        vm.prank(owners[1]);
        registry.setProviderPaused(true);

        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.BatchItemSkipped(
            ids[0],
            abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, ids[0], ISwanMarket.TaskStatus.Cancelled)
        );
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.BatchItemSkipped(
            ids[1], abi.encodeWithSelector(ISwanMarket.ProviderNotActive.selector, owners[1])
        );
        vm.prank(keeper);
        market.assignBatch(ids, ps, prices);
        assertEq(uint8(_status(ids[2])), uint8(ISwanMarket.TaskStatus.Assigned), "the rest was assigned");
        assertEq(uint8(_status(ids[1])), uint8(ISwanMarket.TaskStatus.Open));
        assertEq(_account(1).locked, 0, "a skipped item locks nothing");
        assertEq(_account(2).locked, COLLATERAL);
    }

    /// The batch items run through the public entry points only for the market itself.
    function test_batchItems_areTheMarketsOwn() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotSelf.selector);
        market.submitItem(workers[0], id, 0, keccak256("forged"), "");
        vm.prank(workers[1]);
        vm.expectRevert(ISwanMarket.NotSelf.selector);
        market.submitItem(workers[0], id, 0, keccak256("forged"), "");
    }

    // ------------------------------------------------------------------ submit

    function test_submitResult_recordsAndEmits() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.ResultSubmitted(id, 0, owners[0], keccak256("r"), "ipfs://result");
        _submit(id, 0, keccak256("r"));
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Submitted));
        assertEq(market.resultOf(id, 0), bytes32(0), "keeper-attested results are only emitted");
    }

    function test_submitResult_errors() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Open));
        market.submitResult(id, 0, keccak256("r"), "");
        _assignAll(id, 2, PRICE);

        vm.prank(workers[1]); // replica 0 belongs to provider 0
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.submitResult(id, 0, keccak256("r"), "");
        vm.prank(owners[0]); // the owner is not the worker key
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.submitResult(id, 0, keccak256("r"), "");

        vm.prank(workers[0]);
        vm.expectRevert(ISwanMarket.EmptyResult.selector);
        market.submitResult(id, 0, bytes32(0), "");

        vm.prank(workers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongReplicaStatus.selector, id, 5, ISwanMarket.ReplicaStatus.None)
        );
        market.submitResult(id, 5, keccak256("r"), "");

        _submit(id, 0, keccak256("r"));
        vm.prank(workers[0]); // replay of the same submission
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongReplicaStatus.selector, id, 0, ISwanMarket.ReplicaStatus.Submitted)
        );
        market.submitResult(id, 0, keccak256("r"), "");

        skip(3 hours + 1);
        vm.prank(workers[1]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.submitResult(id, 1, keccak256("r"), "");
    }

    function test_submitResults_submitsEveryEntryOfOneWorker() public {
        // provider 0 holds replica 0 of three tasks; one call submits all three
        uint256[] memory ids = new uint256[](3);
        uint256[] memory replicas = new uint256[](3);
        bytes32[] memory hashes = new bytes32[](3);
        string[] memory uris = new string[](3);
        for (uint256 i; i < 3; ++i) {
            ids[i] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
            _assignAll(ids[i], 1, PRICE);
            hashes[i] = keccak256(abi.encode("r", i));
            uris[i] = string(abi.encodePacked("ipfs://result-", bytes1(uint8(48 + i))));
        }
        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(true, true, true, true, address(market));
            emit ISwanMarket.ResultSubmitted(ids[i], 0, owners[0], hashes[i], uris[i]);
        }
        vm.prank(workers[0]);
        market.submitResults(ids, replicas, hashes, uris);
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(_replicaStatus(ids[i], 0)), uint8(ISwanMarket.ReplicaStatus.Submitted));
        }
        // the results settle like single submissions
        vm.prank(keeper);
        market.settle(ids[1], 1);
        assertEq(uint8(_status(ids[1])), uint8(ISwanMarket.TaskStatus.Completed));
    }

    function test_submitResults_skipsRefusedEntries() public {
        uint256 a = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        uint256 b = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(a, 1, PRICE);
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (a, b);
        uint256[] memory replicas = new uint256[](2);
        bytes32[] memory hashes = new bytes32[](2);
        (hashes[0], hashes[1]) = (keccak256("r"), keccak256("r"));
        string[] memory uris = new string[](2);

        // arrays of different lengths, each named
        vm.startPrank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 1));
        market.submitResults(ids, new uint256[](1), hashes, uris);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 3));
        market.submitResults(ids, replicas, new bytes32[](3), uris);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, 2, 0));
        market.submitResults(ids, replicas, hashes, new string[](0));

        // one entry refused (task b is still open): it is skipped with its error, the other lands
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.BatchItemSkipped(
            b, abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, b, ISwanMarket.TaskStatus.Open)
        );
        market.submitResults(ids, replicas, hashes, uris);
        vm.stopPrank();
        assertEq(uint8(_replicaStatus(a, 0)), uint8(ISwanMarket.ReplicaStatus.Submitted));

        // another provider's worker: every entry is skipped as NotWorker
        _assignAll(b, 1, PRICE);
        vm.recordLogs();
        vm.prank(workers[1]);
        market.submitResults(ids, replicas, hashes, uris);
        assertEq(_skipped(vm.getRecordedLogs()), 2);
        assertEq(uint8(_replicaStatus(b, 0)), uint8(ISwanMarket.ReplicaStatus.Assigned));
    }

    // ------------------------------------------------------------------ decline

    function test_decline_unlocksWithoutPenaltyAndRefunds() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        _assignAll(id, 2, 8 ether);
        uint256 before = market.balanceOf(alice); // 4 tokens of unused cap
        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.ReplicaDeclined(id, 1, owners[1], 8 ether);
        vm.prank(workers[1]);
        market.declineTask(id, 1);
        assertEq(market.balanceOf(alice) - before, 8 ether);
        assertEq(_account(1).locked, 0);
        assertEq(_account(1).declined, 1);
        assertEq(_stake(1), 1000 ether, "no penalty");
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Declined));
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Assigned));

        // the other replica carries on; the keeper settles it alone
        _submit(id, 0, keccak256("r"));
        _settle(id, 1);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));
    }

    function test_decline_byEveryReplicaCancelsTheTask() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.TaskFinalized(id, ISwanMarket.TaskStatus.Cancelled, 10);
        vm.prank(owners[0]); // the owner may decline too
        market.declineTask(id, 0);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Cancelled));
        assertEq(market.balanceOf(alice), PRICE);
    }

    function test_decline_errors() public {
        uint256 id = _create(_request(ISwanMarket.Mode.KeeperAttested, 2));
        vm.prank(workers[0]);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Open));
        market.declineTask(id, 0);
        _assignAll(id, 2, PRICE);
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.declineTask(id, 0);
        vm.prank(alice); // the submitter cannot decline for a provider
        vm.expectRevert(ISwanMarket.NotWorker.selector);
        market.declineTask(id, 0);
        _submit(id, 0, keccak256("r"));
        vm.prank(workers[0]); // too late once its result is in
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongReplicaStatus.selector, id, 0, ISwanMarket.ReplicaStatus.Submitted)
        );
        market.declineTask(id, 0);
        skip(3 hours + 1);
        vm.prank(workers[1]); // too late after resultBy: a no-show
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.declineTask(id, 1);
    }

    // ------------------------------------------------------------------ keeper settlement

    function test_settle_paysPassingAndSlashesFailingToTheTreasury() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 2);
        _submit(id, 0, keccak256("good"));
        _submit(id, 1, keccak256("bad"));

        vm.expectEmit(true, true, true, true, address(market));
        emit ISwanMarket.ReplicaSlashed(id, 1, owners[1], COLLATERAL, COLLATERAL, 0, PRICE);
        _settle(id, 1); // replica 0 passes, replica 1 fails

        uint256 fee = _fee(PRICE);
        ISwanMarket.Account memory a0 = _account(0);
        assertEq(a0.earned, PRICE - fee);
        assertEq(a0.locked, 0);
        assertEq(a0.completed, 1);
        ISwanMarket.Account memory a1 = _account(1);
        assertEq(_stake(1), 1000 ether - COLLATERAL);
        assertEq(a1.locked, 0);
        assertEq(a1.failed, 1);
        assertEq(a1.slashedTotal, COLLATERAL);
        // the submitter gets its price back, never a share of the slash
        assertEq(market.balanceOf(alice), PRICE);
        assertEq(market.balanceOf(treasury), fee + COLLATERAL);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Completed));

        // earnings leave to the beneficiary
        market.claimEarnings(owners[0]);
        assertEq(token.balanceOf(beneficiaries[0]), PRICE - fee);
        vm.expectRevert(ISwanMarket.NothingToWithdraw.selector);
        market.claimEarnings(owners[0]);
    }

    function test_settle_allFailMakesTaskFailed() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        _submit(id, 0, keccak256("bad"));
        _settle(id, 0);
        assertEq(uint8(_status(id)), uint8(ISwanMarket.TaskStatus.Failed));
        assertEq(uint8(_replicaStatus(id, 0)), uint8(ISwanMarket.ReplicaStatus.Slashed));
    }

    function test_settle_errors() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 2);
        _submit(id, 0, keccak256("r"));

        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.settle(id, 1);

        vm.startPrank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ResultsPending.selector, id));
        market.settle(id, 1);

        skip(3 hours + 1); // replica 1 is now a no-show
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.VerdictWithoutResult.selector, id, 1));
        market.settle(id, 3);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.VerdictWithoutResult.selector, id, 2));
        market.settle(id, 4); // a bit beyond the replicas

        market.settle(id, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, id, ISwanMarket.TaskStatus.Completed)
        );
        market.settle(id, 1); // double settle
        vm.stopPrank();
        assertEq(uint8(_replicaStatus(id, 1)), uint8(ISwanMarket.ReplicaStatus.Slashed));
    }

    function test_settle_tooLateAfterSettleBy_andWrongMode() public {
        uint256 id = _assigned(ISwanMarket.Mode.KeeperAttested, 1);
        _submit(id, 0, keccak256("r"));
        skip(4 hours + 1);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.TooLate.selector, vm.getBlockTimestamp() - 1));
        market.settle(id, 1);

        uint256 q = _create(_request(ISwanMarket.Mode.Quorum, 3));
        _assignAll(q, 3, PRICE);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.WrongMode.selector, q, ISwanMarket.Mode.Quorum));
        market.settle(q, 1);
    }

    function test_settleBatch_settlesMany() public {
        uint256 n = 5;
        uint256[] memory ids = new uint256[](n);
        uint256[] memory masks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
            _assignAll(ids[i], 1, PRICE);
            _submit(ids[i], 0, keccak256("r"));
            masks[i] = 1;
        }
        vm.prank(keeper);
        market.settleBatch(ids, masks);
        assertEq(market.balanceOf(treasury), n * _fee(PRICE));
        assertEq(_account(0).earned, n * (PRICE - _fee(PRICE)));
        for (uint256 i; i < n; ++i) {
            assertEq(uint8(_status(ids[i])), uint8(ISwanMarket.TaskStatus.Completed));
        }
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ISwanMarket.ReplicaCountMismatch.selector, n, 0));
        market.settleBatch(ids, new uint256[](0));
        vm.prank(stranger);
        vm.expectRevert(ISwanMarket.NotKeeper.selector);
        market.settleBatch(ids, masks);
    }

    /// Item 8: anyone expiring one task of a batch no longer reverts the keeper's whole batch.
    function test_settleBatch_skipsATaskSomeoneExpiredFirst() public {
        uint256[] memory ids = new uint256[](2);
        uint256[] memory masks = new uint256[](2);
        ids[0] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        ids[1] = _create(_request(ISwanMarket.Mode.KeeperAttested, 1));
        _assignAll(ids[0], 1, PRICE);
        _assignAll(ids[1], 1, PRICE);
        _submit(ids[1], 0, keccak256("r"));
        (masks[0], masks[1]) = (0, 1); // the keeper fails task 0's no-show and passes task 1
        skip(3 hours + 1);
        vm.prank(stranger); // front-run: the no-show is expired first, task 0 is final
        market.expire(ids[0]);

        vm.expectEmit(true, false, false, true, address(market));
        emit ISwanMarket.BatchItemSkipped(
            ids[0], abi.encodeWithSelector(ISwanMarket.WrongTaskStatus.selector, ids[0], ISwanMarket.TaskStatus.Failed)
        );
        vm.prank(keeper);
        market.settleBatch(ids, masks);
        assertEq(uint8(_status(ids[1])), uint8(ISwanMarket.TaskStatus.Completed));
        assertEq(uint8(_status(ids[0])), uint8(ISwanMarket.TaskStatus.Failed));
    }

    function _skipped(Vm.Log[] memory logs) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == ISwanMarket.BatchItemSkipped.selector) n++;
        }
    }
}
