// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {TaskBoard} from "../../src/TaskBoard.sol";
import {Treasury} from "../../src/Treasury.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {SafeFixture} from "./SafeFixture.sol";
import {TestToken} from "./TreasuryTokens.sol";
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";

/// @notice Two DAOs on the real CellRegistry and Roles, each with a real Safe holding its funds:
///
///   DAO X (governed by its 2-of-3 Safe `safeX`, which wears the top role)
///     +-- cell A (admin alice; treasurer role `treasurerA` worn by tina)
///     |     +-- cell A1 (admin carol)
///     +-- cell B (admin bob)
///   DAO Y (governed by eve, an EOA; its separate Safe `safeY` consented with `approveDao`)
///     +-- cell Y1 (admin yuri)
///
/// The treasury module is enabled on both Safes by signed Safe transactions and registered for its DAO.
abstract contract TreasuryFixture is SafeFixture {
    uint256 internal constant HOUR = 1 hours;
    uint256 internal constant WEEK = 7 days;

    CellRegistry internal registry;
    IRoles internal roles;
    Treasury internal treasury;
    TaskBoard internal board;
    TestToken internal token;

    Safe internal safeX;
    Safe internal safeY;
    uint256 internal daoX;
    uint256 internal cellA;
    uint256 internal cellA1;
    uint256 internal cellB;
    uint256 internal daoY;
    uint256 internal cellY1;
    uint256 internal treasurerA;

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal tina = makeAddr("tina");
    address internal eve = makeAddr("eve");
    address internal yuri = makeAddr("yuri");
    address internal recipient = makeAddr("recipient");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        registry = new CellRegistry();
        roles = registry.roles();
        treasury = new Treasury(registry);
        board = TaskBoard(treasury.taskBoard());
        token = new TestToken("Token", "TKN");

        // DAO X, governed by its Safe: every DAO-level action is a signed Safe transaction.
        safeX = _newSafe("safeX", 3, 2);
        daoX = registry.createDao(
            address(safeX), "X", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        cellA = _createCellAsSafe(safeX, daoX, "A", alice);
        cellB = _createCellAsSafe(safeX, daoX, "B", bob);
        vm.prank(alice);
        cellA1 = registry.createCell(
            cellA, "A1", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, carol, new address[](0)
        );
        _enableModule(safeX, address(treasury));
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.registerSafe, (daoX, address(safeX))));

        // cell A names a treasurer role, worn by tina.
        vm.startPrank(alice);
        treasurerA = roles.createRole(cellA, "treasurer", 1, address(0), address(0), true, false, "");
        roles.mintRole(treasurerA, tina, 0);
        treasury.setTreasurerRole(cellA, treasurerA);
        vm.stopPrank();

        // DAO Y, governed by eve; its Safe consents before eve registers it.
        safeY = _newSafe("safeY", 3, 2);
        vm.prank(eve);
        daoY = registry.createDao(
            eve, "Y", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        vm.prank(eve);
        cellY1 = registry.createCell(
            daoY, "Y1", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, yuri, new address[](0)
        );
        _enableModule(safeY, address(treasury));
        _asSafe(safeY, address(treasury), abi.encodeCall(treasury.approveDao, (daoY, true)));
        vm.prank(eve);
        treasury.registerSafe(daoY, address(safeY));

        token.mint(address(safeX), 1_000_000e18);
        token.mint(address(safeY), 1_000_000e18);
        vm.deal(address(safeX), 100 ether);
        vm.deal(address(safeY), 100 ether);
    }

    /// @dev Executes a call from `safe` with its owners' signatures; reverts if the inner call failed.
    function _asSafe(Safe safe, address to, bytes memory data) internal {
        require(_execSafeTx(safe, to, 0, data), "TreasuryFixture: Safe transaction failed");
    }

    function _createCellAsSafe(Safe safe, uint256 parent, string memory name, address admin)
        internal
        returns (uint256 cellId)
    {
        _asSafe(
            safe,
            address(registry),
            abi.encodeCall(
                registry.createCell,
                (
                    parent,
                    name,
                    ICellRegistry.Scale.Collaboration,
                    ICellRegistry.Phase.Formation,
                    admin,
                    new address[](0)
                )
            )
        );
        cellId = uint256(roles.lastTopHatId()) << 224;
        require(registry.parentOf(cellId) == parent, "TreasuryFixture: unexpected cell id");
    }

    /// @dev Root budget of DAO X, set by its Safe (the DAO's top role).
    function _setRootBudgetX(address tkn, uint256 amount, uint256 period) internal {
        _asSafe(
            safeX,
            address(treasury),
            abi.encodeCall(treasury.setBudget, (daoX, tkn, amount, period, block.timestamp, 0))
        );
    }

    /// @dev Budget of a child of DAO X's root, set by the Safe (the parent's admin).
    function _setChildBudgetX(uint256 cellId, address tkn, uint256 amount, uint256 period) internal {
        _asSafe(
            safeX,
            address(treasury),
            abi.encodeCall(treasury.setBudget, (cellId, tkn, amount, period, block.timestamp, 0))
        );
    }

    /// @dev Root of X gets `rootAmount` per week; A gets a ceiling of `aCeiling` and `aFunded` handed down.
    function _fundA(address tkn, uint256 rootAmount, uint256 aCeiling, uint256 aFunded) internal {
        _setRootBudgetX(tkn, rootAmount, WEEK);
        _setChildBudgetX(cellA, tkn, aCeiling, WEEK);
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.subAllocate, (daoX, cellA, tkn, aFunded)));
    }
}
