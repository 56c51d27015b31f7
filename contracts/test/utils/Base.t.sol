// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {SwanMarket} from "../../src/SwanMarket.sol";
import {SwanRegistry} from "../../src/SwanRegistry.sol";
import {DevToken} from "../../src/dev/DevToken.sol";
import {ISwanMarket} from "../../src/interfaces/ISwanMarket.sol";
import {ISwanRegistry} from "../../src/interfaces/ISwanRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Shared fixture: a token, a market (and the registry it deploys) with one keeper, three
/// funded providers that accept every mode, a funded submitter, and helpers that drive a task
/// through its lifecycle.
abstract contract Base is Test {
    DevToken internal token;
    SwanMarket internal market;
    SwanRegistry internal registry;

    address internal admin = makeAddr("admin");
    address internal pauserAddr = makeAddr("pauser");
    address internal keeper = makeAddr("keeper");
    address internal treasury = makeAddr("treasury");
    address internal alice = makeAddr("alice"); // submitter
    address internal stranger = makeAddr("stranger");

    address[3] internal owners;
    address[3] internal workers;
    address[3] internal beneficiaries;

    uint16 internal constant FEE_BPS = 500; // 5 %
    uint16 internal constant BOUNTY_BPS = 500; // 5 %
    uint96 internal constant MIN_COLLATERAL = 100 ether;
    uint32 internal constant UNBONDING = 7 days;
    uint256 internal constant ADMIN_DELAY = 2 days;
    uint8 internal constant ALL_MODES = 0xf;

    uint96 internal constant PRICE = 10 ether;
    uint16 internal constant COLLATERAL_PCT = 200; // providers lock 2x the price
    uint96 internal constant COLLATERAL = 20 ether; // = PRICE x 200 %

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new DevToken();
        address[] memory keepers = new address[](1);
        keepers[0] = keeper;
        market = new SwanMarket(IERC20(address(token)), admin, pauserAddr, keepers, _params(), ADMIN_DELAY);
        registry = SwanRegistry(address(market.registry()));
        for (uint256 i; i < 3; ++i) {
            owners[i] = makeAddr(string.concat("owner", vm.toString(i)));
            workers[i] = makeAddr(string.concat("worker", vm.toString(i)));
            beneficiaries[i] = makeAddr(string.concat("beneficiary", vm.toString(i)));
            _registerAndStake(owners[i], workers[i], beneficiaries[i], 1000 ether);
        }
        token.mint(alice, 1_000_000 ether);
        vm.prank(alice);
        token.approve(address(market), type(uint256).max);
    }

    function _params() internal view returns (ISwanRegistry.Params memory) {
        return ISwanRegistry.Params({
            feeBps: FEE_BPS,
            bountyBps: BOUNTY_BPS,
            treasury: treasury,
            minCollateral: MIN_COLLATERAL,
            unbondingDelay: UNBONDING
        });
    }

    /// @dev Terms that accept every mode, any price, and up to 1,000 tokens of collateral.
    function _openTerms() internal pure returns (ISwanRegistry.Terms memory) {
        return ISwanRegistry.Terms({maxCollateral: 1000 ether, minPrice: 0, minRate: 0, modes: ALL_MODES});
    }

    function _info(address worker, address beneficiary) internal pure returns (ISwanRegistry.ProviderInfo memory) {
        return _infoWith(worker, beneficiary, _openTerms());
    }

    function _infoWith(address worker, address beneficiary, ISwanRegistry.Terms memory terms)
        internal
        pure
        returns (ISwanRegistry.ProviderInfo memory)
    {
        return ISwanRegistry.ProviderInfo({
            worker: worker,
            beneficiary: beneficiary,
            resources: ISwanRegistry.Resources({
                cpuCores: 32, memoryGiB: 128, storageGiB: 2000, gpuCount: 2, gpuMemoryGiB: 80, gpuModel: "A100-80G"
            }),
            prices: ISwanRegistry.Prices({
                perCpuHour: 0.01 ether,
                perGiBMemoryHour: 0.001 ether,
                perGpuHour: 1 ether,
                perGiBStorageHour: 0.0001 ether
            }),
            region: "us-east",
            terms: terms,
            metadataURI: "https://provider.example/meta.json"
        });
    }

    function _registerAndStake(address owner, address worker, address beneficiary, uint256 stake) internal {
        vm.startPrank(owner);
        registry.registerProvider(_info(worker, beneficiary));
        token.mint(owner, stake);
        token.approve(address(registry), type(uint256).max);
        registry.depositCollateral(stake);
        vm.stopPrank();
    }

    /// @dev Change a provider's terms, keeping its keys.
    function _setTerms(uint256 i, ISwanRegistry.Terms memory terms) internal {
        vm.prank(owners[i]);
        registry.updateProvider(_infoWith(workers[i], beneficiaries[i], terms));
    }

    function _request(ISwanMarket.Mode mode, uint8 replicas) internal view returns (ISwanMarket.TaskRequest memory r) {
        r.mode = mode;
        r.replicas = replicas;
        r.price = PRICE;
        r.collateralPct = COLLATERAL_PCT;
        r.paramsVersion = market.paramsVersion();
        r.assignBy = uint32(vm.getBlockTimestamp() + 1 hours);
        r.resultBy = uint32(vm.getBlockTimestamp() + 3 hours);
        r.settleBy = uint32(vm.getBlockTimestamp() + 4 hours);
        r.specHash = keccak256("spec");
        r.specURI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
        r.requirements.cpuCores = 8;
        r.region = "us-east";
        if (mode == ISwanMarket.Mode.Quorum) r.quorum = uint8(replicas / 2 + 1);
        if (mode == ISwanMarket.Mode.KnownAnswer) r.answerCommit = keccak256(abi.encode(ANSWER, SALT));
        if (mode == ISwanMarket.Mode.ServiceHealth) {
            r.resultBy = 1 days; // duration
            r.settleBy = 0;
            r.price = 0.001 ether; // per second
        }
    }

    bytes32 internal constant ANSWER = keccak256("the answer");
    bytes32 internal constant SALT = keccak256("salt");

    function _idOf(address submitter, uint256 n) internal pure returns (uint256) {
        return uint256(uint160(submitter)) << 96 | n;
    }

    function _create(ISwanMarket.TaskRequest memory r) internal returns (uint256 id) {
        vm.prank(alice);
        id = market.createTask(r);
    }

    function _providers(uint256 k) internal view returns (address[] memory ps, uint256[] memory prices) {
        ps = new address[](k);
        prices = new uint256[](k);
        for (uint256 i; i < k; ++i) {
            ps[i] = owners[i];
            prices[i] = PRICE;
        }
    }

    function _assignAll(uint256 id, uint256 k, uint256 price) internal {
        (address[] memory ps, uint256[] memory prices) = _providers(k);
        for (uint256 i; i < k; ++i) {
            prices[i] = price;
        }
        vm.prank(keeper);
        market.assign(id, ps, prices);
    }

    /// @dev A task of `mode` with `k` replicas, created by alice and assigned to the first `k`
    /// providers at PRICE.
    function _assigned(ISwanMarket.Mode mode, uint8 k) internal returns (uint256 id) {
        id = _create(_request(mode, k));
        _assignAll(id, k, PRICE);
    }

    /// @dev The keeper's verdict on a keeper-attested task: bit i of `passed` for replica i.
    function _settle(uint256 id, uint256 passed) internal {
        vm.prank(keeper);
        market.settle(id, passed);
    }

    function _submit(uint256 id, uint256 i, bytes32 result) internal {
        vm.prank(workers[i]);
        market.submitResult(id, i, result, "ipfs://result");
    }

    /// @dev Commit with the market's own formula (the manual's: keccak256(abi.encode(id, i, result, salt))).
    function _commit(uint256 id, uint256 i, bytes32 result, bytes32 salt) internal {
        vm.prank(workers[i]);
        market.submitResult(id, i, keccak256(abi.encode(id, i, result, salt)), "");
    }

    function _reveal(uint256 id, uint256 i, bytes32 result, bytes32 salt) internal {
        vm.prank(workers[i]);
        market.revealResult(id, i, result, salt, "ipfs://revealed");
    }

    function _status(uint256 id) internal view returns (ISwanMarket.TaskStatus) {
        return market.getTask(id).status;
    }

    function _replicaStatus(uint256 id, uint256 i) internal view returns (ISwanMarket.ReplicaStatus) {
        return market.getReplica(id, i).status;
    }

    function _stake(uint256 i) internal view returns (uint256) {
        return registry.stakeOf(owners[i]);
    }

    function _account(uint256 i) internal view returns (ISwanMarket.Account memory) {
        return market.getAccount(owners[i]);
    }

    function _fee(uint256 amount) internal pure returns (uint256) {
        return amount * FEE_BPS / 10_000;
    }

    /// @dev Schedule and apply new parameters through governance, waiting the real delay.
    function _governParams(ISwanRegistry.Params memory p) internal {
        vm.prank(admin);
        registry.scheduleParams(p);
        vm.warp(vm.getBlockTimestamp() + ADMIN_DELAY);
        registry.applyParams();
    }
}
