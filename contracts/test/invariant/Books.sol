// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {SwanRegistry} from "../../src/SwanRegistry.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../../src/interfaces/ISwanRegistry.sol";
import {ReentrantReceiver, RevertingReceiver} from "../mocks/HostileActors.sol";
import {HookToken} from "../mocks/HostileTokens.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice The actors of the invariant suite and the ghost books the invariants are checked
/// against: per-task escrow in and out, each provider's consent at assignment, every slash and
/// bounty read from the logs, each actor's value, and which lifecycle states the run reached.
abstract contract Books is Test {
    SwanMarket public immutable market;
    SwanRegistry public immutable registry;
    HookToken public immutable token;
    ReentrantReceiver public immutable reentrant;
    RevertingReceiver public immutable reverting;

    address public immutable admin;
    address public immutable keeper;
    address public immutable treasury;
    address public immutable mallory = makeAddr("mallory");
    address public immutable eve = makeAddr("eve");
    address public immutable alice = makeAddr("alice");
    address public immutable poker = makeAddr("poker");
    address[2] public strangers;
    address[4] public submitters;
    address[4] public owners;
    address[4] public workers;

    uint256[] public taskIds;
    mapping(uint256 => uint256) public escrowIn; // escrowed at creation + extensions
    mapping(uint256 => uint256) public released; // left the escrow (paid, refunded, fees, forfeits)
    mapping(uint256 => ISwanMarket.TaskStatus) public lastStatus;
    mapping(uint256 => mapping(uint256 => uint256)) public agreedCollateral;
    mapping(address => uint256) public bounties;
    mapping(address => uint256) public slashedOf;
    mapping(address => uint256) public withdrawnStake;
    mapping(address => uint256) public earningsReceived; // as a provider's beneficiary
    mapping(address => uint256) public initialValue;
    uint256 public initialEveGroup;
    uint256 public eveExternalIncome; // paid to eve's sybils for other submitters' tasks
    uint256 public illegalTransitions;
    uint256 public overslashes;
    uint256 public termsViolations;
    uint256 public hostileSucceeded;
    uint256 public selfBounties;
    uint256 public calls;

    string[] internal _states;

    /// The lifecycle states the handler counts, by name.
    function stateNames() external view returns (string[] memory) {
        return _states;
    }
    mapping(bytes32 => uint256) public reached;

    uint256 internal constant STAKE = 1e26;

    constructor(SwanMarket market_, HookToken token_, address admin_, address keeper_, address treasury_) {
        market = market_;
        registry = SwanRegistry(address(market_.registry()));
        token = token_;
        admin = admin_;
        keeper = keeper_;
        treasury = treasury_;
        reentrant = new ReentrantReceiver(market_);
        reverting = new RevertingReceiver(address(token_));
        strangers = [makeAddr("stranger0"), makeAddr("stranger1")];
        submitters = [alice, eve, mallory, address(reentrant)];
        for (uint256 i; i < 4; ++i) {
            token.mint(submitters[i], 1e30);
            if (submitters[i] != address(reentrant)) {
                vm.prank(submitters[i]);
                token.approve(address(market), type(uint256).max);
            }
        }
        reentrant.approve(address(token), type(uint256).max);
        _registerProviders();
        reentrant.setProviderToDrain(owners[1]);
        for (uint256 i; i < 4; ++i) {
            initialValue[submitters[i]] = _value(submitters[i]);
        }
        initialEveGroup = _eveGroup();
        string[22] memory names = [
            "created",
            "cancelled",
            "assigned",
            "assignedInBatch",
            "submitted",
            "revealed",
            "sealedSettledByReveal",
            "answerRevealed",
            "declined",
            "settledByKeeper",
            "expiredOpen",
            "noShowsSlashed",
            "finalizedByExpiry",
            "serviceClaimed",
            "extended",
            "terminated",
            "serviceFailed",
            "finished",
            "leftWithNotice",
            "termsChanged",
            "collateralWithdrawn",
            "paramsChanged"
        ];
        for (uint256 i; i < names.length; ++i) {
            _states.push(names[i]);
        }
    }

    /// @dev p0 honest (every mode), p1 honest (sealed modes only, paid into a re-entrant
    /// contract), p2 and p3 eve's sybils (p3 paid into a contract that refuses payouts).
    function _registerProviders() private {
        address[4] memory beneficiaries;
        for (uint256 i; i < 4; ++i) {
            owners[i] = makeAddr(string.concat("owner", vm.toString(i)));
            workers[i] = makeAddr(string.concat("worker", vm.toString(i)));
        }
        beneficiaries = [owners[0], address(reentrant), eve, address(reverting)];
        uint8[4] memory modes = [0xf, 0x6, 0xf, 0xf];
        for (uint256 i; i < 4; ++i) {
            ISwanRegistry.ProviderInfo memory info;
            info.worker = workers[i];
            info.beneficiary = beneficiaries[i];
            info.terms = ISwanRegistry.Terms({maxCollateral: 1e25, minPrice: 0, minRate: 0, modes: modes[i]});
            vm.startPrank(owners[i]);
            registry.registerProvider(info);
            token.mint(owners[i], STAKE);
            token.approve(address(registry), type(uint256).max);
            registry.depositCollateral(STAKE);
            vm.stopPrank();
        }
    }

    // ------------------------------------------------------------------ values

    function _value(address who) internal view returns (uint256) {
        return token.balanceOf(who) + market.balanceOf(who);
    }

    function _eveGroup() internal view returns (uint256 v) {
        v = _value(eve);
        for (uint256 i = 2; i < 4; ++i) {
            v += token.balanceOf(owners[i]) + registry.stakeOf(owners[i]) + market.getAccount(owners[i]).earned;
        }
    }

    function _isHonest(address provider) internal view returns (bool) {
        return provider == owners[0] || provider == owners[1];
    }

    /// @dev Σ of every place value can sit outside escrow.
    function _outside() internal view returns (uint256 sum) {
        for (uint256 i; i < 4; ++i) {
            sum += market.balanceOf(submitters[i]);
            sum += registry.stakeOf(owners[i]) + market.getAccount(owners[i]).earned;
        }
        sum += market.balanceOf(treasury) + market.balanceOf(poker) + market.balanceOf(keeper);
    }

    /// @dev Escrow a task still holds, from storage alone.
    function escrowOf(uint256 id) public view returns (uint256 e) {
        ISwanMarket.Task memory t = market.getTask(id);
        bool svc = t.mode == ISwanMarket.Mode.ServiceHealth;
        if (t.status == ISwanMarket.TaskStatus.Open) {
            uint256 value = svc ? uint256(t.price) * t.resultBy : t.price;
            return value * t.replicas;
        }
        if (t.status != ISwanMarket.TaskStatus.Assigned) return 0;
        (uint256 startedAt, uint256 endsAt) = market.serviceWindow(id);
        for (uint256 i; i < t.replicas; ++i) {
            ISwanMarket.Replica memory r = market.getReplica(id, i);
            if (svc) {
                if (r.status != ISwanMarket.ReplicaStatus.Assigned) continue;
                (uint256 paid, uint256 leavesAt) = market.serviceReplica(id, i);
                if (paid == 0) paid = startedAt;
                uint256 end = leavesAt != 0 && leavesAt < endsAt ? leavesAt : endsAt;
                e += uint256(r.price) * (end - paid);
            } else if (
                r.status == ISwanMarket.ReplicaStatus.Assigned || r.status == ISwanMarket.ReplicaStatus.Submitted
                    || r.status == ISwanMarket.ReplicaStatus.Revealed
            ) {
                e += r.price;
            }
        }
    }

    function totalEscrow() public view returns (uint256 e) {
        for (uint256 i; i < taskIds.length; ++i) {
            e += escrowOf(taskIds[i]);
        }
    }

    function escrowHeldBy(address submitter) public view returns (uint256 e) {
        for (uint256 i; i < taskIds.length; ++i) {
            if (market.submitterOf(taskIds[i]) == submitter) e += escrowOf(taskIds[i]);
        }
    }

    function accountedValue() external view returns (uint256) {
        return _outside() + totalEscrow();
    }

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    /// @notice Value now vs. at the start: honest submitters never gain; mallory (keeper and
    /// submitter) gains at most its bounties; eve's group at most its sybils' pay for others' work.
    function submitterValueNow(address who) external view returns (uint256) {
        return _value(who) + escrowHeldBy(who);
    }

    function eveGroupNow() external view returns (uint256) {
        return _eveGroup() + escrowHeldBy(eve);
    }

    // ------------------------------------------------------------------ per-action bookkeeping

    uint256 private _outsideBefore;
    uint256 private _walletBefore;
    uint256[4] private _stakesBefore;

    function _snapshot() internal {
        _outsideBefore = _outside();
        _walletBefore = token.balanceOf(address(market));
        for (uint256 i; i < 4; ++i) {
            _stakesBefore[i] = registry.stakeOf(owners[i]);
        }
        vm.recordLogs();
    }

    /// @dev Escrow change since the snapshot: tokens that came in from wallets minus the growth of
    /// the outside books.
    function _escrowDelta() internal view returns (uint256) {
        int256 delta = int256(token.balanceOf(address(market))) - int256(_walletBefore) + int256(_outsideBefore)
            - int256(_outside());
        return delta > 0 ? uint256(delta) : 0;
    }

    /// @dev Run an action of `actor` on task `id`: attribute every change of the outside books to
    /// the task, check each slash against the collateral agreed at assignment, collect bounties.
    modifier onTask(uint256 id, address actor) {
        calls++;
        _snapshot();
        _;
        int256 delta = int256(token.balanceOf(address(market))) - int256(_walletBefore) + int256(_outsideBefore)
            - int256(_outside());
        if (delta > 0) escrowIn[id] += uint256(delta); // an extension
        else released[id] += uint256(-delta);
        _readLogs(vm.getRecordedLogs(), actor);
        _checkTransitions();
    }

    function _readLogs(Vm.Log[] memory logs, address actor) private {
        uint256[4] memory slashedNow;
        for (uint256 k; k < logs.length; ++k) {
            Vm.Log memory log = logs[k];
            if (log.emitter != address(market)) continue;
            bytes32 sig = log.topics[0];
            if (sig == ISwanMarket.ReplicaSlashed.selector) {
                uint256 id = uint256(log.topics[1]);
                uint256 replica = uint256(log.topics[2]);
                address provider = address(uint160(uint256(log.topics[3])));
                (uint256 slashed,, uint256 bounty,) = abi.decode(log.data, (uint256, uint256, uint256, uint256));
                if (slashed != agreedCollateral[id][replica]) overslashes++;
                slashedOf[provider] += slashed;
                // a submitter never earns a bounty on its own task
                if (bounty != 0 && actor == market.submitterOf(id)) selfBounties++;
                bounties[actor] += bounty;
                for (uint256 i; i < 4; ++i) {
                    if (owners[i] == provider) slashedNow[i] += slashed;
                }
            } else if (sig == ISwanMarket.ReplicaPaid.selector || sig == ISwanMarket.ServiceClaimed.selector) {
                uint256 id = uint256(log.topics[1]);
                address provider = market.getReplica(id, uint256(log.topics[2])).provider;
                (uint256 payout) = sig == ISwanMarket.ReplicaPaid.selector ? _first(log.data) : _second(log.data);
                if ((provider == owners[2] || provider == owners[3]) && market.submitterOf(id) != eve) {
                    eveExternalIncome += payout;
                }
            }
        }
        // a provider's stake falls by exactly what was slashed, never more
        for (uint256 i; i < 4; ++i) {
            uint256 s = registry.stakeOf(owners[i]);
            if (_stakesBefore[i] - s != slashedNow[i]) overslashes++;
        }
    }

    function _first(bytes memory data) private pure returns (uint256 a) {
        (a,) = abi.decode(data, (uint256, uint256));
    }

    function _second(bytes memory data) private pure returns (uint256 b) {
        (, b,) = abi.decode(data, (uint256, uint256, uint256));
    }

    /// @dev After a successful assignment: every replica within the terms its provider had in
    /// force just before (mode accepted, price at or above its floor, collateral within its limit).
    function _recordConsent(uint256 id, ISwanRegistry.Provider[] memory before) internal {
        ISwanMarket.Task memory t = market.getTask(id);
        for (uint256 i; i < before.length; ++i) {
            ISwanMarket.Replica memory r = market.getReplica(id, i);
            uint256 c = market.collateralOf(id, i);
            agreedCollateral[id][i] = c;
            ISwanRegistry.Provider memory p = before[i];
            bool service = t.mode == ISwanMarket.Mode.ServiceHealth;
            if ((p.modes >> uint8(t.mode)) & 1 == 0) termsViolations++;
            if (r.price < (service ? p.minRate : p.minPrice)) termsViolations++;
            if (c > p.maxCollateral) termsViolations++;
            if (p.status != ISwanRegistry.ProviderStatus.Active) termsViolations++;
        }
    }

    function _legal(ISwanMarket.TaskStatus a, ISwanMarket.TaskStatus b) internal pure returns (bool) {
        if (a == b) return true;
        if (a == ISwanMarket.TaskStatus.None) return b == ISwanMarket.TaskStatus.Open;
        if (a == ISwanMarket.TaskStatus.Open) {
            return b == ISwanMarket.TaskStatus.Assigned || b == ISwanMarket.TaskStatus.Cancelled;
        }
        if (a == ISwanMarket.TaskStatus.Assigned) return b != ISwanMarket.TaskStatus.Open; // any final state
        return false; // final states are final
    }

    function _checkTransitions() internal {
        for (uint256 i; i < taskIds.length; ++i) {
            uint256 id = taskIds[i];
            ISwanMarket.TaskStatus s = market.getTask(id).status;
            if (!_legal(lastStatus[id], s)) illegalTransitions++;
            lastStatus[id] = s;
        }
    }

    /// @dev A task to act on: mostly one that is still open or running (the fuzzer's seeds would
    /// otherwise mostly land on finished tasks), now and then any task (final ones must refuse).
    function _pick(uint256 seed) internal view returns (uint256 id, bool ok) {
        if (seed % 8 != 0) {
            (id, ok) = _pickIn(seed, ISwanMarket.TaskStatus.Assigned, true);
            if (ok) return (id, ok);
        }
        uint256 n = taskIds.length;
        if (n == 0) return (0, false);
        return (taskIds[seed % n], true);
    }

    /// @dev A task in `status` (or, with `orOpen`, open or in `status`), from a random offset.
    function _pickIn(uint256 seed, ISwanMarket.TaskStatus status, bool orOpen)
        internal
        view
        returns (uint256 id, bool ok)
    {
        uint256 n = taskIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 candidate = taskIds[(seed % n + k) % n];
            ISwanMarket.Task memory t = market.getTask(candidate);
            // an open task is only worth picking while it can still be assigned
            bool open = t.status == ISwanMarket.TaskStatus.Open && block.timestamp <= t.assignBy;
            if (
                (t.status == status && status != ISwanMarket.TaskStatus.Open)
                    || ((orOpen || status == ISwanMarket.TaskStatus.Open) && open)
            ) {
                return (candidate, true);
            }
        }
        return (0, false);
    }

    /// @dev A running task of `mode` (services) or, for batch modes, one past its result deadline.
    function _pickRunning(uint256 seed, bool service) internal view returns (uint256 id, bool ok) {
        uint256 n = taskIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 candidate = taskIds[(seed % n + k) % n];
            ISwanMarket.Task memory t = market.getTask(candidate);
            if (t.status != ISwanMarket.TaskStatus.Assigned) continue;
            bool isService = t.mode == ISwanMarket.Mode.ServiceHealth;
            if (service ? isService : (!isService && block.timestamp > t.resultBy)) return (candidate, true);
        }
        return (0, false);
    }

    /// @dev How many tasks are still open or running.
    function _live() internal view returns (uint256 live) {
        for (uint256 i; i < taskIds.length; ++i) {
            ISwanMarket.TaskStatus s = market.getTask(taskIds[i]).status;
            if (s == ISwanMarket.TaskStatus.Open || s == ISwanMarket.TaskStatus.Assigned) live++;
        }
    }

    /// @dev Call the market (as whoever is pranked), report whether it succeeded.
    function _try(bytes memory data) internal returns (bool ok) {
        address target = bytes4(data) == registry.updateProvider.selector
            || bytes4(data) == registry.requestWithdrawal.selector
            || bytes4(data) == registry.withdrawCollateral.selector
            ? address(registry)
            : address(market);
        (ok,) = target.call(data);
    }

    function _reach(string memory state) internal {
        reached[keccak256(bytes(state))]++;
    }

    /// @notice The lifecycle states no action reached (empty: the run covered every one).
    function unreached() external view returns (string[] memory missing) {
        uint256 n;
        for (uint256 i; i < _states.length; ++i) {
            if (reached[keccak256(bytes(_states[i]))] == 0) n++;
        }
        missing = new string[](n);
        n = 0;
        for (uint256 i; i < _states.length; ++i) {
            if (reached[keccak256(bytes(_states[i]))] == 0) missing[n++] = _states[i];
        }
    }

    /// @notice How many distinct lifecycle states the run reached.
    function statesReached() external view returns (uint256 n) {
        for (uint256 i; i < _states.length; ++i) {
            if (reached[keccak256(bytes(_states[i]))] != 0) n++;
        }
    }

    // ------------------------------------------------------------------ liveness

    /// @notice After every deadline, anyone (here a stranger) can bring every task to a final
    /// state. Returns the number of tasks still not final.
    function finalizeEverything() external returns (uint256 stuck) {
        vm.warp(vm.getBlockTimestamp() + 800 days);
        for (uint256 i; i < taskIds.length; ++i) {
            uint256 id = taskIds[i];
            ISwanMarket.Task memory t = market.getTask(id);
            if (t.status == ISwanMarket.TaskStatus.Open || t.status == ISwanMarket.TaskStatus.Assigned) {
                _finalize(id, t.mode == ISwanMarket.Mode.ServiceHealth && t.status == ISwanMarket.TaskStatus.Assigned);
            }
            ISwanMarket.TaskStatus s = market.getTask(id).status;
            if (s == ISwanMarket.TaskStatus.Open || s == ISwanMarket.TaskStatus.Assigned) stuck++;
        }
    }

    function _finalize(uint256 id, bool isService) internal onTask(id, poker) {
        vm.startPrank(poker);
        if (isService) market.finishService(id);
        else market.expire(id);
        vm.stopPrank();
    }
}
