//! The design file: a DAO's operational governance in TOML. Unknown fields are errors; every error
//! names its path in the file and what was expected, e.g.
//! `cells[2].roles.member.max_supply: expected an integer`.
use crate::dev;
use alloy::primitives::{Address, B256, U256, keccak256};
use serde::{Deserialize, Deserializer, de};
use std::{collections::BTreeMap, fmt, path::Path, str::FromStr};

/// Why a design file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Syntax(String),
    #[error("{path}: {message}")]
    Field { path: String, message: String },
}

fn field(path: impl Into<String>, message: impl Into<String>) -> DesignError {
    DesignError::Field {
        path: path.into(),
        message: message.into(),
    }
}

/// A whole design: the DAO root and the cells under it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub dao: DaoSpec,
    #[serde(default)]
    pub cells: Vec<CellSpec>,
}

/// The DAO: a root cell whose admin role is worn by community governance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaoSpec {
    /// Names the DAO on chain and its record `deployments/<chain-id>/<name>.json`.
    pub name: String,
    pub governance: GovernanceSpec,
    #[serde(default = "Phase::conversation")]
    pub phase: Phase,
    #[serde(default = "Scale::constituency")]
    pub scale: Scale,
    /// Wearers of the DAO's member role.
    #[serde(default)]
    pub members: Vec<Account>,
    #[serde(default)]
    pub roles: BTreeMap<String, RoleSpec>,
    #[serde(default)]
    pub state: BTreeMap<String, StateDoc>,
    /// Budgets of the DAO root itself (set by community governance; funded by the Safe).
    #[serde(default)]
    pub budgets: Vec<BudgetSpec>,
    /// Role payment streams paid from the DAO root's budgets.
    #[serde(default)]
    pub streams: Vec<StreamSpec>,
    /// On dev chains only: ETH sent from the deployer to the DAO's Safe, e.g. "100 ether".
    #[serde(default)]
    pub fund: Option<Amount>,
}

/// Community governance: a new Safe (owners + threshold) or an existing address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSpec {
    pub safe: Option<SafeSpec>,
    pub address: Option<Account>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeSpec {
    pub owners: Vec<Account>,
    pub threshold: u32,
}

/// A cell of the tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    /// Short name other cells use in `parent`, and the CLI in `--cell`.
    pub key: String,
    pub name: String,
    /// `dao` or another cell's key (declared earlier in the file).
    #[serde(default = "default_parent")]
    pub parent: String,
    #[serde(default = "Phase::formation")]
    pub phase: Phase,
    #[serde(default = "Scale::collaboration")]
    pub scale: Scale,
    /// Person-run: this account wears the cell's admin role.
    pub admin: Option<Account>,
    /// Vote-run: the cell's executor wears the admin role and decisions are votes.
    pub governor: Option<GovernorSpec>,
    #[serde(default)]
    pub members: Vec<Account>,
    /// Further roles, by name. `member` configures the member role itself.
    #[serde(default)]
    pub roles: BTreeMap<String, RoleSpec>,
    #[serde(default)]
    pub state: BTreeMap<String, StateDoc>,
    #[serde(default)]
    pub budgets: Vec<BudgetSpec>,
    /// CellRestrictions names: create-subcells, change-own-phase, set-state, partnerships.
    #[serde(default)]
    pub restrictions: Vec<String>,
    /// Role payment streams paid from this cell's budgets.
    #[serde(default)]
    pub streams: Vec<StreamSpec>,
}

/// A role payment stream (RoleStreams): each wearer of `role` is paid `amount` of `token` per
/// `period`, accrued per second, out of the declaring cell's budget in that token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// `member`, `admin`, a role of this cell, or `KEY.ROLE` for a role of a cell below it.
    pub role: String,
    /// `eth` or an ERC-20 address (the cell needs a budget in it).
    #[serde(default)]
    pub token: Token,
    /// Paid to each wearer per period.
    pub amount: Amount,
    #[serde(default = "thirty_days")]
    pub period: Duration,
    /// Ends this long after it is opened (open-ended when absent).
    pub ends_in: Option<Duration>,
}

/// Seconds an opening adds to a stream's `ends_in`: the end is computed from the latest block and
/// the stream starts in a later one, so a stream opened by deploy or apply ends between `ends_in`
/// and `ends_in` + this margin after its start, never before. Plan reads an end in that window as
/// the design's.
pub const STREAM_OPENING_MARGIN: u64 = 60;

impl StreamSpec {
    fn streams_before(&self, all: &[StreamSpec], i: usize, own: &str) -> bool {
        all[..i]
            .iter()
            .any(|o| o.target(own) == self.target(own) && o.token == self.token)
    }

    /// The cell key and role name the stream pays: `(own, "member")` or `("events", "contributor")`.
    pub fn target<'a>(&'a self, own: &'a str) -> (&'a str, &'a str) {
        match self.role.split_once('.') {
            Some((cell, role)) => (cell, role),
            None => (own, self.role.as_str()),
        }
    }
}

fn default_parent() -> String {
    "dao".to_owned()
}

/// A role under the cell's admin role (or the member role when named `member`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub image_uri: Option<String>,
    pub max_supply: Option<u32>,
    #[serde(default)]
    pub claimable: bool,
    pub eligibility: Option<Account>,
    pub toggle: Option<Account>,
    #[serde(default = "yes")]
    pub mutable: bool,
    #[serde(default)]
    pub wearers: Vec<Account>,
    /// Term of each grant from deployment, e.g. "90d" (none when absent).
    pub term: Option<Duration>,
    /// Whether this role is the cell's treasurer (may spend and sub-allocate).
    #[serde(default)]
    pub treasurer: bool,
}

fn thirty_days() -> Duration {
    Duration(30 * 86_400)
}

fn yes() -> bool {
    true
}

/// A versioned state document (charter, policies, ...): its URI and content hash.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDoc {
    pub uri: String,
    /// keccak256 of the content; defaults to keccak256 of the URI when the content is not at hand.
    pub hash: Option<B256>,
}

impl StateDoc {
    pub fn content_hash(&self) -> B256 {
        self.hash.unwrap_or_else(|| keccak256(self.uri.as_bytes()))
    }
}

/// How a vote-run cell decides (CellGovernor settings). Periods count blocks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernorSpec {
    /// `members` (one wearer of the member role, one vote) or `token` (IVotes weight).
    #[serde(default = "members")]
    pub electorate: String,
    #[serde(default)]
    pub counting: Counting,
    /// Supermajority: share of for in (for + against); consent: objections that block. Basis points.
    #[serde(default)]
    pub threshold_bps: u16,
    /// Share of the electorate that must take part, in basis points.
    #[serde(default)]
    pub quorum_bps: u16,
    /// Blocks between a proposal and its snapshot.
    #[serde(default = "one")]
    pub voting_delay: u32,
    /// Blocks of voting.
    pub voting_period: u32,
    /// Blocks after voting during which the parent's admin may veto.
    pub execution_delay: u32,
    /// The IVotes token of a token electorate.
    pub token: Option<Account>,
    /// Token electorates: votes needed to propose, an amount of the voting token (`1000`,
    /// `1000 VOTE`, `5e20 units`; an integer is base units).
    #[serde(default)]
    pub proposal_threshold: Amount,
}

impl GovernorSpec {
    /// The contracts' electorate this spec names (`token`, else the member role's wearers).
    pub fn electorate_sol(&self) -> dao_bindings::interfaces::ICellGovernor::Electorate {
        use dao_bindings::interfaces::ICellGovernor::Electorate;
        if self.electorate == "token" {
            Electorate::Token
        } else {
            Electorate::Role
        }
    }
}

fn members() -> String {
    "members".to_owned()
}

fn one() -> u32 {
    1
}

/// A budget of a cell in one token, set by the parent's authority.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// `eth` or an ERC-20 address.
    #[serde(default)]
    pub token: Token,
    pub amount: Amount,
    /// Length of a budget period (at least an hour); the cap resets each period.
    #[serde(default = "thirty_days")]
    pub period: Duration,
    /// Ends the budget this long after deployment (none when absent).
    pub expires_in: Option<Duration>,
    /// Child cells: handed down from the parent's budget at deployment (a sub-allocation).
    pub allocate: Option<Amount>,
}

/// A design-file enum that mirrors one of the contracts' (`$sol`, from the interfaces' `sol!`
/// types): its values come from the contracts' enum, and converting from it is an exhaustive match,
/// so a variant the contracts add does not compile until it is named here. Only the lower-case
/// words people write in design files and flags are this file's own.
macro_rules! named_enum {
    ($name:ident mirrors $sol:ty { $($variant:ident = $text:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($text),*];
            /// The contracts' value.
            pub fn as_u8(self) -> u8 { self.to_sol() as u8 }
            pub fn from_u8(v: u8) -> Option<Self> { <$sol>::try_from(v).ok().and_then(Self::from_sol) }
            pub fn to_sol(self) -> $sol { match self { $(Self::$variant => <$sol>::$variant),* } }
            /// `None` only for the decoder's out-of-range marker.
            pub fn from_sol(v: $sol) -> Option<Self> {
                match v { $(<$sol>::$variant => Some(Self::$variant),)* <$sol>::__Invalid => None }
            }
            pub fn name(self) -> &'static str { match self { $(Self::$variant => $text),* } }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.to_ascii_lowercase().as_str() {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(format!("expected one of {}", Self::NAMES.join(", "))),
                }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(de::Error::custom)
            }
        }
    };
}

named_enum!(Phase mirrors dao_bindings::interfaces::ICellRegistry::Phase {
    Conversation = "conversation",
    Formation = "formation",
    Organization = "organization",
    Coordination = "coordination",
    Dissolved = "dissolved",
});

named_enum!(Counting mirrors dao_bindings::interfaces::ICellGovernor::Counting {
    Majority = "majority",
    Supermajority = "supermajority",
    Consent = "consent",
    Quadratic = "quadratic",
});

// named_enum! declares the enum, so the default cannot be a `#[default]` attribute.
#[allow(clippy::derivable_impls)]
impl Default for Counting {
    fn default() -> Self {
        Self::Majority
    }
}

named_enum!(Scale mirrors dao_bindings::interfaces::ICellRegistry::Scale {
    Collaboration = "collaboration",
    Coordination = "coordination",
    Constituency = "constituency",
    Network = "network",
});

impl Phase {
    fn conversation() -> Self {
        Self::Conversation
    }
    fn formation() -> Self {
        Self::Formation
    }
}

impl Scale {
    fn constituency() -> Self {
        Self::Constituency
    }
    fn collaboration() -> Self {
        Self::Collaboration
    }
}

/// An account: a 0x address, or `anvil:N` for dev account N of anvil's default mnemonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account(pub Address);

impl FromStr for Account {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(n) = s.strip_prefix("anvil:") {
            let i: usize = n
                .parse()
                .map_err(|_| format!("`{s}`: expected anvil:0 .. anvil:9"))?;
            return dev::address(i)
                .map(Self)
                .ok_or_else(|| format!("`{s}`: expected anvil:0 .. anvil:9"));
        }
        Address::from_str(s)
            .map(Self)
            .map_err(|_| format!("`{s}`: expected a 0x-prefixed 20-byte address or anvil:N"))
    }
}

impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// A token: ETH (address 0 in the treasury) or an ERC-20.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Token(pub Address);

impl Token {
    pub fn is_eth(&self) -> bool {
        self.0 == Address::ZERO
    }
}

impl FromStr for Token {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("eth") {
            return Ok(Self(Address::ZERO));
        }
        Address::from_str(s)
            .map(Self)
            .map_err(|_| format!("`{s}`: expected `eth` or an ERC-20 address"))
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_eth() {
            f.write_str("ETH")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

pub use crate::amount::{Amount, AmountError, TokenMeta};

/// Formats wei as ETH (`1.5 ETH`); ERC-20 amounts print with [`TokenMeta::format`].
pub fn format_amount(v: U256) -> String {
    TokenMeta::eth().format(v)
}

/// Amounts in a design file: a string in one of the forms of [`crate::amount`], or an integer
/// (base units).
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an amount like \"1.5\", \"1.5 HUSD\", \"1500000 units\" or \"1.5 ether\"",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::base_units(U256::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                u64::try_from(v)
                    .map(|v| Amount::base_units(U256::from(v)))
                    .map_err(|_| E::custom("expected a non-negative amount"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration in seconds: an integer, or a string like "90s", "10m", "2h", "7d".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Duration(pub u64);

impl FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("`{s}`: expected a duration like 3600, \"90s\", \"10m\", \"2h\" or \"7d\"");
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        let n: u64 = n.parse().map_err(|_| bad())?;
        let mult = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        Ok(Self(n * mult))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration like 3600, \"90s\", \"10m\", \"2h\" or \"7d\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                u64::try_from(v)
                    .map(Duration)
                    .map_err(|_| E::custom("expected a non-negative duration"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Rewrites serde's type words into what a person writes in TOML.
fn plain_expectation(message: &str) -> String {
    // toml's value deserializer appends its own (index-less) path; ours is better.
    let mut m = message
        .split("\nin `")
        .next()
        .unwrap_or(message)
        .trim()
        .to_owned();
    for (from, to) in [
        ("expected u8", "expected an integer"),
        ("expected u16", "expected an integer"),
        ("expected u32", "expected an integer"),
        ("expected u64", "expected an integer"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected an array"),
        ("expected struct ", "expected a table "),
    ] {
        m = m.replace(from, to);
    }
    // "invalid type: string \"x\", expected an integer" -> "expected an integer, found string \"x\""
    if let Some(rest) = m.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {expected}, found {found}");
    }
    m
}

impl Design {
    /// Reads and validates a design file.
    pub fn load(path: &Path) -> Result<(Self, B256), DesignError> {
        let text = std::fs::read_to_string(path).map_err(|source| DesignError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let design = Self::parse(&text)?;
        Ok((design, keccak256(text.as_bytes())))
    }

    /// Parses and validates design text.
    pub fn parse(text: &str) -> Result<Self, DesignError> {
        let value: toml::Value =
            toml::from_str(text).map_err(|e| DesignError::Syntax(e.to_string()))?;
        let design: Self = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let message = plain_expectation(&e.inner().to_string());
            let path = if path == "." {
                "(top level)".to_owned()
            } else {
                path
            };
            field(path, message)
        })?;
        design.validate()?;
        Ok(design)
    }

    fn validate(&self) -> Result<(), DesignError> {
        if let Some(f) = &self.dao.fund {
            f.check_offline(Address::ZERO)
                .map_err(|e| field("dao.fund", e.to_string()))?;
        }
        let g = &self.dao.governance;
        match (&g.safe, &g.address) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(field(
                    "dao.governance",
                    "expected exactly one of `safe` or `address`",
                ));
            }
            (Some(safe), None) => {
                if safe.owners.is_empty() {
                    return Err(field(
                        "dao.governance.safe.owners",
                        "expected at least one owner",
                    ));
                }
                if safe.threshold == 0 || safe.threshold as usize > safe.owners.len() {
                    return Err(field(
                        "dao.governance.safe.threshold",
                        format!(
                            "expected 1 ..= {} (the number of owners)",
                            safe.owners.len()
                        ),
                    ));
                }
            }
            (None, Some(_)) => {}
        }
        if self.dao.name.trim().is_empty() {
            return Err(field("dao.name", "expected a non-empty name"));
        }
        if !self
            .dao
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(field(
                "dao.name",
                "expected letters, digits, `-` and `_` only (it names the record file)",
            ));
        }
        validate_roles("dao.roles", &self.dao.roles)?;
        validate_budgets("dao.budgets", &self.dao.budgets, false)?;
        self.validate_streams("dao", "dao.streams", &self.dao.streams, &self.dao.budgets)?;
        let mut keys: Vec<&str> = vec!["dao"];
        for (i, cell) in self.cells.iter().enumerate() {
            let at = format!("cells[{i}]");
            if keys.contains(&cell.key.as_str()) {
                return Err(field(
                    format!("{at}.key"),
                    format!("expected a unique key, `{}` is taken", cell.key),
                ));
            }
            if !keys.contains(&cell.parent.as_str()) {
                return Err(field(
                    format!("{at}.parent"),
                    format!(
                        "expected `dao` or the key of a cell declared above, found `{}`",
                        cell.parent
                    ),
                ));
            }
            match (&cell.admin, &cell.governor) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(field(
                        at,
                        "expected exactly one of `admin` (person-run) or `governor` (vote-run)",
                    ));
                }
                _ => {}
            }
            if let Some(gov) = &cell.governor {
                let g = format!("{at}.governor");
                match gov.electorate.as_str() {
                    "members" => {}
                    "token" if gov.token.is_some() => {}
                    "token" => {
                        return Err(field(
                            format!("{g}.token"),
                            "expected the IVotes token of a token electorate",
                        ));
                    }
                    other => {
                        return Err(field(
                            format!("{g}.electorate"),
                            format!("expected `members` or `token`, found `{other}`"),
                        ));
                    }
                }
                if gov.voting_period == 0 {
                    return Err(field(
                        format!("{g}.voting_period"),
                        "expected a positive number of blocks",
                    ));
                }
                validate_governor(&g, gov)?;
            }
            if cell.phase == Phase::Dissolved {
                return Err(field(
                    format!("{at}.phase"),
                    "expected a live phase (not dissolved)",
                ));
            }
            for (j, r) in cell.restrictions.iter().enumerate() {
                if restriction_bit(r).is_none() {
                    return Err(field(
                        format!("{at}.restrictions[{j}]"),
                        "expected one of create-subcells, change-own-phase, set-state, partnerships",
                    ));
                }
            }
            validate_roles(&format!("{at}.roles"), &cell.roles)?;
            validate_budgets(&format!("{at}.budgets"), &cell.budgets, true)?;
            keys.push(&cell.key);
        }
        for (i, cell) in self.cells.iter().enumerate() {
            self.validate_streams(
                &cell.key,
                &format!("cells[{i}].streams"),
                &cell.streams,
                &cell.budgets,
            )?;
        }
        self.validate_allocations()?;
        Ok(())
    }

    /// Whether `key` is `below` itself or a cell under it.
    fn is_under(&self, key: &str, below: &str) -> bool {
        let mut at = key;
        loop {
            if at == below {
                return true;
            }
            match self.cell(at) {
                Some(c) => at = &c.parent,
                None => return false,
            }
        }
    }

    /// A stream pays a role of its cell or of a cell below, from a budget the cell has in its
    /// token, at a rate RoleStreams accepts.
    fn validate_streams(
        &self,
        own: &str,
        at: &str,
        streams: &[StreamSpec],
        budgets: &[BudgetSpec],
    ) -> Result<(), DesignError> {
        for (i, st) in streams.iter().enumerate() {
            let here = format!("{at}[{i}]");
            let (cell, role) = st.target(own);
            let roles = if cell == "dao" {
                Some(&self.dao.roles)
            } else {
                self.cell(cell).map(|c| &c.roles)
            };
            let Some(roles) = roles.filter(|_| self.is_under(cell, own)) else {
                return Err(field(
                    format!("{here}.role"),
                    format!(
                        "expected `member`, `admin`, a role of `{own}`, or KEY.ROLE of a cell below it, found `{}`",
                        st.role
                    ),
                ));
            };
            if role != "member" && role != "admin" && !roles.contains_key(role) {
                return Err(field(
                    format!("{here}.role"),
                    format!("`{cell}` has no role `{role}` in the design"),
                ));
            }
            if !budgets.iter().any(|b| b.token == st.token) {
                return Err(field(
                    format!("{here}.token"),
                    format!(
                        "`{own}` has no budget in {} to pay the stream from",
                        st.token
                    ),
                ));
            }
            if st.streams_before(streams, i, own) {
                return Err(field(
                    format!("{here}.role"),
                    format!(
                        "expected one stream per role and token, `{}` in {} has two",
                        st.role, st.token
                    ),
                ));
            }
            let units = st
                .amount
                .check_offline(st.token.0)
                .map_err(|e| field(format!("{here}.amount"), e.to_string()))?;
            if units.is_some_and(|u| u.is_zero()) {
                return Err(field(
                    format!("{here}.amount"),
                    "expected a positive amount",
                ));
            }
            if units.is_some_and(|u| u.bit_len() > MAX_BUDGET_AMOUNT_BITS) {
                return Err(field(
                    format!("{here}.amount"),
                    "expected at most 2^112 - 1 base units",
                ));
            }
            if st.period.0 == 0 || st.period.0 > u64::from(u32::MAX) {
                return Err(field(
                    format!("{here}.period"),
                    "expected a period of at least a second and at most 2^32 - 1 s",
                ));
            }
            if st.ends_in == Some(Duration(0)) {
                return Err(field(
                    format!("{here}.ends_in"),
                    "expected a positive duration (omit it for an open-ended stream)",
                ));
            }
        }
        Ok(())
    }

    /// Sub-allocations at deployment come out of the parent's budget in the same token: the DAO root
    /// hands down out of its ceiling, a cell out of what it received itself (its own `allocate`).
    fn validate_allocations(&self) -> Result<(), DesignError> {
        for (i, cell) in self.cells.iter().enumerate() {
            for (j, b) in cell.budgets.iter().enumerate() {
                if b.allocate.is_none() {
                    continue;
                }
                let at = format!("cells[{i}].budgets[{j}].allocate");
                let (parent_at, parent_budgets, parent_is_root) = if cell.parent == "dao" {
                    ("dao.budgets".to_owned(), &self.dao.budgets, true)
                } else {
                    let p = self
                        .cells
                        .iter()
                        .position(|c| c.key == cell.parent)
                        .expect("parents were checked above");
                    (format!("cells[{p}].budgets"), &self.cells[p].budgets, false)
                };
                let Some(parent) = parent_budgets.iter().find(|pb| pb.token == b.token) else {
                    return Err(field(
                        at,
                        format!(
                            "`{}` has no {} budget to hand down from (add one to {parent_at})",
                            cell.parent, b.token
                        ),
                    ));
                };
                // What the parent can hand down in its first period. Amounts of an ERC-20 in whole
                // tokens are compared once resolved against the token (at deploy time).
                let source = if parent_is_root {
                    Some(&parent.amount)
                } else {
                    parent.allocate.as_ref()
                };
                let known = |a: Option<&Amount>| match a {
                    Some(a) => a.check_offline(b.token.0).ok().flatten(),
                    None => Some(U256::ZERO),
                };
                let Some(source_units) = known(source) else {
                    continue;
                };
                let mut siblings = Some(U256::ZERO);
                for sb in self
                    .cells
                    .iter()
                    .filter(|c| c.parent == cell.parent)
                    .flat_map(|c| c.budgets.iter())
                    .filter(|sb| sb.token == b.token && sb.allocate.is_some())
                {
                    siblings = siblings
                        .zip(known(sb.allocate.as_ref()))
                        .map(|(acc, a)| acc.saturating_add(a));
                }
                let Some(siblings) = siblings else {
                    continue;
                };
                if siblings > source_units {
                    let show = |v: U256| match b.amount.token() {
                        Some(meta) => meta.format(v),
                        None if b.token.is_eth() => TokenMeta::eth().format(v),
                        None => format!("{v} units of {}", b.token),
                    };
                    return Err(field(
                        at,
                        format!(
                            "the cells under `{}` are handed {} in all, more than it has to hand down ({}: {})",
                            cell.parent,
                            show(siblings),
                            show(source_units),
                            if parent_is_root {
                                "the DAO's ceiling"
                            } else {
                                "what it is allocated itself"
                            }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The ERC-20 tokens the design's budgets name.
    pub fn tokens(&self) -> std::collections::BTreeSet<Address> {
        std::iter::once(&self.dao.budgets)
            .chain(self.cells.iter().map(|c| &c.budgets))
            .flatten()
            .map(|b| b.token.0)
            .chain(
                std::iter::once(&self.dao.streams)
                    .chain(self.cells.iter().map(|c| &c.streams))
                    .flatten()
                    .map(|s| s.token.0),
            )
            // A voting token is read only when a threshold is written in whole tokens (an IVotes
            // token need not have decimals()).
            .chain(self.cells.iter().filter_map(|c| {
                let g = c.governor.as_ref()?;
                g.proposal_threshold.units().is_none().then_some(g.token?.0)
            }))
            .filter(|t| !t.is_zero())
            .collect()
    }

    /// Resolves every amount against its token (`meta` of each of [`Design::tokens`]; ETH is
    /// known), so that all amounts are base units printed with the token's symbol, and checks the
    /// design again with the resolved amounts. An error names the field.
    pub fn resolve_amounts(
        &mut self,
        meta: &BTreeMap<Address, TokenMeta>,
    ) -> Result<(), DesignError> {
        let eth = TokenMeta::eth();
        let resolve = |at: String, b: &mut BudgetSpec| -> Result<(), DesignError> {
            let token = if b.token.is_eth() {
                &eth
            } else {
                meta.get(&b.token.0)
                    .ok_or_else(|| field(format!("{at}.token"), "token metadata was not read"))?
            };
            b.amount = b
                .amount
                .resolved(token)
                .map_err(|e| field(format!("{at}.amount"), e.to_string()))?;
            if let Some(a) = &b.allocate {
                b.allocate = Some(
                    a.resolved(token)
                        .map_err(|e| field(format!("{at}.allocate"), e.to_string()))?,
                );
            }
            Ok(())
        };
        for (i, b) in self.dao.budgets.iter_mut().enumerate() {
            resolve(format!("dao.budgets[{i}]"), b)?;
        }
        for (i, c) in self.cells.iter_mut().enumerate() {
            for (j, b) in c.budgets.iter_mut().enumerate() {
                resolve(format!("cells[{i}].budgets[{j}]"), b)?;
            }
        }
        let resolve_stream = |at: String, st: &mut StreamSpec| -> Result<(), DesignError> {
            let token = if st.token.is_eth() {
                &eth
            } else {
                meta.get(&st.token.0)
                    .ok_or_else(|| field(format!("{at}.token"), "token metadata was not read"))?
            };
            st.amount = st
                .amount
                .resolved(token)
                .map_err(|e| field(format!("{at}.amount"), e.to_string()))?;
            Ok(())
        };
        for (i, st) in self.dao.streams.iter_mut().enumerate() {
            resolve_stream(format!("dao.streams[{i}]"), st)?;
        }
        for (i, c) in self.cells.iter_mut().enumerate() {
            if let Some(g) = c.governor.as_mut()
                && g.proposal_threshold.units().is_none()
                && let Some(token) = g.token.and_then(|t| meta.get(&t.0))
            {
                g.proposal_threshold = g.proposal_threshold.resolved(token).map_err(|e| {
                    field(
                        format!("cells[{i}].governor.proposal_threshold"),
                        e.to_string(),
                    )
                })?;
            }
        }
        for (i, c) in self.cells.iter_mut().enumerate() {
            for (j, st) in c.streams.iter_mut().enumerate() {
                resolve_stream(format!("cells[{i}].streams[{j}]"), st)?;
            }
        }
        if let Some(f) = &self.dao.fund {
            self.dao.fund = Some(
                f.resolved(&eth)
                    .map_err(|e| field("dao.fund", e.to_string()))?,
            );
        }
        self.validate()
    }

    /// The cell spec with `key`.
    pub fn cell(&self, key: &str) -> Option<&CellSpec> {
        self.cells.iter().find(|c| c.key == key)
    }
}

/// The Treasury's shortest budget period (`MIN_PERIOD` in Treasury.sol; a deploy test proves the
/// contract refuses one second less).
pub const MIN_BUDGET_PERIOD: u64 = 3600;
/// The Treasury stores amounts in 112 bits and periods in 32.
const MAX_BUDGET_AMOUNT_BITS: usize = 112;
/// CellGovernor stores its periods (blocks) in 24 bits.
pub const MAX_GOVERNOR_BLOCKS: u32 = (1 << 24) - 1;

/// The rules CellGovernor's `configure` enforces (`_validate`), checked before anything is sent.
fn validate_governor(at: &str, gov: &GovernorSpec) -> Result<(), DesignError> {
    if gov.threshold_bps > 10_000 {
        return Err(field(
            format!("{at}.threshold_bps"),
            format!(
                "expected basis points between 0 and 10000, found {}",
                gov.threshold_bps
            ),
        ));
    }
    if gov.quorum_bps > 10_000 {
        return Err(field(
            format!("{at}.quorum_bps"),
            format!(
                "expected basis points between 0 and 10000, found {}",
                gov.quorum_bps
            ),
        ));
    }
    match gov.counting {
        Counting::Supermajority if gov.threshold_bps <= 5_000 => {
            return Err(field(
                format!("{at}.threshold_bps"),
                format!(
                    "a supermajority needs a threshold above half (above 5000 basis points), found {}",
                    gov.threshold_bps
                ),
            ));
        }
        Counting::Consent if gov.threshold_bps == 0 => {
            return Err(field(
                format!("{at}.threshold_bps"),
                "consent needs a threshold above zero (the share of objections that blocks)",
            ));
        }
        Counting::Quadratic if gov.electorate != "token" => {
            return Err(field(
                format!("{at}.counting"),
                "quadratic counting weighs token votes: it needs electorate = \"token\"",
            ));
        }
        _ => {}
    }
    if let Some(units) = gov
        .proposal_threshold
        .check_offline(gov.token.map(|t| t.0).unwrap_or_default())
        .map_err(|e| field(format!("{at}.proposal_threshold"), e.to_string()))?
        && units.bit_len() > 128
    {
        return Err(field(
            format!("{at}.proposal_threshold"),
            "expected at most 2^128 - 1 base units",
        ));
    }
    if gov.electorate == "members" && gov.token.is_some() {
        return Err(field(
            format!("{at}.token"),
            "a members electorate takes no token (remove it, or set electorate = \"token\")",
        ));
    }
    for (name, blocks) in [
        ("voting_delay", gov.voting_delay),
        ("voting_period", gov.voting_period),
        ("execution_delay", gov.execution_delay),
    ] {
        if blocks > MAX_GOVERNOR_BLOCKS {
            return Err(field(
                format!("{at}.{name}"),
                format!("expected at most {MAX_GOVERNOR_BLOCKS} blocks, found {blocks}"),
            ));
        }
    }
    Ok(())
}

/// The rules Treasury's `setBudget` enforces, checked before anything is sent.
fn validate_budgets(at: &str, budgets: &[BudgetSpec], funded: bool) -> Result<(), DesignError> {
    for (i, b) in budgets.iter().enumerate() {
        let here = format!("{at}[{i}]");
        if budgets[..i].iter().any(|other| other.token == b.token) {
            return Err(field(
                format!("{here}.token"),
                format!("expected one budget per token, {} has two", b.token),
            ));
        }
        let amount = b
            .amount
            .check_offline(b.token.0)
            .map_err(|e| field(format!("{here}.amount"), e.to_string()))?;
        if amount.is_some_and(|v| v.bit_len() > MAX_BUDGET_AMOUNT_BITS) {
            return Err(field(
                format!("{here}.amount"),
                "expected at most 2^112 - 1 base units",
            ));
        }
        if b.period.0 < MIN_BUDGET_PERIOD || b.period.0 > u64::from(u32::MAX) {
            return Err(field(
                format!("{here}.period"),
                format!(
                    "expected a period of at least an hour (3600 s) and at most 2^32 - 1 s, found {} s",
                    b.period.0
                ),
            ));
        }
        if b.expires_in == Some(Duration(0)) {
            return Err(field(
                format!("{here}.expires_in"),
                "expected a positive duration (omit it for a budget that does not expire)",
            ));
        }
        if let Some(a) = &b.allocate {
            if !funded {
                return Err(field(
                    format!("{here}.allocate"),
                    "the DAO root is funded by its Safe, not handed an allocation",
                ));
            }
            let units = a
                .check_offline(b.token.0)
                .map_err(|e| field(format!("{here}.allocate"), e.to_string()))?;
            if units.zip(amount).is_some_and(|(a, v)| a > v) {
                return Err(field(
                    format!("{here}.allocate"),
                    format!(
                        "expected at most the budget's amount ({}), found {a}",
                        b.amount
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn validate_roles(at: &str, roles: &BTreeMap<String, RoleSpec>) -> Result<(), DesignError> {
    for (name, role) in roles {
        if role.max_supply == Some(0) {
            return Err(field(
                format!("{at}.{name}.max_supply"),
                "expected a positive integer",
            ));
        }
        if let Some(max) = role.max_supply
            && role.wearers.len() > max as usize
        {
            return Err(field(
                format!("{at}.{name}.wearers"),
                format!(
                    "expected at most max_supply = {max} wearers, found {}",
                    role.wearers.len()
                ),
            ));
        }
    }
    Ok(())
}

/// The CellRestrictions bit for a restriction name.
pub fn restriction_bit(name: &str) -> Option<u16> {
    match name {
        "create-subcells" => Some(1),
        "change-own-phase" => Some(2),
        "set-state" => Some(4),
        "partnerships" => Some(8),
        _ => None,
    }
}

/// A state key as stored on chain: the name's bytes, left-aligned in 32 bytes (StateKeys.sol).
pub fn state_key(name: &str) -> B256 {
    let mut key = [0u8; 32];
    let bytes = name.as_bytes();
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    B256::from(key)
}

/// The name back from a state key (trailing zero bytes dropped), or hex when not UTF-8.
pub fn state_key_name(key: B256) -> String {
    let trimmed: Vec<u8> = key.iter().copied().take_while(|b| *b != 0).collect();
    String::from_utf8(trimmed).unwrap_or_else(|_| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[dao]
name = "tiny"
governance = { address = "anvil:0" }
members = ["anvil:1"]
"#;

    #[test]
    fn minimal_design_parses() {
        let d = Design::parse(MINIMAL).expect("parses");
        assert_eq!(d.dao.name, "tiny");
        assert_eq!(d.dao.phase, Phase::Conversation);
        assert!(d.cells.is_empty());
    }

    fn err(text: &str) -> String {
        Design::parse(text).expect_err("rejected").to_string()
    }

    #[test]
    fn streams_pay_roles_of_the_cell_or_below_from_a_budget() {
        // ops (under dao) with a role and a budget; eng below ops; side beside ops.
        let tree = |ops_stream: &str| {
            format!(
                "{MINIMAL}\n[[dao.budgets]]\namount = \"10 ether\"\n\
                 [[cells]]\nkey = \"ops\"\nname = \"Ops\"\nadmin = \"anvil:1\"\n\
                 [cells.roles.scribe]\n[[cells.budgets]]\namount = \"5 ether\"\n{ops_stream}\n\
                 [[cells]]\nkey = \"eng\"\nname = \"Eng\"\nparent = \"ops\"\nadmin = \"anvil:2\"\n\
                 [cells.roles.dev]\n\
                 [[cells]]\nkey = \"side\"\nname = \"Side\"\nadmin = \"anvil:3\"\n"
            )
        };
        let stream = |body: &str| format!("[[cells.streams]]\n{body}\n");
        for ok in [
            "role = \"member\"\namount = \"1 ether\"",
            "role = \"scribe\"\namount = \"1 ether\"\nperiod = \"7d\"\nends_in = \"90d\"",
            "role = \"eng.dev\"\namount = 1",
            "role = \"admin\"\namount = \"1 ether\"",
        ] {
            let d = Design::parse(&tree(&stream(ok))).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(d.cells[0].streams.len(), 1);
        }
        let cases = [
            (
                "role = \"clerk\"\namount = 1",
                "cells[0].streams[0].role: `ops` has no role `clerk` in the design",
            ),
            (
                "role = \"side.member\"\namount = 1",
                "cells[0].streams[0].role: expected `member`, `admin`, a role of `ops`, or KEY.ROLE of a cell below it, found `side.member`",
            ),
            (
                "role = \"member\"\namount = 1\ntoken = \"0x00000000000000000000000000000000000000aa\"",
                "cells[0].streams[0].token: `ops` has no budget in 0x00000000000000000000000000000000000000AA to pay the stream from",
            ),
            (
                "role = \"member\"\namount = 0",
                "cells[0].streams[0].amount: expected a positive amount",
            ),
            (
                "role = \"member\"\namount = 1\nends_in = 0",
                "cells[0].streams[0].ends_in: expected a positive duration (omit it for an open-ended stream)",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(err(&tree(&stream(body))), want, "{body}");
        }
        let twice = format!(
            "{}{}",
            stream("role = \"member\"\namount = 1"),
            stream("role = \"member\"\namount = 2")
        );
        assert_eq!(
            err(&tree(&twice)),
            "cells[0].streams[1].role: expected one stream per role and token, `member` in ETH has two"
        );
    }

    #[test]
    fn errors_name_the_path_and_the_expectation() {
        let text = format!(
            "{MINIMAL}\n[[cells]]\nkey = \"a\"\nname = \"A\"\nadmin = \"anvil:1\"\n[[cells]]\nkey = \"b\"\nname = \"B\"\nadmin = \"anvil:1\"\n[[cells]]\nkey = \"c\"\nname = \"C\"\nadmin = \"anvil:2\"\n[cells.roles.member]\nmax_supply = \"three\"\n"
        );
        assert_eq!(
            err(&text),
            "cells[2].roles.member.max_supply: expected an integer, found string \"three\""
        );
        let unknown = format!("{MINIMAL}\ncolour = \"blue\"\n");
        assert!(
            err(&unknown).starts_with("dao.colour: unknown field `colour`, expected one of `name`"),
            "{}",
            err(&unknown)
        );
        let phase = MINIMAL.replace("members = ", "phase = \"planning\"\nmembers = ");
        assert!(
            err(&phase).starts_with("dao.phase: expected one of conversation"),
            "{}",
            err(&phase)
        );
        let addr = MINIMAL.replace("anvil:1", "0x1234");
        assert!(
            err(&addr).starts_with("dao.members[0]: `0x1234`: expected a 0x-prefixed"),
            "{}",
            err(&addr)
        );
        let parent = format!(
            "{MINIMAL}\n[[cells]]\nkey = \"a\"\nname = \"A\"\nparent = \"ops\"\nadmin = \"anvil:1\"\n"
        );
        assert!(
            err(&parent).starts_with("cells[0].parent: expected `dao` or the key"),
            "{}",
            err(&parent)
        );
        let both = MINIMAL.replace(
            "address = \"anvil:0\"",
            "address = \"anvil:0\", safe = { owners = [\"anvil:0\"], threshold = 1 }",
        );
        assert_eq!(
            err(&both),
            "dao.governance: expected exactly one of `safe` or `address`"
        );
    }

    /// A vote-run cell `v` under the DAO with the given governor lines.
    fn with_governor(lines: &str) -> String {
        format!(
            "{MINIMAL}\n[[cells]]\nkey = \"v\"\nname = \"V\"\n[cells.governor]\nvoting_period = 5\nexecution_delay = 5\n{lines}\n"
        )
    }

    #[test]
    fn governor_settings_follow_the_contracts_rules() {
        assert!(
            Design::parse(&with_governor(
                "counting = \"supermajority\"\nthreshold_bps = 5001"
            ))
            .is_ok()
        );
        assert_eq!(
            err(&with_governor(
                "counting = \"supermajority\"\nthreshold_bps = 5000"
            )),
            "cells[0].governor.threshold_bps: a supermajority needs a threshold above half (above 5000 basis points), found 5000"
        );
        assert!(Design::parse(&with_governor("counting = \"consent\"\nthreshold_bps = 1")).is_ok());
        assert!(
            err(&with_governor("counting = \"consent\"")).starts_with(
                "cells[0].governor.threshold_bps: consent needs a threshold above zero"
            )
        );
        assert!(
            err(&with_governor("counting = \"quadratic\""))
                .starts_with("cells[0].governor.counting: quadratic counting weighs token votes")
        );
        assert!(
            err(&with_governor("token = \"anvil:1\""))
                .starts_with("cells[0].governor.token: a members electorate takes no token")
        );
        assert_eq!(
            err(&with_governor("quorum_bps = 10001")),
            "cells[0].governor.quorum_bps: expected basis points between 0 and 10000, found 10001"
        );
        // 24-bit block counts: the last value that fits passes, one more is refused (it would not encode).
        assert!(Design::parse(&with_governor("voting_delay = 16777215")).is_ok());
        assert_eq!(
            err(&with_governor("voting_delay = 16777216")),
            "cells[0].governor.voting_delay: expected at most 16777215 blocks, found 16777216"
        );
    }

    #[test]
    fn budgets_follow_the_treasurys_rules() {
        let dao_budget =
            |lines: &str| format!("{MINIMAL}\n[[dao.budgets]]\namount = \"10 ether\"\n{lines}\n");
        assert!(Design::parse(&dao_budget("period = 3600")).is_ok());
        assert_eq!(
            err(&dao_budget("period = 3599")),
            "dao.budgets[0].period: expected a period of at least an hour (3600 s) and at most 2^32 - 1 s, found 3599 s"
        );
        assert!(
            err(&dao_budget("allocate = \"1 ether\""))
                .starts_with("dao.budgets[0].allocate: the DAO root is funded by its Safe")
        );
        let twice = format!("{}\n[[dao.budgets]]\namount = 5\n", dao_budget(""));
        assert_eq!(
            err(&twice),
            "dao.budgets[1].token: expected one budget per token, ETH has two"
        );
        let huge =
            dao_budget("").replace("\"10 ether\"", "\"5192296858534827628530496329220096 wei\"");
        assert_eq!(
            err(&huge),
            "dao.budgets[0].amount: expected at most 2^112 - 1 base units"
        );

        // Allocations: out of the DAO's ceiling, then out of what a cell received itself.
        let tree = |ops_alloc: &str, eng_alloc: &str| {
            format!(
                "{}\n[[cells]]\nkey = \"ops\"\nname = \"Ops\"\nadmin = \"anvil:1\"\n[[cells.budgets]]\namount = \"8 ether\"\nallocate = \"{ops_alloc}\"\n[[cells]]\nkey = \"eng\"\nname = \"Eng\"\nparent = \"ops\"\nadmin = \"anvil:2\"\n[[cells.budgets]]\namount = \"5 ether\"\nallocate = \"{eng_alloc}\"\n",
                dao_budget("")
            )
        };
        assert!(Design::parse(&tree("4 ether", "4 ether")).is_ok());
        assert!(
            err(&tree("4 ether", "4.5 ether")).starts_with("cells[1].budgets[0].allocate: the cells under `ops` are handed 4.5 ETH in all, more than it has to hand down (4 ETH: what it is allocated itself)"),
            "{}",
            err(&tree("4 ether", "4.5 ether"))
        );
        assert!(err(&tree("9 ether", "1 ether")).starts_with(
            "cells[0].budgets[0].allocate: expected at most the budget's amount (8 ether)"
        ),);
        let no_parent_budget =
            tree("4 ether", "1 ether").replace("[[dao.budgets]]\namount = \"10 ether\"\n", "");
        assert!(
            err(&no_parent_budget).starts_with(
                "cells[0].budgets[0].allocate: `dao` has no ETH budget to hand down from"
            ),
            "{}",
            err(&no_parent_budget)
        );
    }

    /// ERC-20 amounts: the syntax offline, the values once resolved against the token.
    #[test]
    fn erc20_amounts_resolve_against_the_token() {
        let husd = TokenMeta {
            address: Address::repeat_byte(0x11),
            symbol: "HUSD".into(),
            decimals: 6,
        };
        let design = |dao: &str, cell: &str| {
            format!(
                "{MINIMAL}\n[[dao.budgets]]\ntoken = \"{}\"\namount = {dao}\n[[cells]]\nkey = \"ops\"\nname = \"Ops\"\nadmin = \"anvil:1\"\n[[cells.budgets]]\ntoken = \"{}\"\namount = \"100\"\nallocate = {cell}\n",
                husd.address, husd.address
            )
        };
        let metas = BTreeMap::from([(husd.address, husd.clone())]);
        let resolved = |text: &str| {
            let mut d = Design::parse(text)?;
            d.resolve_amounts(&metas).map(|()| d)
        };
        let d = resolved(&design("\"50000 HUSD\"", "\"12.5\"")).expect("resolves");
        assert_eq!(
            d.tokens().into_iter().collect::<Vec<_>>(),
            vec![husd.address]
        );
        assert_eq!(
            d.dao.budgets[0].amount.units(),
            Some(U256::from(50_000_000_000u64))
        );
        assert_eq!(d.dao.budgets[0].amount.to_string(), "50000 HUSD");
        assert_eq!(
            d.cells[0].budgets[0]
                .allocate
                .as_ref()
                .and_then(|a| a.units()),
            Some(U256::from(12_500_000u64))
        );
        // TOML integers are base units; `units` too.
        let d = resolved(&design("50000000000", "\"12500000 units\"")).expect("resolves");
        assert_eq!(
            d.dao.budgets[0].amount.units(),
            Some(U256::from(50_000_000_000u64))
        );
        // Offline: an ether unit on an ERC-20 is refused; a symbol is only checked once resolved.
        assert!(
            err(&design("\"1 ether\"", "\"1\"")).starts_with(
                "dao.budgets[0].amount: `1 ether`: ether is an ether unit and the token is the ERC-20"
            ),
            "{}",
            err(&design("\"1 ether\"", "\"1\""))
        );
        let wrong = design("\"50000 USDC\"", "\"1\"");
        assert!(Design::parse(&wrong).is_ok());
        let e = resolved(&wrong).expect_err("refused").to_string();
        assert!(
            e.starts_with("dao.budgets[0].amount: `50000 USDC`: the token is HUSD"),
            "{e}"
        );
        let e = resolved(&design("\"50000\"", "\"0.0000001\""))
            .expect_err("refused")
            .to_string();
        assert!(
            e.starts_with("cells[0].budgets[0].allocate: `0.0000001`: HUSD (0x1111111111111111111111111111111111111111) has 6 decimals"),
            "{e}"
        );
        // Allocations are compared once the amounts are base units of the token.
        let e = resolved(&design("\"10\"", "\"10.5\""))
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("handed 10.5 HUSD in all, more than it has to hand down (10 HUSD: the DAO's ceiling)"),
            "{e}"
        );
    }

    #[test]
    fn the_examples_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("examples/") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                Design::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 2, "expected the example designs, found {n}");
    }

    #[test]
    fn amounts_and_durations() {
        let eth = TokenMeta::eth();
        assert_eq!(
            "1.5 ether".parse::<Amount>().expect("ok").resolve(&eth),
            Ok(U256::from(15u64) * U256::from(10u64).pow(U256::from(17u64)))
        );
        assert_eq!(
            "20 gwei".parse::<Amount>().expect("ok").units(),
            Some(U256::from(20_000_000_000u64))
        );
        assert!(
            "1.5 bananas"
                .parse::<Amount>()
                .expect("a symbol")
                .resolve(&eth)
                .is_err()
        );
        assert!("1.5 ba nanas".parse::<Amount>().is_err());
        assert_eq!("2h".parse::<Duration>().expect("ok").0, 7200);
        assert_eq!("7d".parse::<Duration>().expect("ok").0, 604_800);
        assert!("soon".parse::<Duration>().is_err());
        assert_eq!(state_key_name(state_key("charter")), "charter");
        assert_eq!(
            format_amount(U256::from(10u64).pow(U256::from(18u64))),
            "1 ETH"
        );
    }

    #[test]
    fn phases_and_scales_are_the_contracts_enums_named_in_lower_case() {
        use dao_bindings::interfaces::ICellRegistry;
        for name in Phase::NAMES {
            let p: Phase = name.parse().expect("a phase");
            assert_eq!(Phase::from_u8(p.as_u8()), Some(p));
            assert_eq!(Phase::from_sol(p.to_sol()), Some(p));
            assert_eq!(format!("{:?}", p.to_sol()).to_lowercase(), *name);
        }
        for name in Scale::NAMES {
            let s: Scale = name.parse().expect("a scale");
            assert_eq!(Scale::from_u8(s.as_u8()), Some(s));
            assert_eq!(format!("{:?}", s.to_sol()).to_lowercase(), *name);
        }
        assert_eq!(
            Phase::Dissolved.as_u8(),
            ICellRegistry::Phase::Dissolved as u8
        );
        assert_eq!(Phase::from_u8(Phase::NAMES.len() as u8), None);
        assert_eq!(Scale::from_u8(Scale::NAMES.len() as u8), None);
    }
}
