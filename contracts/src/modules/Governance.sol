// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISwanMarket} from "../interfaces/ISwanMarket.sol";
import {MarketBase} from "./MarketBase.sol";

/// @title Governance — roles and parameters
/// @notice The admin can only schedule: parameters and keeper grants wait `adminDelay` before
/// anyone can apply them, and a new parameter version applies only to tasks created after it.
/// Revoking a keeper is immediate (a safety action). The pauser stops new tasks and assignments
/// and nothing else. No role can move escrowed funds.
abstract contract Governance is MarketBase {
    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin();
        _;
    }

    function _initGovernance(address admin_, address pauser_, address[] memory keepers, Params memory params) internal {
        if (admin_ == address(0) || pauser_ == address(0)) revert ZeroAddress();
        _admin = admin_;
        _pauser = pauser_;
        emit AdminChanged(admin_);
        emit PauserSet(pauser_);
        for (uint256 i; i < keepers.length; ++i) {
            if (keepers[i] == address(0)) revert ZeroAddress();
            _keepers[keepers[i]] = true;
            emit KeeperSet(keepers[i], true);
        }
        _setParams(params);
    }

    function _validateParams(Params memory p) internal pure {
        if (p.treasury == address(0)) revert ZeroAddress();
        if (p.feeBps > MAX_FEE_BPS || p.bountyBps > MAX_BOUNTY_BPS) revert ParamOutOfRange();
        if (uint256(p.slashToSubmitterBps) + p.bountyBps > BPS) revert ParamOutOfRange();
        if (p.unbondingDelay > MAX_UNBONDING_DELAY) revert ParamOutOfRange();
    }

    function _setParams(Params memory p) private {
        _validateParams(p);
        uint16 version = _paramsVersion;
        if (version == type(uint16).max) revert ParamOutOfRange();
        version += 1;
        _paramsVersion = version;
        _params[version] = p;
        _feeBps = p.feeBps;
        _minCollateral = p.minCollateral;
        _unbondingDelay = p.unbondingDelay;
        emit ParamsApplied(version, p);
    }

    /// @inheritdoc ISwanMarket
    function scheduleParams(Params calldata params) external onlyAdmin {
        _validateParams(params);
        uint256 eta = block.timestamp + adminDelay;
        _scheduledParams = params;
        _scheduledParamsEta = eta;
        emit ParamsScheduled(params, eta);
    }

    /// @inheritdoc ISwanMarket
    function applyParams() external {
        uint256 eta = _scheduledParamsEta;
        // slither-disable-next-line incorrect-equality -- zero means "nothing scheduled", not a time
        if (eta == 0 || block.timestamp < eta) revert NotReady(eta);
        Params memory p = _scheduledParams;
        delete _scheduledParams;
        delete _scheduledParamsEta;
        _setParams(p);
    }

    /// @inheritdoc ISwanMarket
    function scheduleKeeper(address keeper) external onlyAdmin {
        if (keeper == address(0)) revert ZeroAddress();
        uint256 eta = block.timestamp + adminDelay;
        _keeperEta[keeper] = eta;
        emit KeeperScheduled(keeper, eta);
    }

    /// @inheritdoc ISwanMarket
    function applyKeeper(address keeper) external {
        uint256 eta = _keeperEta[keeper];
        // slither-disable-next-line incorrect-equality -- zero means "nothing scheduled", not a time
        if (eta == 0 || block.timestamp < eta) revert NotReady(eta);
        delete _keeperEta[keeper];
        _keepers[keeper] = true;
        emit KeeperSet(keeper, true);
    }

    /// @inheritdoc ISwanMarket
    function revokeKeeper(address keeper) external onlyAdmin {
        delete _keeperEta[keeper];
        _keepers[keeper] = false;
        emit KeeperSet(keeper, false);
    }

    /// @inheritdoc ISwanMarket
    function setPauser(address pauser_) external onlyAdmin {
        if (pauser_ == address(0)) revert ZeroAddress();
        _pauser = pauser_;
        emit PauserSet(pauser_);
    }

    /// @inheritdoc ISwanMarket
    function setPaused(bool paused_) external {
        if (msg.sender != _pauser) revert NotPauser();
        _paused = paused_;
        emit PausedSet(paused_);
    }

    /// @inheritdoc ISwanMarket
    function proposeAdmin(address newAdmin) external onlyAdmin {
        if (newAdmin == address(0)) revert ZeroAddress();
        _pendingAdmin = newAdmin;
        emit AdminProposed(newAdmin);
    }

    /// @inheritdoc ISwanMarket
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert NotPendingAdmin();
        _admin = msg.sender;
        delete _pendingAdmin;
        emit AdminChanged(msg.sender);
    }
}
