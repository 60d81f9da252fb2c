// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StreamsFixture} from "../utils/StreamsFixture.sol";

/// @notice Whole-transaction gas of role payment streams, run with `forge test --isolate` (each top-level
/// call its own transaction, storage cold after setUp), side by side with the budgeted ERC-20 spend it is
/// measured against, in the same suite on the same Safe, token and budget.
///
/// The claim figures are steady state: the wearers already hold the token and have claimed before (their
/// accrual slot is non-zero), as the spend's recipient already holds the token. The first claim of a
/// wearer writes a fresh accrual slot (~17k more), shown separately.
contract RoleStreamsGasTest is StreamsFixture {
    uint256 internal constant MANY = 10;
    uint256 internal id;
    address[] internal wearers;

    function setUp() public override {
        super.setUp();
        id = _open(opsRole);
        for (uint256 i; i < MANY; ++i) {
            address w = address(uint160(0xA000 + i));
            wearers.push(w);
            _mint(opsRole, w);
        }
        _mint(opsRole, w1);
        vm.warp(block.timestamp + 1 hours);
        // Every wearer has claimed once (and so holds the token); w1 has not.
        streams.claimMany(id, wearers);
        token.mint(recipient, 1); // the spend's recipient already holds the token too
        vm.warp(block.timestamp + 1 hours);
    }

    function test_gas_reference_spend_erc20_fundedRecipient() public {
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 100e18, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("reference_treasury_spend_erc20_fundedRecipient");
    }

    function test_gas_open() public {
        vm.prank(alice);
        streams.open(cellA, devRole, address(token), RATE, WEEK, 0, 0);
        vm.snapshotGasLastCall("streams_open");
    }

    function test_gas_claim_one() public {
        vm.prank(anyone);
        uint256 paid = streams.claim(id, wearers[0]);
        vm.snapshotGasLastCall("streams_claim_one_fundedRecipient");
        assertGt(paid, 0);
    }

    function test_gas_claim_one_firstClaim() public {
        token.mint(w1, 1);
        vm.prank(anyone);
        uint256 paid = streams.claim(id, w1);
        vm.snapshotGasLastCall("streams_claim_one_firstClaim_fundedRecipient");
        assertGt(paid, 0);
    }

    function test_gas_claimMany() public {
        vm.prank(anyone);
        uint256 paid = streams.claimMany(id, wearers);
        vm.snapshotGasLastCall("streams_claimMany_10_fundedRecipients");
        assertGt(paid, 0);
    }

    function test_gas_setRate() public {
        vm.prank(alice);
        streams.setRate(id, RATE * 2);
        vm.snapshotGasLastCall("streams_setRate");
    }

    function test_gas_close() public {
        vm.prank(alice);
        streams.close(id);
        vm.snapshotGasLastCall("streams_close");
    }
}
