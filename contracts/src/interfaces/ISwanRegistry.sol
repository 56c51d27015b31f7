// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ISwanRegistry — the manual for computing providers and governance
/// @notice The registry holds who is who and the rules: the providers (what they offer, the terms
/// they agree to, the books of their collateral), the keepers, the pauser, the admin and the
/// parameter versions. It is deployed by the market (`ISwanMarket.registry()`), which is the only
/// contract that writes to it, pushing keeper grants, parameters and pauses. A provider is its owner address; its **worker** key submits
/// results and its **beneficiary** receives earnings (both can be changed at any time, also after
/// exit, so that nothing owed to a provider can be stranded).
///
/// Consent. A provider's collateral can only be locked by a task whose terms it accepted on chain
/// beforehand (`Terms`): a price at or above its floor, a collateral at or below its limit, and a
/// verification mode it accepts. The market checks them at every assignment; changing them never
/// touches tasks already assigned.
///
/// Collateral: deposit (`depositCollateral`; the tokens go to the market, the one vault), then
/// two-step withdrawal (`requestWithdrawal`, then
/// `withdrawCollateral` after the unbonding delay). Collateral that is unbonding can still be
/// slashed for the tasks it was locked for; collateral locked by running tasks cannot leave.
///
/// Keepers and providers are disjoint: no keeper address can be a provider's owner, worker or
/// beneficiary, and no such address (nor the treasury) can be granted the keeper role.
///
/// Governance. The admin can only schedule: parameters and keeper grants wait `adminDelay` (one
/// to thirty days) and lapse if nobody applies them within `GRACE`; the admin can withdraw a
/// schedule. A new parameter version applies only to tasks created under it (a creator names the
/// version it signs up for). Revoking a keeper is immediate (a safety action). The pauser stops new
/// tasks and assignments and nothing else. No role can move escrowed funds.
interface ISwanRegistry {
    // ------------------------------------------------------------------ types

    /// @notice A provider's state. Only `Active` providers can be assigned new tasks.
    enum ProviderStatus {
        None,
        Active,
        Paused,
        Exited
    }

    /// @notice Compute resources, as offered by a provider or required by a task.
    struct Resources {
        uint32 cpuCores;
        uint32 memoryGiB;
        uint32 storageGiB;
        uint32 gpuCount;
        uint32 gpuMemoryGiB;
        bytes32 gpuModel; // e.g. "A100-80G" as bytes32; zero = any / none
    }

    /// @notice A provider's prices per resource-hour, in token units (emitted, not stored).
    struct Prices {
        uint96 perCpuHour;
        uint96 perGiBMemoryHour;
        uint96 perGpuHour;
        uint96 perGiBStorageHour;
    }

    /// @notice The terms a provider agrees to. No assignment outside them can lock its collateral.
    struct Terms {
        uint96 maxCollateral; // the most collateral one replica may lock
        uint88 minPrice; // batch tasks: the least agreed price per replica
        uint72 minRate; // service tasks: the least agreed price per second
        uint8 modes; // bit i set: accepts verification mode i (ISwanMarket.Mode); 0 accepts nothing
    }

    /// @notice What a provider registers: the keys and terms are stored, the offer is emitted.
    struct ProviderInfo {
        address worker; // hot key: submits results
        address beneficiary; // receives earnings
        Resources resources;
        Prices prices;
        bytes32 region; // e.g. "us-east" as bytes32
        Terms terms;
        string metadataURI; // endpoint and anything else off-chain readers need
    }

    /// @notice Governance parameters. Every rate is capped in code.
    struct Params {
        uint16 feeBps; // protocol fee on each payout (<= MAX_FEE_BPS; 0 allowed)
        uint16 bountyBps; // share of a no-show's slash paid to whoever expires it (<= MAX_BOUNTY_BPS)
        address treasury; // receives fees and slashes; never a keeper
        uint96 minCollateral; // providers whose bonded stake is below this take no new tasks
        uint32 unbondingDelay; // seconds between requestWithdrawal and withdrawCollateral (<= 30 days)
    }

    /// @notice A provider's stored record (four slots, ordered by what an assignment reads). Its
    /// stake is `deposited` minus what the market slashed (`ISwanMarket.Account.slashedTotal`):
    /// a slash is the market's bookkeeping and touches nothing here (`stakeOf`).
    struct Provider {
        address worker;
        ProviderStatus status;
        uint8 modes; // Terms.modes
        uint32 registeredAt;
        uint96 deposited; // deposited and not withdrawn (the stake plus what was slashed)
        uint96 unbonding; // requested for withdrawal (still slashable until withdrawn; may exceed a slashed stake)
        uint32 releaseAt; // when `unbonding` can be withdrawn
        uint96 maxCollateral; // Terms.maxCollateral
        uint88 minPrice; // Terms.minPrice
        uint72 minRate; // Terms.minRate
        address beneficiary;
    }

    // ------------------------------------------------------------------ errors

    /// @notice The address is not a registered provider owner.
    error UnknownProvider(address provider);
    /// @notice The caller is already registered.
    error AlreadyRegistered();
    /// @notice The provider has exited (it can still change its keys and withdraw).
    error ProviderExited();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice An amount was zero.
    error AmountTooSmall();
    /// @notice An amount exceeds what the record can hold.
    error AmountTooLarge();
    /// @notice The terms name a mode that does not exist.
    error InvalidTerms();
    /// @notice `amount` exceeds the stake that is not already unbonding (`bonded`).
    error InsufficientStake(uint256 bonded, uint256 amount);
    /// @notice Collateral is still unbonding until `releaseAt`.
    error StillUnbonding(uint256 releaseAt);
    /// @notice Nothing can be withdrawn now (nothing unbonding, or all of it still locked).
    error NothingToWithdraw();
    /// @notice A keeper address cannot be a provider's owner, worker or beneficiary (nor the
    /// treasury), and such an address cannot become a keeper.
    error KeeperCannotProvide(address account);
    /// @notice The caller is not the admin.
    error NotAdmin();
    /// @notice The caller is not the pauser.
    error NotPauser();
    /// @notice The caller is not the pending admin.
    error NotPendingAdmin();
    /// @notice A parameter is outside its hard-coded range.
    error ParamOutOfRange();
    /// @notice Nothing is scheduled, or its delay has not elapsed yet (`readyAt`).
    error NotReady(uint256 readyAt);
    /// @notice The scheduled change was not applied in time and lapsed at `expiredAt`.
    error ScheduleExpired(uint256 expiredAt);

    // ------------------------------------------------------------------ events

    /// @notice A provider registered (`update` false) or changed its offer, keys or terms.
    event ProviderRegistered(address indexed provider, ProviderInfo info, bool update);
    /// @notice A provider paused, resumed or exited.
    event ProviderStatusChanged(address indexed provider, ProviderStatus status);
    /// @notice Collateral was deposited; `stake` is the new stake (deposits − withdrawals − slashes).
    event CollateralDeposited(address indexed provider, uint256 amount, uint256 stake);
    /// @notice Collateral started unbonding; `unbonding` is the new total, `releaseAt` its time.
    event WithdrawalRequested(address indexed provider, uint256 amount, uint256 unbonding, uint256 releaseAt);
    /// @notice Unbonded collateral left the market's vault to `to`; `stake` is the new stake.
    /// (Slashes are the market's `ReplicaSlashed`: they lower the stake by `slashed`.)
    event CollateralWithdrawn(address indexed provider, address indexed to, uint256 amount, uint256 stake);

    /// @notice A parameter change was scheduled; it can be applied from `eta` until `eta + GRACE`.
    event ParamsScheduled(Params params, uint256 eta);
    /// @notice The scheduled parameter change was withdrawn by the admin.
    event ParamsCancelled();
    /// @notice A new parameter version is in force in the market for tasks created from now on.
    event ParamsApplied(uint16 indexed version, Params params);
    /// @notice A keeper grant was scheduled (it can be applied from `eta` until `eta + GRACE`).
    event KeeperScheduled(address indexed keeper, uint256 eta);
    /// @notice A keeper was granted or revoked (or its pending grant withdrawn).
    event KeeperSet(address indexed keeper, bool enabled);
    /// @notice The pauser changed.
    event PauserSet(address indexed pauser);
    /// @notice An admin transfer was proposed.
    event AdminProposed(address indexed pendingAdmin);
    /// @notice The admin changed.
    event AdminChanged(address indexed admin);
    /// @notice New tasks and assignments were paused or resumed.
    event PausedSet(bool paused);

    // ------------------------------------------------------------------ providers

    /// @notice Register the caller as a provider (status Active) with its keys, offer and terms.
    function registerProvider(ProviderInfo calldata info) external;
    /// @notice Replace the caller's keys, offer and terms (also after exit: keys and terms only
    /// matter for tasks still running).
    function updateProvider(ProviderInfo calldata info) external;
    /// @notice Stop (true) or resume (false) taking new tasks.
    function setProviderPaused(bool paused) external;
    /// @notice Leave for good; running tasks continue; collateral can still be withdrawn.
    function exitProvider() external;

    // ------------------------------------------------------------------ collateral

    /// @notice Add `amount` tokens (pulled with transferFrom) to the caller's stake.
    function depositCollateral(uint256 amount) external;
    /// @notice Start unbonding `amount` of stake; it stays slashable until withdrawn.
    function requestWithdrawal(uint256 amount) external;
    /// @notice After the unbonding delay, send the unbonded collateral that no task locks to `to`.
    function withdrawCollateral(address to) external;

    // ------------------------------------------------------------------ governance

    /// @notice Schedule new parameters (admin); they can be applied from now + adminDelay for GRACE.
    function scheduleParams(Params calldata params) external;
    /// @notice Withdraw the scheduled parameters (admin).
    function cancelParams() external;
    /// @notice Put the scheduled parameters in force in the market (anyone, inside their window).
    function applyParams() external;
    /// @notice Schedule a keeper grant (admin).
    function scheduleKeeper(address keeper) external;
    /// @notice Put a scheduled keeper grant in force (anyone, inside its window). Refused for a
    /// provider's address or the treasury.
    function applyKeeper(address keeper) external;
    /// @notice Revoke a keeper, or withdraw its pending grant, at once (admin).
    function revokeKeeper(address keeper) external;
    /// @notice Set the pauser (admin).
    function setPauser(address pauser) external;
    /// @notice Pause or resume new tasks and assignments in the market (pauser). Never blocks
    /// refunds, withdrawals, settlement or expiry.
    function setPaused(bool paused) external;
    /// @notice Propose a new admin (admin); it takes over by calling `acceptAdmin`.
    function proposeAdmin(address newAdmin) external;
    /// @notice Accept the admin role (the pending admin).
    function acceptAdmin() external;

    // ------------------------------------------------------------------ views

    /// @notice The market this registry belongs to.
    function market() external view returns (address);
    /// @notice The collateral token (the market's token).
    function token() external view returns (address);
    /// @notice A provider's record.
    function getProvider(address provider) external view returns (Provider memory);
    /// @notice What an assignment needs in one read: status, accepted modes, deposited and
    /// unbonding collateral (the market subtracts its slashes), and the terms.
    function assignable(address provider)
        external
        view
        returns (
            ProviderStatus status,
            uint8 modes,
            uint256 deposited,
            uint256 unbonding,
            uint256 maxCollateral,
            uint256 minPrice,
            uint256 minRate
        );
    /// @notice A provider's stake: deposited, not withdrawn, not slashed (free + locked + unbonding).
    function stakeOf(address provider) external view returns (uint256);
    /// @notice The worker key of a provider (zero if unknown).
    function workerOf(address provider) external view returns (address);
    /// @notice The beneficiary of a provider (zero if unknown).
    function beneficiaryOf(address provider) external view returns (address);
    /// @notice Whether `account` is a provider's owner, worker or beneficiary.
    function isProviderAddress(address account) external view returns (bool);
    /// @notice Whether `account` is a keeper (as pushed to the market).
    function isKeeper(address account) external view returns (bool);
    /// @notice The parameters currently in force (the market holds every version).
    function currentParams() external view returns (Params memory);
    /// @notice The scheduled parameters and when they can be applied (eta 0: nothing scheduled).
    function scheduledParams() external view returns (Params memory params, uint256 eta);
    /// @notice When a scheduled keeper grant can be applied (0: none).
    function keeperEta(address keeper) external view returns (uint256);
    /// @notice The admin.
    function admin() external view returns (address);
    /// @notice The pauser.
    function pauser() external view returns (address);
    /// @notice Seconds every governance change waits.
    function adminDelay() external view returns (uint256);
}
