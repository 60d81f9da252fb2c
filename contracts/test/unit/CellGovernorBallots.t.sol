// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {CellGovernorFixture} from "../utils/CellGovernorFixture.sol";
import {PackedBallots} from "../utils/PackedBallots.sol";
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {
    CompatibilityFallbackHandler
} from "@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol";
import {SafeProxyFactory} from "@safe-global/safe-contracts/contracts/proxies/SafeProxyFactory.sol";
import {Vm} from "forge-std/Vm.sol";

/// @notice An ERC-1271 "wallet" that burns all the gas it is given.
contract GasBurningWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        while (true) {}
        return 0x1626ba7e;
    }
}

/// @notice Batched keyed ballots (castVotesBySig): replay inside a batch, across batches, proposals and
/// chains; mixed valid and invalid ballots; ECDSA and Safe (ERC-1271) voters; keyed nonces (a direct
/// vote leaves other ballots valid; cancelBallot); griefing wallets; random subsets invalid (fuzz).
contract CellGovernorBallotsTest is CellGovernorFixture {
    uint256 internal constant KEY0 = 0xBA110000;
    uint256 internal constant SIGNERS = 8;
    uint256 internal ops;
    address internal opsAdmin = makeAddr("opsAdmin");
    address internal relayer = makeAddr("relayer");
    address internal executor;
    uint256 internal id1;
    uint256 internal id2;
    uint256 internal deadline;

    function setUp() public override {
        super.setUp();
        vm.prank(community);
        ops = registry.createCell(
            dao, "ops", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, opsAdmin, _members3()
        );
        executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        for (uint256 i; i < SIGNERS; ++i) {
            vm.prank(executor);
            roles.mintRole(memberRole, vm.addr(KEY0 + i), 0);
        }
        vm.roll(block.number + 1);
        id1 = _propose(ops, alice, _setValueActions(1));
        id2 = _propose(ops, alice, _setValueActions(2));
        _toActive(id1);
        deadline = block.timestamp + 1 hours;
    }

    function _signer(uint256 i) internal pure returns (address) {
        return vm.addr(KEY0 + i);
    }

    function _digest(uint256 id, uint8 support, address voter, uint256 nonce, uint256 deadline_, string memory reason)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(governor.KEYED_BALLOT_TYPEHASH(), id, support, voter, nonce, deadline_, keccak256(bytes(reason)))
        );
        return keccak256(abi.encodePacked("\x19\x01", governor.domainSeparator(), structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signer i's ballot, signed by its own key.
    function _ballot(uint256 i, uint256 id, uint8 support, string memory reason)
        internal
        view
        returns (ICellGovernor.SignedBallot memory b)
    {
        address voter = _signer(i);
        uint256 nonce = governor.ballotNonce(id, voter);
        b = ICellGovernor.SignedBallot(
            id,
            voter,
            support,
            nonce,
            deadline,
            reason,
            _sign(KEY0 + i, _digest(id, support, voter, nonce, deadline, reason))
        );
    }

    function _batch(ICellGovernor.SignedBallot memory a)
        internal
        pure
        returns (ICellGovernor.SignedBallot[] memory bs)
    {
        bs = new ICellGovernor.SignedBallot[](1);
        bs[0] = a;
    }

    function _batch(ICellGovernor.SignedBallot memory a, ICellGovernor.SignedBallot memory b)
        internal
        pure
        returns (ICellGovernor.SignedBallot[] memory bs)
    {
        bs = new ICellGovernor.SignedBallot[](2);
        (bs[0], bs[1]) = (a, b);
    }

    /// @dev Relays a batch; CellGovernorPackedBallotsTest relays the same ballots packed.
    function _submit(ICellGovernor.SignedBallot[] memory bs) internal virtual returns (uint256) {
        vm.prank(relayer);
        return governor.castVotesBySig(bs);
    }

    function _submitWithGas(ICellGovernor.SignedBallot[] memory bs, uint256 gas) internal virtual returns (uint256) {
        vm.prank(relayer);
        return governor.castVotesBySig{gas: gas}(bs);
    }

    function _expectSkip(address voter, uint256 id, ICellGovernor.BallotStatus status) internal {
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.BallotSkipped(voter, id, status);
    }

    function _votes(uint256 id) internal view returns (uint256 against, uint256 for_, uint256 abstain) {
        (against, for_, abstain,) = governor.proposalVotes(id);
    }

    function test_castVotesBySig_manyVotersAndProposals_reasonSignedAndEmitted() public {
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](4);
        bs[0] = _ballot(0, id1, 1, "good use of funds");
        bs[1] = _ballot(1, id1, 0, "too expensive");
        bs[2] = _ballot(0, id2, 2, "");
        bs[3] = _ballot(2, id2, 1, "yes");
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(_signer(0), id1, 1, 1, "good use of funds");
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(_signer(1), id1, 0, 1, "too expensive");
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(_signer(0), id2, 2, 1, "");
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(_signer(2), id2, 1, 1, "yes");
        assertEq(_submit(bs), 4);
        (uint256 against, uint256 for_, uint256 abstain) = _votes(id1);
        assertEq(against, 1);
        assertEq(for_, 1);
        assertEq(abstain, 0);
        (against, for_, abstain) = _votes(id2);
        assertEq(against, 0);
        assertEq(for_, 1);
        assertEq(abstain, 1);
        assertTrue(governor.hasVoted(id1, _signer(0)) && governor.hasVoted(id2, _signer(0)));
        // Keyed nonces are not consumed by voting: they only move on a cancel.
        assertEq(governor.ballotNonce(id1, _signer(0)), 0);
        assertEq(governor.nonces(_signer(0)), 0);
    }

    function test_castVotesBySig_tamperedReasonIsInvalid() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "yes");
        b.reason = "no";
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.InvalidSignature);
        assertEq(_submit(_batch(b)), 0);
        assertFalse(governor.hasVoted(id1, b.voter));
    }

    function test_castVotesBySig_replayInsideBatch_skipped() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_submit(_batch(b, b)), 1);
        (, uint256 for_,) = _votes(id1);
        assertEq(for_, 1);
    }

    function test_castVotesBySig_replayAcrossBatches_skipped() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        assertEq(_submit(_batch(b)), 1);
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_submit(_batch(b)), 0);
        // The single-ballot path refuses it too.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.AlreadyVoted.selector, id1, b.voter));
        vm.prank(b.voter);
        governor.castVote(id1, 1);
        (, uint256 for_,) = _votes(id1);
        assertEq(for_, 1);
    }

    function test_castVotesBySig_replayAcrossProposals_skipped() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        b.proposalId = id2;
        _expectSkip(b.voter, id2, ICellGovernor.BallotStatus.InvalidSignature);
        assertEq(_submit(_batch(b)), 0);
        assertFalse(governor.hasVoted(id2, b.voter));
    }

    function test_castVotesBySig_replayAcrossChains_skipped() public {
        // Signed on this chain, submitted on another: the domain (chain id) differs.
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        uint256 home = block.chainid;
        vm.chainId(home + 1);
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.InvalidSignature);
        assertEq(_submit(_batch(b)), 0);
        // Signed for another chain, submitted here.
        ICellGovernor.SignedBallot memory other = _ballot(1, id1, 1, "");
        vm.chainId(home);
        _expectSkip(other.voter, id1, ICellGovernor.BallotStatus.InvalidSignature);
        assertEq(_submit(_batch(other)), 0);
        // Back home, the first one counts.
        assertEq(_submit(_batch(b)), 1);
    }

    function test_castVotesBySig_mixedValidAndInvalid() public {
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](9);
        bs[0] = _ballot(0, id1, 1, "");
        bs[1] = _ballot(1, id1, 1, "");
        bs[1].deadline = block.timestamp - 1; // expired (and no longer matching its signature)
        bs[2] = _ballot(2, id1, 3, ""); // bad vote type
        bs[3] = _ballot(3, id1, 1, "");
        bs[3].signature = _sign(0xBAD, _digest(id1, 1, bs[3].voter, 0, deadline, "")); // wrong key
        bs[4] = _ballot(4, uint256(keccak256("nope")), 1, ""); // no such proposal
        bs[5] = _ballot(5, id1, 0, "");
        bs[6] = _ballot(6, id1, 1, "");
        bs[6].nonce = 1; // not the voter's ballot nonce
        // An outsider who is not a member signs its own ballot.
        uint256 outsiderKey = 0x0075;
        address stranger = vm.addr(outsiderKey);
        bs[7] = ICellGovernor.SignedBallot(
            id1, stranger, 1, 0, deadline, "", _sign(outsiderKey, _digest(id1, 1, stranger, 0, deadline, ""))
        );
        bs[8] = _ballot(7, id1, 2, "");

        _expectSkip(bs[1].voter, id1, ICellGovernor.BallotStatus.Expired);
        _expectSkip(bs[2].voter, id1, ICellGovernor.BallotStatus.InvalidVoteType);
        _expectSkip(bs[3].voter, id1, ICellGovernor.BallotStatus.InvalidSignature);
        _expectSkip(bs[4].voter, bs[4].proposalId, ICellGovernor.BallotStatus.NotActive);
        _expectSkip(bs[6].voter, id1, ICellGovernor.BallotStatus.StaleNonce);
        _expectSkip(stranger, id1, ICellGovernor.BallotStatus.NotEligible);
        assertEq(_submit(bs), 3);
        (uint256 against, uint256 for_, uint256 abstain) = _votes(id1);
        assertEq(against, 1);
        assertEq(for_, 1);
        assertEq(abstain, 1);
        for (uint256 i = 1; i < 5; ++i) {
            assertFalse(governor.hasVoted(id1, bs[i].voter));
        }
        assertFalse(governor.hasVoted(id1, stranger));
    }

    function test_castVotesBySig_proposalNotActive_skippedNotReverted() public {
        // id2 before its window opens is fine here (same snapshot); end the vote instead.
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        _toVoteEnd(id1);
        vm.warp(block.timestamp); // deadline unchanged
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.NotActive);
        assertEq(_submit(_batch(b)), 0);
    }

    /// @notice The voter front-runs its relayed ballot with a direct vote: the batch still lands.
    function test_castVotesBySig_frontRunByDirectVote_skippedNotReverted() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        ICellGovernor.SignedBallot memory c = _ballot(1, id1, 1, "");
        vm.prank(b.voter);
        governor.castVote(id1, 0);
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_submit(_batch(b, c)), 1);
        (uint256 against, uint256 for_,) = _votes(id1);
        assertEq(against, 1);
        assertEq(for_, 1);
    }

    /// @notice Keyed nonces: a direct vote (or a counted ballot) on one proposal leaves the voter's
    /// pending ballot on another proposal valid, whatever order they were signed in.
    function test_castVotesBySig_directVoteDoesNotInvalidateOtherBallot() public {
        ICellGovernor.SignedBallot memory onId2 = _ballot(0, id2, 0, "later");
        ICellGovernor.SignedBallot memory onId1 = _ballot(0, id1, 1, "first");
        vm.prank(onId2.voter);
        governor.castVote(id1, 1); // direct vote elsewhere
        _expectSkip(onId1.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_submit(_batch(onId2, onId1)), 1);
        assertTrue(governor.hasVoted(id2, onId2.voter));
        // The legacy sequential nonce is untouched by keyed ballots.
        assertEq(governor.nonces(onId2.voter), 0);
    }

    function test_cancelBallot_invalidatesPendingBallot_newOneCounts() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        ICellGovernor.SignedBallot memory elsewhere = _ballot(0, id2, 1, "");
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.BallotCanceled(b.voter, id1, 0);
        vm.prank(b.voter);
        assertEq(governor.cancelBallot(id1), 0);
        assertEq(governor.ballotNonce(id1, b.voter), 1);
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.StaleNonce);
        // The cancel is keyed: the ballot on id2 still counts.
        assertEq(_submit(_batch(b, elsewhere)), 1);
        assertFalse(governor.hasVoted(id1, b.voter));
        // A new ballot over the new nonce counts.
        ICellGovernor.SignedBallot memory again = _ballot(0, id1, 0, "changed my mind");
        assertEq(again.nonce, 1);
        assertEq(_submit(_batch(again)), 1);
        (uint256 against,,) = _votes(id1);
        assertEq(against, 1);
        assertEq(governor.ballotNonce(id1, b.voter), 1);
    }

    /// @notice Wrong caller: cancelBallot only ever moves the caller's own nonce.
    function test_cancelBallot_byAnotherAccount_doesNotTouchVotersBallot() public {
        ICellGovernor.SignedBallot memory b = _ballot(0, id1, 1, "");
        vm.prank(relayer);
        governor.cancelBallot(id1);
        vm.prank(alice);
        governor.cancelBallot(id1);
        assertEq(governor.ballotNonce(id1, b.voter), 0);
        assertEq(governor.ballotNonce(id1, relayer), 1);
        assertEq(_submit(_batch(b)), 1);
    }

    function test_cancelBallot_thenDirectVoteStillAllowed() public {
        vm.prank(_signer(0));
        governor.cancelBallot(id1);
        vm.prank(_signer(0));
        governor.castVote(id1, 1);
        assertTrue(governor.hasVoted(id1, _signer(0)));
        assertEq(governor.ballotNonce(id1, _signer(0)), 1);
    }

    /// @notice A Safe 1.4.1 (ERC-1271) and EOAs in one batch; the Safe's ballot signed by a non-owner is skipped.
    function test_castVotesBySig_safeInBatch() public {
        address owner = vm.addr(0xA11CE);
        CompatibilityFallbackHandler handler = new CompatibilityFallbackHandler();
        SafeProxyFactory factory = new SafeProxyFactory();
        Safe singleton = new Safe();
        address[] memory owners = new address[](1);
        owners[0] = owner;
        bytes memory init = abi.encodeCall(
            Safe.setup, (owners, 1, address(0), "", address(handler), address(0), 0, payable(address(0)))
        );
        Safe safe = Safe(payable(address(factory.createProxyWithNonce(address(singleton), init, 1))));
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, address(safe), 0);
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(3));
        _toActive(id);
        deadline = block.timestamp + 1 hours;

        bytes32 digest = _digest(id, 1, address(safe), 0, deadline, "safe says yes");
        bytes memory bySafe = _sign(0xA11CE, handler.getMessageHashForSafe(safe, abi.encode(digest)));
        bytes memory byStranger = _sign(0xBAD, handler.getMessageHashForSafe(safe, abi.encode(digest)));
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](4);
        bs[0] = _ballot(0, id, 1, "");
        bs[1] = ICellGovernor.SignedBallot(id, address(safe), 1, 0, deadline, "safe says yes", byStranger);
        bs[2] = ICellGovernor.SignedBallot(id, address(safe), 1, 0, deadline, "safe says yes", bySafe);
        bs[3] = _ballot(1, id, 0, "");
        _expectSkip(address(safe), id, ICellGovernor.BallotStatus.InvalidSignature);
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(address(safe), id, 1, 1, "safe says yes");
        assertEq(_submit(bs), 3);
        assertTrue(governor.hasVoted(id, address(safe)));
        (uint256 against, uint256 for_,) = _votes(id);
        assertEq(against, 1);
        assertEq(for_, 2);
    }

    /// @notice A wallet that burns its gas only loses its own ballot (ERC1271_GAS cap); the batch lands.
    function test_castVotesBySig_gasBurningWallet_cannotGriefBatch() public {
        GasBurningWallet wallet = new GasBurningWallet();
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, address(wallet), 0);
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(4));
        _toActive(id);
        deadline = block.timestamp + 1 hours;
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](2);
        bs[0] = ICellGovernor.SignedBallot(id, address(wallet), 1, 0, deadline, "", hex"00");
        bs[1] = _ballot(0, id, 1, "");
        _expectSkip(address(wallet), id, ICellGovernor.BallotStatus.InvalidSignature);
        assertEq(_submitWithGas(bs, 1_000_000), 1);
    }

    function test_castVotesBySig_emptyBatch() public {
        assertEq(_submit(new ICellGovernor.SignedBallot[](0)), 0);
    }

    /// @notice Random subsets of a batch are corrupted (signature, reason, nonce, support or deadline): the
    /// batch never reverts, exactly the intact ballots count, and a resubmission counts nothing more.
    function testFuzz_castVotesBySig_randomSubsetInvalid(uint256 invalidMask, uint256 corruption) public {
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](SIGNERS);
        uint256 valid;
        uint256 forVotes;
        for (uint256 i; i < SIGNERS; ++i) {
            uint8 support = uint8((corruption >> (i * 8 + 3)) % 2);
            bs[i] = _ballot(i, (corruption >> i) & 1 == 0 ? id1 : id2, support, "r");
            if ((invalidMask >> i) & 1 == 1) {
                uint256 how = (corruption >> (i * 8)) % 5;
                if (how == 0) bs[i].signature[10] ^= 0x01;
                else if (how == 1) bs[i].reason = "R";
                else if (how == 2) bs[i].nonce += 1;
                else if (how == 3) bs[i].support = support == 1 ? 0 : 1;
                else bs[i].deadline = block.timestamp - 1;
            } else {
                ++valid;
                if (bs[i].proposalId == id1 && support == 1) ++forVotes;
            }
        }
        assertEq(_submit(bs), valid);
        (, uint256 for1,) = _votes(id1);
        assertEq(for1, forVotes);
        for (uint256 i; i < SIGNERS; ++i) {
            assertEq(governor.hasVoted(bs[i].proposalId, bs[i].voter), (invalidMask >> i) & 1 == 0);
        }
        assertEq(_submit(bs), 0);
    }
}

/// @notice Every batch test above again through `castVotesPacked` (the same signed ballots, packed), plus
/// the packed form's own: malformed input reverts naming the offset and keeps nothing; random and mutated
/// bytes never count a vote that was not signed (fuzz).
contract CellGovernorPackedBallotsTest is CellGovernorBallotsTest {
    function _submit(ICellGovernor.SignedBallot[] memory bs) internal override returns (uint256) {
        vm.prank(relayer);
        return governor.castVotesPacked(PackedBallots.encode(bs));
    }

    function _submitWithGas(ICellGovernor.SignedBallot[] memory bs, uint256 gas) internal override returns (uint256) {
        vm.prank(relayer);
        return governor.castVotesPacked{gas: gas}(PackedBallots.encode(bs));
    }

    function _expectMalformed(bytes memory packed, uint256 offset) internal {
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.MalformedPackedBallots.selector, offset));
        vm.prank(relayer);
        governor.castVotesPacked(packed);
    }

    /// @dev Bytes [from, to) of `data`.
    function _slice(bytes memory data, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 k; k < out.length; ++k) {
            out[k] = data[from + k];
        }
    }

    function test_castVotesPacked_sameSignatureAsCastVotesBySig() public {
        ICellGovernor.SignedBallot memory a = _ballot(0, id1, 1, "yes");
        ICellGovernor.SignedBallot memory b = _ballot(1, id1, 0, "no");
        vm.prank(relayer);
        assertEq(governor.castVotesBySig(_batch(a)), 1);
        // The ballot counted through castVotesBySig is a replay for the packed form, and the other way.
        _expectSkip(a.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_submit(_batch(a, b)), 1);
        _expectSkip(b.voter, id1, ICellGovernor.BallotStatus.AlreadyVoted);
        vm.prank(relayer);
        assertEq(governor.castVotesBySig(_batch(b)), 0);
    }

    function test_castVotesPacked_runsOfOneProposal_oneRunPerChange() public {
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](4);
        bs[0] = _ballot(0, id1, 1, "");
        bs[1] = _ballot(1, id1, 1, "");
        bs[2] = _ballot(0, id2, 0, "");
        bs[3] = _ballot(2, id1, 2, "");
        bytes memory packed = PackedBallots.encode(bs);
        // Three runs: id1 (2 ballots), id2 (1), id1 (1); a later run on id1 adds to the same tally.
        assertEq(uint16(bytes2(_slice(packed, 32, 34))), 2);
        assertEq(_submit(bs), 4);
        (uint256 against, uint256 for_, uint256 abstain) = _votes(id1);
        assertEq(against, 0);
        assertEq(for_, 2);
        assertEq(abstain, 1);
    }

    /// @notice The packed path emits VoteCast from assembly under a literal topic: it is VoteCast's.
    function test_castVotesPacked_voteCastTopicIsTheEvents() public {
        vm.recordLogs();
        assertEq(_submit(_batch(_ballot(0, id1, 2, "abstaining, reason kept"))), 1);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[0], ICellGovernor.VoteCast.selector);
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(_signer(0)))));
        assertEq(logs[0].topics[2], bytes32(id1));
        (uint8 support, uint256 weight, string memory reason) = abi.decode(logs[0].data, (uint8, uint256, string));
        assertEq(support, 2);
        assertEq(weight, 1);
        assertEq(reason, "abstaining, reason kept");
    }

    function test_castVotesPacked_empty_countsNothing() public {
        vm.prank(relayer);
        assertEq(governor.castVotesPacked(""), 0);
    }

    /// @notice Each way the layout can break names the offset of the field that does not fit.
    function test_castVotesPacked_malformed_revertsNamingOffset() public {
        bytes memory ballot = PackedBallots.encodeBallot(_ballot(0, id1, 1, "why"));
        bytes memory run = abi.encodePacked(id1, uint16(1), ballot);
        // Header: shorter than proposal id + count; a run of zero ballots.
        _expectMalformed(_slice(run, 0, 33), 0);
        _expectMalformed(abi.encodePacked(id1, uint16(0)), 32);
        // The run announces two ballots, holds one: the second starts at the end.
        _expectMalformed(abi.encodePacked(id1, uint16(2), ballot), 34 + ballot.length);
        // Cut inside the voter, inside the signature.
        _expectMalformed(_slice(run, 0, 34 + 10), 34);
        uint256 sigLengthAt = 34 + ballot.length - 67;
        _expectMalformed(_slice(run, 0, run.length - 1), sigLengthAt);
        // A nonce longer than 32 bytes.
        bytes memory longNonce = abi.encodePacked(id1, uint16(1), _signer(0), uint8(1), uint8(33), new bytes(40));
        _expectMalformed(longNonce, 34 + 21);
        // A deadline cut short: length 4, 2 bytes left.
        _expectMalformed(abi.encodePacked(id1, uint16(1), _signer(0), uint8(1), uint8(0), uint8(4), uint16(7)), 34 + 23);
        // A valid run followed by one stray byte: nothing of the valid run is kept.
        _expectMalformed(abi.encodePacked(run, uint8(1)), run.length);
        assertFalse(governor.hasVoted(id1, _signer(0)));
        assertEq(_submit(_batch(_ballot(0, id1, 1, "why"))), 1);
    }

    /// @notice Random bytes after a real proposal's run header: malformed (reverts) or nothing counted.
    function testFuzz_castVotesPacked_randomBytes_neverCount(uint16 count, bytes memory noise) public {
        bytes memory packed = abi.encodePacked(id1, count, noise);
        vm.prank(relayer);
        (bool ok, bytes memory ret) = address(governor).call(abi.encodeCall(governor.castVotesPacked, (packed)));
        if (ok) {
            assertEq(abi.decode(ret, (uint256)), 0);
        } else {
            assertEq(bytes4(ret), ICellGovernor.MalformedPackedBallots.selector);
        }
        (uint256 against, uint256 for_, uint256 abstain) = _votes(id1);
        assertEq(against + for_ + abstain, 0);
    }

    /// @notice One byte of a valid packed batch changed anywhere: a ballot counts only as it was signed
    /// (its voter, proposal and support), never as the changed bytes say.
    function testFuzz_castVotesPacked_mutatedByte_countsOnlyWhatWasSigned(uint256 at, uint8 flip) public {
        vm.assume(flip != 0);
        ICellGovernor.SignedBallot[] memory bs = new ICellGovernor.SignedBallot[](3);
        bs[0] = _ballot(0, id1, 1, "a reason");
        bs[1] = _ballot(1, id1, 0, "");
        bs[2] = _ballot(2, id2, 2, "x");
        bytes memory packed = PackedBallots.encode(bs);
        at = bound(at, 0, packed.length - 1);
        packed[at] = bytes1(uint8(packed[at]) ^ flip);
        vm.prank(relayer);
        (bool ok, bytes memory ret) = address(governor).call(abi.encodeCall(governor.castVotesPacked, (packed)));
        if (!ok) assertEq(bytes4(ret), ICellGovernor.MalformedPackedBallots.selector);
        uint256[3][2] memory expected;
        uint256 counted;
        for (uint256 k; k < bs.length; ++k) {
            if (governor.hasVoted(bs[k].proposalId, bs[k].voter)) {
                expected[bs[k].proposalId == id1 ? 0 : 1][bs[k].support] += 1;
                ++counted;
            }
        }
        if (ok) assertEq(abi.decode(ret, (uint256)), counted);
        for (uint256 side; side < 2; ++side) {
            (uint256 against, uint256 for_, uint256 abstain) = _votes(side == 0 ? id1 : id2);
            assertEq(against, expected[side][0], "against");
            assertEq(for_, expected[side][1], "for");
            assertEq(abstain, expected[side][2], "abstain");
        }
    }
}
