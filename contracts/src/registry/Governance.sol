// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanRegistry} from "../interfaces/ISwanRegistry.sol";
import {RegistryBase} from "./RegistryBase.sol";

/// @title Governance — roles and parameters, pushed to the market
/// @notice The admin can only schedule: parameters and keeper grants wait `adminDelay` (at least
/// a day) before anyone can apply them, and lapse if nobody does within `GRACE`. Applying pushes
/// them to the market, where a new parameter version applies only to tasks created under it.
/// Revoking a keeper is immediate (a safety action). The pauser stops new tasks and assignments
/// and nothing else. No role can move escrowed funds. Keepers are never providers nor the treasury.
abstract contract Governance is RegistryBase {
    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin();
        _;
    }

    /// @dev Version 1: the roles and parameters the market starts with (the market copies them in
    /// its own constructor; it cannot be called while it is being deployed).
    function _initGovernance(address admin_, address pauser_, address[] memory keepers, Params memory params) internal {
        if (admin_ == address(0) || pauser_ == address(0)) revert ZeroAddress();
        _admin = admin_;
        _pauser = pauser_;
        emit AdminChanged(admin_);
        emit PauserSet(pauser_);
        for (uint256 i; i < keepers.length; ++i) {
            // no provider exists yet: this registry is being deployed
            if (keepers[i] == address(0)) revert ZeroAddress();
            _keepers[keepers[i]] = true;
            emit KeeperSet(keepers[i], true);
        }
        _validateParams(params);
        _current = params;
        emit ParamsApplied(1, params);
    }

    function _validateParams(Params memory p) internal view {
        if (p.treasury == address(0)) revert ZeroAddress();
        if (p.treasury == address(_market) || p.treasury == address(this)) revert ParamOutOfRange();
        if (_keepers[p.treasury]) revert KeeperCannotProvide(p.treasury);
        if (p.feeBps > MAX_FEE_BPS || p.bountyBps > MAX_BOUNTY_BPS) revert ParamOutOfRange();
        if (p.unbondingDelay > MAX_UNBONDING_DELAY) revert ParamOutOfRange();
    }

    /// @dev Revert unless `eta` names a schedule whose window [eta, eta + GRACE] is open now.
    function _checkWindow(uint256 eta) private view {
        // slither-disable-next-line incorrect-equality -- zero means "nothing scheduled", not a time
        if (eta == 0 || block.timestamp < eta) revert NotReady(eta);
        if (block.timestamp > eta + GRACE) revert ScheduleExpired(eta + GRACE);
    }

    /// @inheritdoc ISwanRegistry
    function scheduleParams(Params calldata params) external onlyAdmin {
        _validateParams(params);
        uint256 eta = block.timestamp + _adminDelay;
        _scheduled = params;
        _scheduledEta = eta;
        emit ParamsScheduled(params, eta);
    }

    /// @inheritdoc ISwanRegistry
    function cancelParams() external onlyAdmin {
        // slither-disable-next-line incorrect-equality -- zero means "nothing scheduled", not a time
        if (_scheduledEta == 0) revert NotReady(0);
        delete _scheduled;
        delete _scheduledEta;
        emit ParamsCancelled();
    }

    /// @inheritdoc ISwanRegistry
    function applyParams() external {
        _checkWindow(_scheduledEta);
        Params memory p = _scheduled;
        // the keeper set may have changed since the schedule
        _validateParams(p);
        delete _scheduled;
        delete _scheduledEta;
        _current = p;
        uint16 version = _market.setParams(p);
        emit ParamsApplied(version, p);
    }

    /// @inheritdoc ISwanRegistry
    function scheduleKeeper(address keeper) external onlyAdmin {
        if (keeper == address(0)) revert ZeroAddress();
        uint256 eta = block.timestamp + _adminDelay;
        _keeperEta[keeper] = eta;
        emit KeeperScheduled(keeper, eta);
    }

    /// @inheritdoc ISwanRegistry
    function applyKeeper(address keeper) external {
        _checkWindow(_keeperEta[keeper]);
        if (_isProviderAddress(keeper) || keeper == _current.treasury) revert KeeperCannotProvide(keeper);
        delete _keeperEta[keeper];
        _keepers[keeper] = true;
        emit KeeperSet(keeper, true);
        _market.setKeeper(keeper, true);
    }

    /// @inheritdoc ISwanRegistry
    function revokeKeeper(address keeper) external onlyAdmin {
        delete _keeperEta[keeper];
        _keepers[keeper] = false;
        emit KeeperSet(keeper, false);
        _market.setKeeper(keeper, false);
    }

    /// @inheritdoc ISwanRegistry
    function setPauser(address pauser_) external onlyAdmin {
        if (pauser_ == address(0)) revert ZeroAddress();
        _pauser = pauser_;
        emit PauserSet(pauser_);
    }

    /// @inheritdoc ISwanRegistry
    function setPaused(bool paused_) external {
        if (msg.sender != _pauser) revert NotPauser();
        emit PausedSet(paused_);
        _market.setPaused(paused_);
    }

    /// @inheritdoc ISwanRegistry
    function proposeAdmin(address newAdmin) external onlyAdmin {
        if (newAdmin == address(0)) revert ZeroAddress();
        _pendingAdmin = newAdmin;
        emit AdminProposed(newAdmin);
    }

    /// @inheritdoc ISwanRegistry
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert NotPendingAdmin();
        _admin = msg.sender;
        delete _pendingAdmin;
        emit AdminChanged(msg.sender);
    }

    function _isProviderAddress(address account) internal view returns (bool) {
        return _providers[account].status != ProviderStatus.None || _linked[account] != 0;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISwanRegistry
    function isKeeper(address account) external view returns (bool) {
        return _keepers[account];
    }

    /// @inheritdoc ISwanRegistry
    function currentParams() external view returns (Params memory) {
        return _current;
    }

    /// @inheritdoc ISwanRegistry
    function scheduledParams() external view returns (Params memory params, uint256 eta) {
        return (_scheduled, _scheduledEta);
    }

    /// @inheritdoc ISwanRegistry
    function keeperEta(address keeper) external view returns (uint256) {
        return _keeperEta[keeper];
    }

    /// @inheritdoc ISwanRegistry
    function admin() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc ISwanRegistry
    function pauser() external view returns (address) {
        return _pauser;
    }

    /// @inheritdoc ISwanRegistry
    function adminDelay() external view returns (uint256) {
        return _adminDelay;
    }
}
