// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";

/// @notice The packed form of signed ballots that `castVotesPacked` reads (layout in ICellGovernor):
/// consecutive ballots on one proposal share a run; nonce and deadline in their fewest big-endian bytes.
/// The same encoding as daoctl's (crates/cli/src/cmd/proposal.rs).
library PackedBallots {
    function encode(ICellGovernor.SignedBallot[] memory ballots) internal pure returns (bytes memory packed) {
        uint256 i;
        while (i < ballots.length) {
            uint256 j = i + 1;
            while (j < ballots.length && ballots[j].proposalId == ballots[i].proposalId) ++j;
            packed = abi.encodePacked(packed, ballots[i].proposalId, uint16(j - i));
            for (; i < j; ++i) {
                packed = abi.encodePacked(packed, encodeBallot(ballots[i]));
            }
        }
    }

    function encodeBallot(ICellGovernor.SignedBallot memory b) internal pure returns (bytes memory) {
        bytes memory nonce = minimal(b.nonce);
        bytes memory deadline = minimal(b.deadline);
        return abi.encodePacked(
            b.voter,
            b.support,
            uint8(nonce.length),
            nonce,
            uint8(deadline.length),
            deadline,
            uint16(bytes(b.reason).length),
            b.reason,
            uint16(b.signature.length),
            b.signature
        );
    }

    /// @dev `value` big-endian without leading zero bytes (0 is no byte at all).
    function minimal(uint256 value) internal pure returns (bytes memory out) {
        uint256 length;
        for (uint256 v = value; v != 0; v >>= 8) {
            ++length;
        }
        out = new bytes(length);
        for (uint256 k; k < length; ++k) {
            out[length - 1 - k] = bytes1(uint8(value >> (8 * k)));
        }
    }
}
