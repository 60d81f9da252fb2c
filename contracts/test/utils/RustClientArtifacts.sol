// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Makes `forge build` compile the Safe 1.4.1 singletons (Safe, and SafeL2, which logs every owners'
// transaction's call for the audit), proxy factory, fallback handler and
// MultiSendCallOnly (delegatecalled by Safe.setup to enable the treasury module), so that
// script/export-artifacts.sh can copy them into crates/bindings/artifacts for the deploy tool
// (which deploys both deterministically on dev chains) and daoctl.
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {SafeL2} from "@safe-global/safe-contracts/contracts/SafeL2.sol";
import {
    CompatibilityFallbackHandler
} from "@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol";
import {MultiSendCallOnly} from "@safe-global/safe-contracts/contracts/libraries/MultiSendCallOnly.sol";
import {SafeProxyFactory} from "@safe-global/safe-contracts/contracts/proxies/SafeProxyFactory.sol";
