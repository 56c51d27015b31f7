// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ReentrantReceiver, RevertingReceiver} from "../mocks/HostileActors.sol";
import {HookToken} from "../mocks/HostileTokens.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives the market through random but well-formed (and some ill-formed) actions of
/// submitters, providers, a compromised keeper, pokers and hostile receivers, and keeps the
/// ghost books the invariants are checked against.
contract Handler is Test {
    SwanMarket public immutable market;
    HookToken public immutable token;
    ReentrantReceiver public immutable reentrant;
    RevertingReceiver public immutable reverting;

    address public immutable keeper;
    address public immutable treasury;
    address public immutable poker = makeAddr("poker");
    address[3] public submitters;
    address[4] public owners;
    address[4] public workers;

    uint256[] public taskIds;
    mapping(uint256 => uint256) public escrowIn; // escrowed at creation + extensions
    mapping(uint256 => uint256) public released; // left the escrow (paid, refunded, fees)
    mapping(uint256 => ISwanMarket.TaskStatus) public lastStatus;
    uint256 public illegalTransitions;
    uint256 public overslashes;
    uint256 public calls;

    bytes32 internal constant GOOD = keccak256("good");
    bytes32 internal constant BAD = keccak256("bad");
    bytes32 internal constant ANSWER = keccak256("answer");
    bytes32 internal constant SALT = keccak256("salt");

    constructor(SwanMarket market_, HookToken token_, address keeper_, address treasury_) {
        market = market_;
        token = token_;
        keeper = keeper_;
        treasury = treasury_;
        reentrant = new ReentrantReceiver(market_);
        reverting = new RevertingReceiver(address(token_));
        submitters = [makeAddr("alice"), makeAddr("bob"), address(reentrant)];
        for (uint256 i; i < 3; ++i) {
            token.mint(submitters[i], 1e30);
            if (i < 2) {
                vm.prank(submitters[i]);
                token.approve(address(market), type(uint256).max);
            }
        }
        reentrant.approve(address(token), type(uint256).max);
        for (uint256 i; i < 4; ++i) {
            owners[i] = makeAddr(string.concat("owner", vm.toString(i)));
            workers[i] = makeAddr(string.concat("worker", vm.toString(i)));
            // provider 2 is paid into the re-entrant contract, provider 3 into one that reverts
            address beneficiary = i == 2 ? address(reentrant) : i == 3 ? address(reverting) : owners[i];
            ISwanMarket.ProviderInfo memory info;
            info.worker = workers[i];
            info.beneficiary = beneficiary;
            vm.startPrank(owners[i]);
            market.registerProvider(info);
            token.mint(owners[i], 1e27);
            token.approve(address(market), type(uint256).max);
            market.depositCollateral(1e26);
            vm.stopPrank();
        }
        reentrant.setProviderToDrain(owners[2]);
    }

    // ------------------------------------------------------------------ books

    /// @dev Σ of every place value can sit outside escrow.
    function _outside() internal view returns (uint256 sum) {
        for (uint256 i; i < 3; ++i) {
            sum += market.balanceOf(submitters[i]);
        }
        sum += market.balanceOf(treasury) + market.balanceOf(poker) + market.balanceOf(keeper);
        for (uint256 i; i < 4; ++i) {
            ISwanMarket.Provider memory p = market.getProvider(owners[i]);
            sum += uint256(p.stake) + p.earned;
        }
    }

    /// @dev Escrow a task still holds, from storage alone.
    function escrowOf(uint256 id) public view returns (uint256 e) {
        ISwanMarket.Task memory t = market.getTask(id);
        bool service = t.mode == ISwanMarket.Mode.ServiceHealth;
        if (t.status == ISwanMarket.TaskStatus.Open) {
            uint256 value = service ? uint256(t.price) * t.resultBy : t.price;
            return value * t.replicas;
        }
        if (t.status != ISwanMarket.TaskStatus.Assigned) return 0;
        (uint256 startedAt, uint256 endsAt) = market.serviceWindow(id);
        for (uint256 i; i < t.replicas; ++i) {
            ISwanMarket.Replica memory r = market.getReplica(id, i);
            if (service) {
                if (r.status != ISwanMarket.ReplicaStatus.Assigned) continue;
                uint256 paid = market.serviceClaimedUntil(id, i);
                if (paid == 0) paid = startedAt;
                e += uint256(r.price) * (endsAt - paid);
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

    function accountedValue() external view returns (uint256) {
        return _outside() + totalEscrow();
    }

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    /// @dev Run an action on task `id`, attributing every change of the outside books to it and
    /// checking that no provider lost more than the task's collateral.
    modifier onTask(uint256 id) {
        calls++;
        uint256 before = _outside();
        uint256 walletBefore = token.balanceOf(address(market));
        uint96[4] memory stakes;
        for (uint256 i; i < 4; ++i) {
            stakes[i] = market.getProvider(owners[i]).stake;
        }
        _;
        // escrow change = tokens that came in from wallets - growth of the outside books
        int256 delta =
            int256(token.balanceOf(address(market))) - int256(walletBefore) + int256(before) - int256(_outside());
        if (delta > 0) escrowIn[id] += uint256(delta); // an extension
        else released[id] += uint256(-delta);
        uint256 collateral = market.collateralOf(id);
        for (uint256 i; i < 4; ++i) {
            uint96 s = market.getProvider(owners[i]).stake;
            if (s < stakes[i] && stakes[i] - s > collateral) overslashes++;
        }
        _checkTransitions();
    }

    function _legal(ISwanMarket.TaskStatus a, ISwanMarket.TaskStatus b) internal pure returns (bool) {
        if (a == b) return true;
        if (a == ISwanMarket.TaskStatus.None) return b == ISwanMarket.TaskStatus.Open;
        if (a == ISwanMarket.TaskStatus.Open) {
            return b == ISwanMarket.TaskStatus.Assigned || b == ISwanMarket.TaskStatus.Cancelled;
        }
        if (a == ISwanMarket.TaskStatus.Assigned) {
            return b == ISwanMarket.TaskStatus.Completed || b == ISwanMarket.TaskStatus.Failed;
        }
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

    function _pick(uint256 seed) internal view returns (uint256 id, bool ok) {
        if (taskIds.length == 0) return (0, false);
        return (taskIds[seed % taskIds.length], true);
    }

    // ------------------------------------------------------------------ actions

    function createTask(uint256 seed, uint8 modeSeed, uint8 replicas, uint96 price, uint16 pct) external {
        if (taskIds.length >= 40) return;
        ISwanMarket.Mode mode = ISwanMarket.Mode(modeSeed % 4);
        ISwanMarket.TaskRequest memory r;
        r.mode = mode;
        r.replicas = uint8(bound(replicas, mode == ISwanMarket.Mode.Quorum ? 2 : 1, 4));
        if (mode == ISwanMarket.Mode.Quorum) r.quorum = r.replicas / 2 + 1;
        r.collateralPct = uint16(bound(pct, 0, 500));
        uint256 now_ = vm.getBlockTimestamp();
        r.assignBy = uint32(now_ + 1 hours);
        if (mode == ISwanMarket.Mode.ServiceHealth) {
            r.price = uint96(bound(price, 1e12, 1e18));
            r.resultBy = uint32(bound(seed, 60, 2 days));
        } else {
            r.price = uint96(bound(price, 1e6, 1e24));
            r.resultBy = uint32(now_ + 2 hours);
            r.settleBy = uint32(now_ + 3 hours);
        }
        if (mode == ISwanMarket.Mode.KnownAnswer) r.answerCommit = keccak256(abi.encode(ANSWER, SALT));
        address submitter = submitters[seed % 3];
        uint256 id;
        uint256 before = _outside();
        uint256 walletBefore = token.balanceOf(address(market));
        calls++;
        if (submitter == address(reentrant)) {
            id = reentrant.createTask(r);
        } else {
            vm.prank(submitter);
            id = market.createTask(r);
        }
        taskIds.push(id);
        // escrow = what left the submitter's internal balance + what came in from its wallet
        escrowIn[id] = (before - _outside()) + (token.balanceOf(address(market)) - walletBefore);
        _checkTransitions();
    }

    function cancel(uint256 seed) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok || market.getTask(id).status != ISwanMarket.TaskStatus.Open) return;
        address submitter = market.submitterOf(id);
        if (submitter == address(reentrant)) return;
        _cancel(id, submitter);
    }

    function _cancel(uint256 id, address submitter) internal onTask(id) {
        vm.prank(submitter);
        market.cancelTask(id);
    }

    /// @dev The keeper is compromised: it picks any providers and prices the contract accepts.
    function assign(uint256 seed, uint256 priceSeed) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.status != ISwanMarket.TaskStatus.Open || vm.getBlockTimestamp() > t.assignBy) return;
        address[] memory ps = new address[](t.replicas);
        uint256[] memory prices = new uint256[](t.replicas);
        uint256 start = seed % 4;
        for (uint256 i; i < t.replicas; ++i) {
            ps[i] = owners[(start + i) % 4];
            prices[i] = bound(uint256(keccak256(abi.encode(priceSeed, i))), 0, t.price);
        }
        _assign(id, ps, prices);
    }

    function _assign(uint256 id, address[] memory ps, uint256[] memory prices) internal onTask(id) {
        vm.prank(keeper);
        try market.assign(id, ps, prices) {} catch {}
    }

    function submit(uint256 seed, uint8 replica, bool good) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.status != ISwanMarket.TaskStatus.Assigned || t.mode == ISwanMarket.Mode.ServiceHealth) return;
        uint256 i = replica % t.replicas;
        ISwanMarket.Replica memory r = market.getReplica(id, i);
        if (r.status != ISwanMarket.ReplicaStatus.Assigned) return;
        bytes32 result = t.mode == ISwanMarket.Mode.KnownAnswer ? (good ? ANSWER : BAD) : (good ? GOOD : BAD);
        if (t.mode == ISwanMarket.Mode.Quorum) result = keccak256(abi.encode(id, i, result, SALT));
        _submit(id, i, result, market.getProvider(r.provider).worker);
    }

    function _submit(uint256 id, uint256 i, bytes32 result, address worker) internal onTask(id) {
        vm.prank(worker);
        try market.submitResult(id, i, result, "ipfs://r") {} catch {}
    }

    function reveal(uint256 seed, uint8 replica, bool good) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.status != ISwanMarket.TaskStatus.Assigned || t.mode != ISwanMarket.Mode.Quorum) return;
        uint256 i = replica % t.replicas;
        ISwanMarket.Replica memory r = market.getReplica(id, i);
        if (r.status != ISwanMarket.ReplicaStatus.Submitted) return;
        // a reveal succeeds only if it opens the commit made (good or bad)
        bytes32 claim = good ? GOOD : BAD;
        _reveal(id, i, claim, market.getProvider(r.provider).worker);
    }

    function _reveal(uint256 id, uint256 i, bytes32 result, address worker) internal onTask(id) {
        vm.prank(worker);
        try market.revealResult(id, i, result, SALT) {} catch {}
    }

    function settle(uint256 seed, uint256 mask) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        _settle(id, mask % 16);
    }

    function _settle(uint256 id, uint256 mask) internal onTask(id) {
        vm.prank(keeper);
        try market.settle(id, mask) {} catch {}
    }

    function settleKnownAnswer(uint256 seed, bool honest) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        _settleKnownAnswer(id, honest ? ANSWER : BAD);
    }

    function _settleKnownAnswer(uint256 id, bytes32 answer) internal onTask(id) {
        vm.prank(keeper);
        try market.settleKnownAnswer(id, answer, SALT) {} catch {}
    }

    function expire(uint256 seed) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        _expire(id);
    }

    function _expire(uint256 id) internal onTask(id) {
        vm.prank(poker);
        try market.expire(id) {} catch {}
        vm.prank(poker);
        try market.settleQuorum(id) {} catch {}
    }

    function service(uint256 seed, uint8 action, uint32 arg) external {
        (uint256 id, bool ok) = _pick(seed);
        if (!ok) return;
        ISwanMarket.Task memory t = market.getTask(id);
        if (t.mode != ISwanMarket.Mode.ServiceHealth) return;
        _service(id, action % 5, arg, t.replicas);
    }

    function _service(uint256 id, uint8 action, uint32 arg, uint256 replicas) internal onTask(id) {
        address submitter = market.submitterOf(id);
        if (action == 0) {
            try market.claimService(id, arg % replicas) {} catch {}
        } else if (action == 1 && submitter != address(reentrant)) {
            vm.prank(submitter);
            try market.extendService(id, uint32(bound(arg, 1, 1 days))) {} catch {}
        } else if (action == 2 && submitter != address(reentrant)) {
            vm.prank(submitter);
            try market.terminateService(id) {} catch {}
        } else if (action == 3) {
            vm.prank(keeper);
            try market.reportServiceFailure(id, arg % replicas, uint32(vm.getBlockTimestamp() - (arg % 600))) {}
                catch {}
        } else {
            try market.finishService(id) {} catch {}
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(vm.getBlockTimestamp() + bound(seconds_, 1, 3 hours));
    }

    // ------------------------------------------------------------------ fee-on-transfer attempt

    SwanMarket public feeMarket;
    uint256 public feeTokenAccepted;

    function setFeeMarket(SwanMarket m) external {
        feeMarket = m;
    }

    /// @dev Anyone trying to pay a market with a fee-on-transfer token must be refused.
    function feeTokenAttempt(uint96 amount, bool asCollateral) external {
        if (address(feeMarket) == address(0)) return;
        calls++;
        amount = uint96(bound(amount, 100, 1e24));
        address who = makeAddr("feePayer");
        vm.startPrank(who);
        if (asCollateral) {
            try feeMarket.depositCollateral(amount) {
                feeTokenAccepted++;
            } catch {}
        } else {
            try feeMarket.deposit(amount) {
                feeTokenAccepted++;
            } catch {}
        }
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ money out

    function withdraw(uint256 who) external {
        address a = submitters[who % 3];
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

    function claimEarnings(uint256 who) external {
        address p = owners[who % 4];
        calls++;
        try market.claimEarnings(p) {} catch {}
    }

    function unbond(uint256 who, uint96 amount) external {
        address p = owners[who % 4];
        calls++;
        vm.prank(p);
        try market.requestWithdrawal(bound(amount, 1, 1e25)) {} catch {}
    }

    function withdrawCollateral(uint256 who) external {
        address p = owners[who % 4];
        calls++;
        vm.prank(p);
        try market.withdrawCollateral() {} catch {}
    }

    /// @dev Liveness: after every deadline, anyone (here a stranger) can bring every task to a
    /// final state. Returns the number of tasks still not final.
    function finalizeEverything() external returns (uint256 stuck) {
        vm.warp(vm.getBlockTimestamp() + 400 days);
        for (uint256 i; i < taskIds.length; ++i) {
            uint256 id = taskIds[i];
            ISwanMarket.Task memory t = market.getTask(id);
            if (t.mode == ISwanMarket.Mode.ServiceHealth && t.status == ISwanMarket.TaskStatus.Assigned) {
                _finalize(id, true);
            } else if (t.status == ISwanMarket.TaskStatus.Open || t.status == ISwanMarket.TaskStatus.Assigned) {
                _finalize(id, false);
            }
            ISwanMarket.TaskStatus s = market.getTask(id).status;
            if (s == ISwanMarket.TaskStatus.Open || s == ISwanMarket.TaskStatus.Assigned) stuck++;
        }
    }

    function _finalize(uint256 id, bool isService) internal onTask(id) {
        vm.startPrank(poker);
        if (isService) {
            market.finishService(id);
        } else {
            market.expire(id);
        }
        vm.stopPrank();
    }
}
