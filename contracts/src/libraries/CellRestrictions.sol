// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CellRestrictions
/// @notice Bits a parent sets on a child cell (`setRestrictions`) to take actions away from the child's
/// own admin. A restricted action stays available to authority from above (the parent's admins), so
/// restricting never locks an action away for good.
library CellRestrictions {
    /// @notice The cell's admin may not create sub-cells under it.
    uint16 internal constant CREATE_SUBCELLS = 1 << 0;
    /// @notice The cell's admin may not change the cell's phase (advance or dissolve).
    uint16 internal constant CHANGE_OWN_PHASE = 1 << 1;
    /// @notice The cell's admin may not write state documents or rename the cell.
    uint16 internal constant SET_STATE = 1 << 2;
    /// @notice The cell's admin may not propose or accept partnerships for the cell.
    uint16 internal constant PARTNERSHIPS = 1 << 3;
    /// @notice Every defined bit; others are rejected.
    uint16 internal constant ALL = CREATE_SUBCELLS | CHANGE_OWN_PHASE | SET_STATE | PARTNERSHIPS;
}
