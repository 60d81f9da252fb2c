// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title StateKeys
/// @notice The standard keys of a cell's state documents (the guide's "Group State Documentation").
/// A key is the document's name as left-aligned ASCII in a bytes32 (`bytes32("charter")`), so events
/// and CLIs show it readably; any other bytes32 is a valid custom key. The decision registry is not a
/// document: it has its own function (`recordDecision`) and events.
library StateKeys {
    /// @notice Governance charter: foundational purpose, principles and structure.
    bytes32 internal constant CHARTER = "charter";
    /// @notice Purpose: why the cell exists, the outcomes it owns.
    bytes32 internal constant PURPOSE = "purpose";
    /// @notice Policies: explicit guidelines for behaviour (codes of conduct, conflict resolution).
    bytes32 internal constant POLICIES = "policies";
    /// @notice Role descriptions: responsibilities and permissions of the cell's roles.
    bytes32 internal constant ROLE_DESCRIPTIONS = "role-descriptions";
    /// @notice Process map: the cell's key governance processes.
    bytes32 internal constant PROCESS_MAP = "process-map";
    /// @notice Participation guidelines: how to engage with the cell's governance.
    bytes32 internal constant PARTICIPATION_GUIDELINES = "participation-guidelines";
    /// @notice Impact model (theory of change): how the cell's work produces measurable change.
    bytes32 internal constant IMPACT_MODEL = "impact-model";
    /// @notice Decision mechanisms: how decisions are made at each scale.
    bytes32 internal constant DECISION_MECHANISMS = "decision-mechanisms";
    /// @notice Proposal mechanisms: formats and channels through which proposals are sourced.
    bytes32 internal constant PROPOSAL_MECHANISMS = "proposal-mechanisms";
    /// @notice Resource allocation records (the off-chain narrative; budgets themselves live in the treasury).
    bytes32 internal constant RESOURCE_ALLOCATION = "resource-allocation";
}
