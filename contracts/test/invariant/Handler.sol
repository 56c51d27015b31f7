// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../../src/interfaces/ISwanRegistry.sol";
import {HookToken} from "../mocks/HostileTokens.sol";
import {Books} from "./Books.sol";

/// @notice Drives the market through random actions of actors that hold several roles at once:
///  - `keeper`: a compromised keeper (any providers, prices, verdicts, failure times accepted);
///  - `mallory`: a keeper that is also a submitter;
///  - `eve`: a submitter that owns two sybil providers (p2, p3) who answer whatever they like;
///  - p0 and p1: honest providers (right results, on time when they act); p1 accepts only the
///    sealed modes, its earnings go to a re-entrant contract; p3's go to a reverting one;
///  - alice and a re-entrant contract: plain submitters; a poker who expires tasks;
///  - the admin, who changes the parameters (fee 0 included) behind the real delay;
///  - strangers whose every call must be refused (`hostileSucceeded` stays 0).
/// The token calls contracts back on pushes and pulls. `Books` keeps the ghost accounts.
contract Handler is Books {
    /// @dev What each replica committed to (sealed modes), so that it can reveal it.
    mapping(uint256 => mapping(uint256 => bytes32)) internal committed;
    /// @notice Why assignments were refused, by error selector (diagnostics for the coverage test).
    mapping(bytes4 => uint256) public refusals;

    bytes32 internal constant GOOD = keccak256("good");
    bytes32 internal constant BAD = keccak256("bad");
    bytes32 internal constant ANSWER = keccak256("answer");
    bytes32 internal constant SALT = keccak256("salt");

    constructor(SwanMarket market_, HookToken token_, address admin_, address keeper_, address treasury_)
        Books(market_, token_, admin_, keeper_, treasury_)
    {}

    // ------------------------------------------------------------------ tasks

    function createTask(uint256 seed, uint8 modeSeed, uint8 replicas, uint96 price, uint16 pct, bool stale) external {
        if (taskIds.length >= 200 || _live() >= 12) return;
        ISwanMarket.Mode mode = ISwanMarket.Mode(modeSeed % 4);
        ISwanMarket.TaskRequest memory r;
        r.mode = mode;
        r.replicas = uint8(bound(replicas, mode == ISwanMarket.Mode.Quorum ? 2 : 1, 4));
        if (mode == ISwanMarket.Mode.Quorum) r.quorum = r.replicas / 2 + 1;
        r.collateralPct = uint16(bound(pct, 0, 1000));
        r.paramsVersion = market.paramsVersion();
        uint256 now_ = vm.getBlockTimestamp();
        r.assignBy = uint32(now_ + 6 hours);
        bool wide = seed % 8 == 0; // now and then as wide as the types allow
        if (mode == ISwanMarket.Mode.ServiceHealth) {
            r.price = uint96(bound(price, 1, wide ? 1e18 : 1e15));
            r.resultBy = uint32(bound(seed >> 8, 60, 1 days));
        } else {
            r.price = uint96(bound(price, 1, wide ? type(uint88).max / 4 : 1e21));
            r.resultBy = uint32(now_ + 12 hours);
            r.settleBy = uint32(now_ + 18 hours);
        }
        if (mode == ISwanMarket.Mode.KnownAnswer) r.answerCommit = keccak256(abi.encode(ANSWER, SALT));
        address submitter = submitters[seed % 4];
        if (stale) {
            // a creator that signed up for other terms is refused, and nothing moves
            r.paramsVersion += 1;
            calls++;
            vm.prank(submitter);
            try market.createTask(r) {
                hostileSucceeded++;
            } catch {}
            return;
        }
        _snapshot();
        calls++;
        uint256 id;
        if (submitter == address(reentrant)) {
            try reentrant.createTask(r) returns (uint256 got) {
                id = got;
            } catch {
                return;
            }
        } else {
            vm.prank(submitter);
            try market.createTask(r) returns (uint256 got) {
                id = got;
            } catch {
                return;
            }
        }
        taskIds.push(id);
        _reach("created");
        escrowIn[id] = _escrowDelta();
        vm.getRecordedLogs();
        _checkTransitions();
    }

    function cancel(uint256 seed) external {
        if (seed % 4 != 0) return; // submitters rarely change their minds
        (uint256 id, bool ok) = _pick(seed >> 2);
        if (!ok || market.getTask(id).status != ISwanMarket.TaskStatus.Open) return;
        address submitter = market.submitterOf(id);
        if (submitter == address(reentrant)) return;
        _cancel(id, submitter);
    }

    function _cancel(uint256 id, address submitter) internal onTask(id, submitter) {
        vm.prank(submitter);
        if (_try(abi.encodeCall(market.cancelTask, (id)))) _reach("cancelled");
    }

    /// @dev Either keeper picks any providers and prices the contract accepts; the contract must
    /// refuse every assignment outside a provider's terms (checked against the terms just before).
    function assign(uint256 seed, uint256 priceSeed, bool byMallory, bool asBatch) external {
        (uint256 id, bool ok) = seed % 8 == 0 ? _pick(seed) : _pickIn(seed, ISwanMarket.TaskStatus.Open, false);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.status != ISwanMarket.TaskStatus.Open || vm.getBlockTimestamp() > t.assignBy) return;
        address[] memory ps = new address[](t.replicas);
        uint256[] memory prices = new uint256[](t.replicas);
        bool guided = priceSeed % 5 != 0; // else any providers and prices: the contract must refuse
        uint256 n;
        for (uint256 k; k < 4 && n < t.replicas; ++k) {
            address p = owners[(seed % 4 + k) % 4];
            if (!guided || _accepts(p, t.mode)) ps[n++] = p;
        }
        for (uint256 k; n < t.replicas; ++k) {
            // not enough willing providers: fill with the others (the contract refuses them)
            address p = owners[(seed % 4 + k) % 4];
            bool taken = false;
            for (uint256 j; j < n; ++j) {
                taken = taken || ps[j] == p;
            }
            if (!taken) ps[n++] = p;
        }
        for (uint256 i; i < t.replicas; ++i) {
            prices[i] = _price(t, ps[i], uint256(keccak256(abi.encode(priceSeed, i))), guided);
        }
        _assign(id, ps, prices, byMallory ? mallory : keeper, asBatch);
    }

    function _accepts(address provider, ISwanMarket.Mode mode) internal view returns (bool) {
        ISwanRegistry.Provider memory p = registry.getProvider(provider);
        return (p.modes >> uint8(mode)) & 1 == 1 && p.status == ISwanRegistry.ProviderStatus.Active;
    }

    /// @dev A price up to the cap; guided: within the provider's floor and collateral limit when
    /// the task allows one.
    function _price(ISwanMarket.Task memory t, address provider, uint256 seed, bool guided)
        internal
        view
        returns (uint256)
    {
        uint256 hi = t.price;
        if (!guided) return bound(seed, 0, hi);
        ISwanRegistry.Provider memory p = registry.getProvider(provider);
        uint256 lo = t.mode == ISwanMarket.Mode.ServiceHealth ? p.minRate : p.minPrice;
        uint256 per = t.mode == ISwanMarket.Mode.ServiceHealth ? uint256(t.resultBy) * t.collateralPct : t.collateralPct;
        if (per != 0 && uint256(p.maxCollateral) * 100 / per < hi) hi = uint256(p.maxCollateral) * 100 / per;
        return lo <= hi ? bound(seed, lo, hi) : bound(seed, 0, t.price);
    }

    function _assign(uint256 id, address[] memory ps, uint256[] memory prices, address k, bool asBatch)
        internal
        onTask(id, k)
    {
        ISwanRegistry.Provider[] memory before = new ISwanRegistry.Provider[](ps.length);
        for (uint256 i; i < ps.length; ++i) {
            before[i] = registry.getProvider(ps[i]);
        }
        vm.prank(k);
        if (asBatch) {
            uint256[] memory ids = new uint256[](1);
            address[][] memory pss = new address[][](1);
            uint256[][] memory pricess = new uint256[][](1);
            (ids[0], pss[0], pricess[0]) = (id, ps, prices);
            market.assignBatch(ids, pss, pricess); // skips instead of reverting
        } else {
            try market.assign(id, ps, prices) {}
            catch (bytes memory reason) {
                refusals[bytes4(reason)]++;
            }
        }
        if (market.getTask(id).status == ISwanMarket.TaskStatus.Assigned) {
            _reach(asBatch ? "assignedInBatch" : "assigned");
            _recordConsent(id, before);
        }
    }

    /// @dev Honest providers submit the right result; sybils submit whatever the fuzzer says.
    function submit(uint256 seed, uint8 replica, bool good, bool viaBatch) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.status != ISwanMarket.TaskStatus.Assigned || t.mode == ISwanMarket.Mode.ServiceHealth) return;
        uint256 i = replica % t.replicas;
        ISwanMarket.Replica memory r = market.getReplica(id, i);
        if (r.status != ISwanMarket.ReplicaStatus.Assigned) return;
        if (_isHonest(r.provider)) good = true;
        bytes32 result = t.mode == ISwanMarket.Mode.KnownAnswer ? (good ? ANSWER : BAD) : (good ? GOOD : BAD);
        committed[id][i] = result;
        if (t.mode != ISwanMarket.Mode.KeeperAttested) result = market.commitmentOf(id, i, result, SALT);
        _submit(id, i, result, registry.workerOf(r.provider), viaBatch);
    }

    function _submit(uint256 id, uint256 i, bytes32 result, address worker, bool viaBatch) internal onTask(id, worker) {
        vm.prank(worker);
        if (viaBatch) {
            uint256[] memory ids = new uint256[](1);
            uint256[] memory reps = new uint256[](1);
            bytes32[] memory hashes = new bytes32[](1);
            (ids[0], reps[0], hashes[0]) = (id, i, result);
            market.submitResults(ids, reps, hashes, new string[](1));
        } else {
            try market.submitResult(id, i, result, "ipfs://r") {} catch {}
        }
        if (market.getReplica(id, i).status == ISwanMarket.ReplicaStatus.Submitted) _reach("submitted");
    }

    function reveal(uint256 seed, uint8 replica, bool good) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (
            t.status != ISwanMarket.TaskStatus.Assigned
                || (t.mode != ISwanMarket.Mode.Quorum && t.mode != ISwanMarket.Mode.KnownAnswer)
        ) return;
        uint256 i = replica % t.replicas;
        ISwanMarket.Replica memory r = market.getReplica(id, i);
        if (r.status != ISwanMarket.ReplicaStatus.Submitted) return;
        // a reveal succeeds only if it opens the commitment made: honest providers open theirs,
        // others now and then try to open something else
        bytes32 claim = committed[id][i];
        if (!good && !_isHonest(r.provider)) claim = keccak256(abi.encode(claim));
        _reveal(id, i, claim, registry.workerOf(r.provider));
    }

    function _reveal(uint256 id, uint256 i, bytes32 result, address worker) internal onTask(id, worker) {
        vm.prank(worker);
        if (_try(abi.encodeCall(market.revealResult, (id, i, result, SALT, "ipfs://revealed")))) _reach("revealed");
        if (market.getTask(id).status != ISwanMarket.TaskStatus.Assigned) _reach("sealedSettledByReveal");
    }

    /// @dev Whoever holds the answer reveals it: the submitter, or the poker it handed it to.
    function revealAnswer(uint256 seed, bool honest, bool byPoker) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok || market.getTask(id).mode != ISwanMarket.Mode.KnownAnswer) return;
        address who = byPoker ? poker : market.submitterOf(id);
        if (who == address(reentrant)) who = poker;
        _revealAnswer(id, honest ? ANSWER : BAD, who);
    }

    function _revealAnswer(uint256 id, bytes32 answer, address who) internal onTask(id, who) {
        vm.prank(who);
        bool done = _try(abi.encodeCall(market.revealAnswer, (id, answer, SALT)));
        if (done && answer != ANSWER) hostileSucceeded++; // a wrong answer never opens the commit
        if (done) _reach("answerRevealed");
    }

    function decline(uint256 seed, uint8 replica, bool byOwner) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok || market.getTask(id).status != ISwanMarket.TaskStatus.Assigned) return;
        uint256 i = replica % market.getTask(id).replicas;
        address provider = market.getReplica(id, i).provider;
        _decline(id, i, byOwner ? provider : registry.workerOf(provider));
    }

    function _decline(uint256 id, uint256 i, address who) internal onTask(id, who) {
        vm.prank(who);
        if (_try(abi.encodeCall(market.declineTask, (id, i)))) _reach("declined");
    }

    function settle(uint256 seed, uint256 mask, bool byMallory, bool asBatch) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        _settle(id, mask % 16, byMallory ? mallory : keeper, asBatch);
    }

    function _settle(uint256 id, uint256 mask, address k, bool asBatch) internal onTask(id, k) {
        vm.prank(k);
        if (asBatch) {
            uint256[] memory ids = new uint256[](1);
            uint256[] memory masks = new uint256[](1);
            (ids[0], masks[0]) = (id, mask);
            market.settleBatch(ids, masks);
        } else {
            try market.settle(id, mask) {} catch {}
        }
        ISwanMarket.TaskStatus s = market.getTask(id).status;
        if (s == ISwanMarket.TaskStatus.Completed || s == ISwanMarket.TaskStatus.Failed) {
            if (lastStatus[id] == ISwanMarket.TaskStatus.Assigned) _reach("settledByKeeper");
        }
    }

    /// @dev The poker, mallory (a keeper earning bounties) or a submitter (on its own task or
    /// another's) moves tasks on after deadlines.
    function expire(uint256 seed, bool byMallory) external {
        (uint256 id, bool ok) = seed % 2 == 0 ? _pickRunning(seed, false) : _pick(seed);
        if (!ok) (id, ok) = _pick(seed);
        if (!ok) return;
        address who = byMallory ? mallory : seed % 3 == 0 ? poker : seed % 3 == 1 ? alice : eve;
        _expire(id, who);
    }

    function _expire(uint256 id, address who) internal onTask(id, who) {
        ISwanMarket.TaskStatus before = market.getTask(id).status;
        vm.prank(who);
        if (!_try(abi.encodeCall(market.expire, (id)))) return;
        ISwanMarket.TaskStatus s = market.getTask(id).status;
        if (before == ISwanMarket.TaskStatus.Open) _reach("expiredOpen");
        else if (s == ISwanMarket.TaskStatus.Assigned) _reach("noShowsSlashed");
        else _reach("finalizedByExpiry");
    }

    function service(uint256 seed, uint8 action, uint32 arg) external {
        (uint256 id, bool ok) = seed % 8 == 0 ? _pick(seed) : _pickRunning(seed, true);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.mode != ISwanMarket.Mode.ServiceHealth) return;
        address submitter = market.submitterOf(id);
        if (action % 6 == 1 || action % 6 == 2) {
            if (submitter == address(reentrant)) return;
            _service(id, action % 6, arg, t.replicas, submitter);
        } else {
            _service(id, action % 6, arg, t.replicas, action % 6 == 3 ? keeper : poker);
        }
    }

    function _service(uint256 id, uint8 action, uint32 arg, uint256 replicas, address who) internal onTask(id, who) {
        uint256 i = arg % replicas;
        vm.startPrank(who);
        if (action == 0) {
            if (_try(abi.encodeCall(market.claimService, (id, i)))) _reach("serviceClaimed");
        } else if (action == 1) {
            uint32 extra = uint32(bound(arg, 1, arg % 16 == 0 ? 400 days : 30 days));
            if (_try(abi.encodeCall(market.extendService, (id, extra)))) _reach("extended");
        } else if (action == 2) {
            if (_try(abi.encodeCall(market.terminateService, (id)))) _reach("terminated");
        } else if (action == 3) {
            uint32 failedAt = uint32(vm.getBlockTimestamp() - (arg % 600));
            if (_try(abi.encodeCall(market.reportServiceFailure, (id, i, failedAt)))) _reach("serviceFailed");
        } else if (action == 4) {
            if (_try(abi.encodeCall(market.finishService, (id)))) _reach("finished");
        }
        vm.stopPrank();
        if (action == 5) {
            address provider = market.getReplica(id, i).provider;
            vm.prank(provider);
            if (_try(abi.encodeCall(market.leaveService, (id, i)))) _reach("leftWithNotice");
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(vm.getBlockTimestamp() + bound(seconds_, 1, 3 hours));
    }

    // ------------------------------------------------------------------ providers

    /// @dev Providers change their terms at any time; assignments must follow the terms in force.
    function changeTerms(uint256 who, uint96 maxCollateral, uint88 minPrice, uint72 minRate, uint8 modes) external {
        uint256 k = who % 4;
        ISwanRegistry.Terms memory terms = ISwanRegistry.Terms({
            maxCollateral: uint96(bound(maxCollateral, 0, 1e26)),
            minPrice: uint88(bound(minPrice, 0, 1e20)),
            minRate: uint72(bound(minRate, 0, 1e14)),
            modes: modes % 16
        });
        if (modes & 0x30 != 0) terms.modes = 0xf; // mostly, providers accept every mode
        if (k == 1) terms.modes &= 0x6; // p1 never accepts a mode resting on someone's word
        ISwanRegistry.Provider memory p = registry.getProvider(owners[k]);
        ISwanRegistry.ProviderInfo memory info;
        (info.worker, info.beneficiary, info.terms) = (p.worker, p.beneficiary, terms);
        calls++;
        vm.prank(owners[k]);
        if (_try(abi.encodeCall(registry.updateProvider, (info)))) _reach("termsChanged");
    }

    /// @dev A provider's earnings go to its beneficiary, which may also be a submitter (the
    /// re-entrant contract is p1's): what it receives that way is income, not a submitter's gain.
    function claimEarnings(uint256 who) external {
        address p = owners[who % 4];
        uint256 earned = market.getAccount(p).earned;
        calls++;
        if (_try(abi.encodeCall(market.claimEarnings, (p)))) earningsReceived[registry.beneficiaryOf(p)] += earned;
    }

    function unbond(uint256 who, uint96 amount) external {
        address p = owners[who % 4];
        calls++;
        vm.prank(p);
        _try(abi.encodeCall(registry.requestWithdrawal, (bound(amount, 1, 1e25))));
    }

    function withdrawCollateral(uint256 who) external {
        address p = owners[who % 4];
        calls++;
        uint256 stake = registry.stakeOf(p);
        vm.prank(p);
        if (_try(abi.encodeCall(registry.withdrawCollateral, (p)))) {
            withdrawnStake[p] += stake - registry.stakeOf(p);
            _reach("collateralWithdrawn");
        }
    }

    function withdraw(uint256 who) external {
        address a = submitters[who % 4];
        uint256 b = market.balanceOf(a);
        if (b == 0) return;
        calls++;
        if (a == address(reentrant)) {
            reentrant.withdrawAll();
        } else {
            vm.prank(a);
            market.withdraw(b, a);
        }
    }

    // ------------------------------------------------------------------ governance

    /// @dev The admin changes the parameters (fee and bounty anywhere in range, 0 included); a day
    /// passes (the real delay) and anyone applies them.
    function governParams(uint16 feeBps, uint16 bountyBps, uint96 minCollateral, uint32 unbonding) external {
        if (feeBps % 8 != 0) return; // now and then: a day passes each time
        ISwanRegistry.Params memory p = ISwanRegistry.Params({
            feeBps: uint16(bound(feeBps, 0, 1000)),
            bountyBps: uint16(bound(bountyBps, 0, 1000)),
            treasury: treasury,
            minCollateral: uint96(bound(minCollateral, 0, 1e22)),
            unbondingDelay: uint32(bound(unbonding, 0, 30 days))
        });
        calls++;
        vm.prank(admin);
        registry.scheduleParams(p);
        vm.warp(vm.getBlockTimestamp() + registry.adminDelay());
        registry.applyParams();
        _reach("paramsChanged");
    }

    // ------------------------------------------------------------------ hostile calls

    /// @dev Calls that must never succeed: wrong roles, wrong ids and indices, forged batch items.
    function hostile(uint256 seed, uint8 kind, uint256 index) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) id = seed;
        address stranger = strangers[seed % 2];
        uint256 i = index % 20;
        calls++;
        bytes memory call;
        address target = address(market);
        kind %= 12;
        if (kind >= 10) {
            // a keeper tries to become a provider, as owner or as another owner's worker
            ISwanRegistry.ProviderInfo memory info;
            (info.worker, info.beneficiary) = (kind == 10 ? stranger : mallory, stranger);
            vm.prank(kind == 10 ? keeper : stranger);
            (bool registered,) = address(registry).call(abi.encodeCall(registry.registerProvider, (info)));
            if (registered) hostileSucceeded++;
            return;
        }
        if (kind == 0) call = abi.encodeCall(market.settle, (id, 1));
        else if (kind == 1) call = abi.encodeCall(market.submitResult, (id, i, GOOD, ""));
        else if (kind == 2) call = abi.encodeCall(market.cancelTask, (id));
        else if (kind == 3) call = abi.encodeCall(market.declineTask, (id, i));
        else if (kind == 4) call = abi.encodeCall(market.submitItem, (registry.workerOf(owners[0]), id, i, GOOD, ""));
        else if (kind == 5) call = abi.encodeCall(market.payCollateral, (stranger, 1));
        else if (kind == 6) call = abi.encodeCall(market.reportServiceFailure, (id, i, uint32(vm.getBlockTimestamp())));
        else if (kind == 7) call = abi.encodeCall(market.leaveService, (id, i));
        else if (kind == 8) call = abi.encodeCall(market.setKeeper, (stranger, true));
        else (target, call) = (address(registry), abi.encodeCall(registry.scheduleKeeper, (stranger)));
        vm.prank(stranger);
        (bool success,) = target.call(call);
        if (success) hostileSucceeded++;
    }
}
