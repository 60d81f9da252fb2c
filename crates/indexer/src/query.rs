//! Typed reads of an index: one entity by its key, or the entities a cell (a proposal, a role)
//! lists, straight from the derived tables. A read costs what it returns, not what the index
//! holds: nothing is re-folded and the whole state is never loaded (compare
//! [`Store::load_state`]). The CLI's indexed views and the API server read through these.

use alloy::primitives::{Address, B256, U256};
use rusqlite::{OptionalExtension, params};
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Budget, Cell, Decision, EndedGrant, GovernorSettings, Partnership, Proposal, SafeLink,
        StateDoc, Stream, Task, TreasuryCell, Vote,
    },
    fold::EntityKey,
    model::{EventRef, Role, Tree, Wearer},
    store::{
        ROLE_COLUMNS, Store, StoreError, TREE_COLUMNS, WEARER_COLUMNS, address, bytes, role_row,
        tree_row, wearer_row,
    },
};

/// How many rows each derived table holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IndexCounts {
    pub raw_logs: u64,
    pub trees: u64,
    pub roles: u64,
    pub wearers: u64,
    pub bad_standing: u64,
    /// Registry, governor, treasury, task board and role streams entities.
    pub entities: u64,
}

impl Store {
    fn doc<T: DeserializeOwned>(&self, key: &EntityKey) -> Result<Option<T>, StoreError> {
        let doc: Option<String> = self
            .connection()
            .prepare_cached("SELECT doc FROM entities WHERE kind = ?1 AND id = ?2")?
            .query_row(params![key.kind(), key.id()], |r| r.get(0))
            .optional()?;
        doc.map(|d| parse(key.kind(), &d)).transpose()
    }

    /// Every entity of `kind` listed under `owner` (see [`crate::fold::Domain::owner`]), in id
    /// order.
    fn owned<T: DeserializeOwned>(&self, kind: &str, owner: U256) -> Result<Vec<T>, StoreError> {
        let mut st = self.connection().prepare_cached(
            "SELECT doc FROM entities WHERE kind = ?1 AND owner = ?2 ORDER BY id",
        )?;
        let docs = st.query_map(params![kind, EntityKey::word(&owner)], |r| {
            r.get::<_, String>(0)
        })?;
        docs.map(|d| parse(kind, &d?)).collect()
    }

    /// Every entity of `kind`, in id order.
    fn all<T: DeserializeOwned>(&self, kind: &str) -> Result<Vec<T>, StoreError> {
        let mut st = self
            .connection()
            .prepare_cached("SELECT doc FROM entities WHERE kind = ?1 ORDER BY id")?;
        let docs = st.query_map([kind], |r| r.get::<_, String>(0))?;
        docs.map(|d| parse(kind, &d?)).collect()
    }

    pub fn cell(&self, id: U256) -> Result<Option<Cell>, StoreError> {
        self.doc(&EntityKey::Cell(id))
    }

    /// Every cell of every DAO, by id.
    pub fn cells(&self) -> Result<Vec<Cell>, StoreError> {
        self.all("cell")
    }

    /// The cells whose parent is `cell` (the DAOs for 0), by id.
    pub fn children_of(&self, cell: U256) -> Result<Vec<Cell>, StoreError> {
        self.owned("cell", cell)
    }

    pub fn state_docs_of(&self, cell: U256) -> Result<Vec<StateDoc>, StoreError> {
        self.owned("state_doc", cell)
    }

    /// The cell's decisions, in chain order.
    pub fn decisions_of(&self, cell: U256) -> Result<Vec<Decision>, StoreError> {
        self.owned("decision", cell)
    }

    pub fn partnerships_of(&self, cell: U256) -> Result<Vec<Partnership>, StoreError> {
        self.owned("partnership", cell)
    }

    /// One partnership, by id.
    pub fn partnership(&self, id: U256) -> Result<Option<Partnership>, StoreError> {
        self.doc(&EntityKey::Partnership(id))
    }

    pub fn settings(&self, cell: U256) -> Result<Option<GovernorSettings>, StoreError> {
        self.doc(&EntityKey::Settings(cell))
    }

    pub fn executor(&self, cell: U256) -> Result<Option<crate::domain::Executor>, StoreError> {
        self.doc(&EntityKey::Executor(cell))
    }

    pub fn proposal(&self, id: U256) -> Result<Option<Proposal>, StoreError> {
        self.doc(&EntityKey::Proposal(id))
    }

    pub fn proposals_of(&self, cell: U256) -> Result<Vec<Proposal>, StoreError> {
        self.owned("proposal", cell)
    }

    pub fn vote(&self, proposal: U256, voter: Address) -> Result<Option<Vote>, StoreError> {
        self.doc(&EntityKey::Vote(proposal, voter))
    }

    pub fn votes_of(&self, proposal: U256) -> Result<Vec<Vote>, StoreError> {
        self.owned("vote", proposal)
    }

    /// The Safe linked to the DAO `dao` (or the candidate that consented).
    pub fn safe(&self, dao: U256) -> Result<Option<SafeLink>, StoreError> {
        self.doc(&EntityKey::Safe(dao))
    }

    pub fn treasury_cell(&self, cell: U256) -> Result<Option<TreasuryCell>, StoreError> {
        self.doc(&EntityKey::TreasuryCell(cell))
    }

    pub fn budget(&self, cell: U256, token: Address) -> Result<Option<Budget>, StoreError> {
        self.doc(&EntityKey::Budget(cell, token))
    }

    /// The cell's budgets, by token.
    pub fn budgets_of(&self, cell: U256) -> Result<Vec<Budget>, StoreError> {
        self.owned("budget", cell)
    }

    /// Every budget of every cell.
    pub fn budgets(&self) -> Result<Vec<Budget>, StoreError> {
        self.all("budget")
    }

    /// The cell's spends, in chain order.
    pub fn spends_of(&self, cell: U256) -> Result<Vec<crate::domain::Spend>, StoreError> {
        self.owned("spend", cell)
    }

    pub fn bounty(&self, task: U256) -> Result<Option<crate::domain::Bounty>, StoreError> {
        self.doc(&EntityKey::Bounty(task))
    }

    pub fn task(&self, id: U256) -> Result<Option<Task>, StoreError> {
        self.doc(&EntityKey::Task(id))
    }

    pub fn tasks_of(&self, cell: U256) -> Result<Vec<Task>, StoreError> {
        self.owned("task", cell)
    }

    pub fn stream(&self, id: U256) -> Result<Option<Stream>, StoreError> {
        self.doc(&EntityKey::Stream(id))
    }

    pub fn streams_of(&self, cell: U256) -> Result<Vec<Stream>, StoreError> {
        self.owned("stream", cell)
    }

    /// Grants of `role` that ended, in chain order.
    pub fn ended_grants_of(&self, role: U256) -> Result<Vec<EndedGrant>, StoreError> {
        self.owned("ended_grant", role)
    }

    pub fn tree(&self, id: u32) -> Result<Option<Tree>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!(
                "SELECT {TREE_COLUMNS} FROM trees WHERE tree_id = ?1"
            ))?
            .query_row([id], tree_row)
            .optional()?)
    }

    pub fn role(&self, id: U256) -> Result<Option<Role>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!(
                "SELECT {ROLE_COLUMNS} FROM roles WHERE role_id = ?1"
            ))?
            .query_row([id.to_be_bytes::<32>()], role_row)
            .optional()?)
    }

    /// The roles of tree `tree` (a cell's roles), by id.
    pub fn roles_of_tree(&self, tree: u32) -> Result<Vec<Role>, StoreError> {
        let mut st = self.connection().prepare_cached(&format!(
            "SELECT {ROLE_COLUMNS} FROM roles WHERE tree_id = ?1 ORDER BY role_id"
        ))?;
        let rows = st.query_map([tree], role_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn wearer(&self, role: U256, wearer: Address) -> Result<Option<Wearer>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!(
                "SELECT {WEARER_COLUMNS} FROM wearers WHERE role_id = ?1 AND wearer = ?2"
            ))?
            .query_row(
                params![role.to_be_bytes::<32>(), wearer.as_slice()],
                wearer_row,
            )
            .optional()?)
    }

    /// The wearers of `role` (granted and not revoked), by address; at most `limit` from
    /// `after` (exclusive; `None`: from the first), so a role with a million wearers is read a
    /// page at a time.
    pub fn wearers_of(
        &self,
        role: U256,
        after: Option<Address>,
        limit: usize,
    ) -> Result<Vec<Wearer>, StoreError> {
        let mut st = self.connection().prepare_cached(&format!(
            "SELECT {WEARER_COLUMNS} FROM wearers WHERE role_id = ?1 AND wearer > ?2 \
             ORDER BY wearer LIMIT ?3"
        ))?;
        // Every 20-byte address sorts after the empty blob.
        let after = after.map_or_else(Vec::new, |a| a.to_vec());
        let rows = st.query_map(
            params![
                role.to_be_bytes::<32>(),
                after,
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            wearer_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Where `wearer` stands in bad standing for `role` (`None`: good standing).
    pub fn bad_standing(&self, role: U256, wearer: Address) -> Result<Option<u64>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached("SELECT block FROM bad_standing WHERE role_id = ?1 AND wearer = ?2")?
            .query_row(params![role.to_be_bytes::<32>(), wearer.as_slice()], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The accounts in bad standing for `role`, by address.
    pub fn bad_standing_of(&self, role: U256) -> Result<Vec<Address>, StoreError> {
        let mut st = self
            .connection()
            .prepare_cached("SELECT wearer FROM bad_standing WHERE role_id = ?1 ORDER BY wearer")?;
        let rows = st.query_map([role.to_be_bytes::<32>()], |r| Ok(address(bytes(r, 0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The roles whose admin is `admin` (itself excluded: a top role is its own admin), by id.
    pub fn roles_under(&self, admin: U256) -> Result<Vec<Role>, StoreError> {
        let mut st = self.connection().prepare_cached(&format!(
            "SELECT {ROLE_COLUMNS} FROM roles WHERE role_id BETWEEN ?1 AND ?2 AND admin_id = ?3 \
             AND role_id != ?3 ORDER BY role_id"
        ))?;
        // A role's children are in its tree, whose ids share the top 32 bits: a range of the
        // primary key, not a scan of every role.
        let tree: U256 = U256::from(crate::model::tree_of(admin)) << 224usize;
        let last: U256 = tree | (U256::MAX >> 32usize);
        let rows = st.query_map(
            params![
                tree.to_be_bytes::<32>(),
                last.to_be_bytes::<32>(),
                admin.to_be_bytes::<32>()
            ],
            role_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The number of rows of each table.
    pub fn counts(&self) -> Result<IndexCounts, StoreError> {
        let n = |table: &str| -> Result<u64, StoreError> {
            Ok(self
                .connection()
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(IndexCounts {
            raw_logs: self.raw_log_count()?,
            trees: n("trees")?,
            roles: n("roles")?,
            wearers: n("wearers")?,
            bad_standing: n("bad_standing")?,
            entities: n("entities")?,
        })
    }

    /// The last folded event, as of the checkpoint.
    pub fn last_event(&self) -> Result<Option<EventRef>, StoreError> {
        Ok(self.fold_meta()?.last)
    }

    /// The stored state document `key` of `cell`.
    pub fn state_doc(&self, cell: U256, key: B256) -> Result<Option<StateDoc>, StoreError> {
        self.doc(&EntityKey::StateDoc(cell, key))
    }
}

fn parse<T: DeserializeOwned>(kind: &str, doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        table: "entities",
        what: format!("{kind}: {e}"),
    })
}
