// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {CellGovernorFixture} from "../utils/CellGovernorFixture.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Tallies and thresholds under fuzzed weights, votes and settings, against an outcome computed
/// here from the rules as ICellGovernor states them.
contract CellGovernorFuzzTest is CellGovernorFixture {
    address[4] internal voters;

    function setUp() public override {
        super.setUp();
        voters = [alice, bob, carol, makeAddr("dave")];
    }

    function testFuzz_tokenTalliesAndOutcome(
        uint96[4] memory balances,
        uint8[4] memory choices,
        uint8 countingSeed,
        uint16 thresholdBps,
        uint16 quorumBps
    ) public {
        ICellGovernor.Counting counting = ICellGovernor.Counting(countingSeed % 4);
        quorumBps = uint16(bound(quorumBps, 0, 10_000));
        if (counting == ICellGovernor.Counting.Supermajority) thresholdBps = uint16(bound(thresholdBps, 5001, 10_000));
        else thresholdBps = uint16(bound(thresholdBps, 1, 10_000));
        vm.prank(community);
        governor.configure(dao, _tokenSettings(counting, thresholdBps, quorumBps));

        uint256 supply;
        for (uint256 i; i < 4; ++i) {
            if (balances[i] != 0) _mintAndDelegate(voters[i], balances[i]);
            supply += balances[i];
        }
        vm.roll(block.number + 1);
        uint256 id = _propose(dao, alice, _setValueActions(2));
        _toActive(id);

        uint256[3] memory counted; // Against, For, Abstain
        uint256 participation;
        for (uint256 i; i < 4; ++i) {
            uint8 support = choices[i] % 4; // 3: does not vote
            if (support == 3) continue;
            vm.prank(voters[i]);
            uint256 weight = governor.castVote(id, support);
            assertEq(weight, balances[i]);
            counted[support] += counting == ICellGovernor.Counting.Quadratic ? Math.sqrt(weight) : weight;
            participation += weight;
        }
        (uint256 against, uint256 forVotes, uint256 abstain, uint256 took) = governor.proposalVotes(id);
        assertEq(against, counted[0]);
        assertEq(forVotes, counted[1]);
        assertEq(abstain, counted[2]);
        assertEq(took, participation);

        _toVoteEnd(id);
        bool passes;
        if (counting == ICellGovernor.Counting.Consent) {
            passes = against * 10_000 < uint256(thresholdBps) * supply;
        } else {
            bool quorate = participation * 10_000 >= uint256(quorumBps) * supply;
            if (counting == ICellGovernor.Counting.Supermajority) {
                passes = quorate && forVotes > 0 && forVotes * 10_000 >= uint256(thresholdBps) * (forVotes + against);
            } else {
                passes = quorate && forVotes > against;
            }
        }
        assertEq(
            uint8(_state(id)),
            uint8(passes ? ICellGovernor.ProposalState.Succeeded : ICellGovernor.ProposalState.Defeated)
        );
    }

    /// @notice Consent among members: the proposal is blocked exactly when objections reach the threshold.
    function testFuzz_roleConsentThreshold(uint8 objections, uint16 thresholdBps) public {
        thresholdBps = uint16(bound(thresholdBps, 1, 10_000));
        objections = uint8(bound(objections, 0, 3));
        vm.prank(community);
        governor.configure(dao, _roleSettings(ICellGovernor.Counting.Consent, thresholdBps, 0));
        uint256 id = _propose(dao, alice, _setValueActions(2));
        _toActive(id);
        for (uint256 i; i < objections; ++i) {
            _vote(id, voters[i], ICellGovernor.VoteType.Against);
        }
        _toVoteEnd(id);
        bool blocked = uint256(objections) * 10_000 >= uint256(thresholdBps) * 3;
        assertEq(
            uint8(_state(id)),
            uint8(blocked ? ICellGovernor.ProposalState.Defeated : ICellGovernor.ProposalState.Succeeded)
        );
    }

    /// @notice Quorum boundary among members: participation * 10000 >= quorumBps * members.
    function testFuzz_roleQuorumBoundary(uint8 voting, uint16 quorumBps) public {
        quorumBps = uint16(bound(quorumBps, 0, 10_000));
        voting = uint8(bound(voting, 1, 3));
        vm.prank(community);
        governor.configure(dao, _roleSettings(ICellGovernor.Counting.Majority, 0, quorumBps));
        uint256 id = _propose(dao, alice, _setValueActions(2));
        _toActive(id);
        for (uint256 i; i < voting; ++i) {
            _vote(id, voters[i], ICellGovernor.VoteType.For);
        }
        _toVoteEnd(id);
        bool quorate = uint256(voting) * 10_000 >= uint256(quorumBps) * 3;
        assertEq(
            uint8(_state(id)),
            uint8(quorate ? ICellGovernor.ProposalState.Succeeded : ICellGovernor.ProposalState.Defeated)
        );
        (uint256 required,) = governor.quorum(id);
        assertEq(voting >= required, quorate);
    }
}
