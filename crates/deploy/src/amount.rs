//! Amounts of ETH and ERC-20 tokens, as written in design files and on the command line, and as
//! printed: one parser and one formatter for every command.
//!
//! Accepted forms (the number may be `1500000`, `1.5` or in scientific notation `2.5e6`, `1e18`):
//!
//! | form            | meaning                                                               |
//! |-----------------|-----------------------------------------------------------------------|
//! | `1.5`           | whole tokens, in the token's decimals (ETH: 18)                       |
//! | `1.5 HUSD`      | the same, with the token's own symbol, checked against `symbol()`     |
//! | `1.5 tokens`    | whole tokens (as `1.5`)                                               |
//! | `1500000 units` | base units of the token (`2.5e6 units`, `1e18 units`)                 |
//! | `1.5 ether`, `20 gwei`, `1e18 wei` | ether units: ETH only (an error on an ERC-20)      |
//!
//! In a TOML design file an integer (`amount = 1000`) is base units, as a quoted `"1000 units"`.
//! An amount with more decimals than the token has is an error, never truncated; so are negative
//! amounts and amounts above 2^256 - 1 base units. The unit may follow the number without a
//! space on the command line (`0.5ether`, `12.5HUSD`).
//!
//! Amounts print as `1234.5 HUSD`: the token's symbol, its decimals, no thousands separators (so
//! that any printed amount can be pasted back as input).
use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    sol,
    sol_types::SolCall,
};
use std::{collections::HashMap, fmt, str::FromStr, sync::Mutex};

sol! {
    interface IERC20Metadata {
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
        function balanceOf(address account) external view returns (uint256);
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error(
        "`{0}`: expected an amount like 1.5 (whole tokens), \"1.5 HUSD\" (with the token's symbol), \
         \"1500000 units\" (base units), \"2.5e6 units\", or for ETH \"1.5 ether\", \"20 gwei\", \"1e18 wei\""
    )]
    Syntax(String),
    #[error("`{0}`: expected a non-negative amount")]
    Negative(String),
    #[error("`{0}`: too large (at most 2^256 - 1 base units)")]
    Overflow(String),
    #[error("`{text}`: {token} has {decimals} decimals, the amount has more")]
    TooManyDecimals {
        text: String,
        token: String,
        decimals: u8,
    },
    #[error("`{text}`: the token is {token}, whose symbol is {symbol}, not {found}")]
    WrongSymbol {
        text: String,
        token: String,
        symbol: String,
        found: String,
    },
    #[error(
        "`{text}`: {unit} is an ether unit and the token is the ERC-20 {token}: write whole tokens \
         (`1.5` or `1.5 SYMBOL`) or base units (`1500000 units`)"
    )]
    EtherUnitOnErc20 {
        text: String,
        unit: String,
        token: String,
    },
    #[error("token {token}: {call} failed ({reason}); is it an ERC-20?")]
    Token {
        token: Address,
        call: &'static str,
        reason: String,
    },
}

/// What an amount needs to know about its token: ETH is 18 decimals, "ETH".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMeta {
    /// The zero address for ETH.
    pub address: Address,
    pub symbol: String,
    pub decimals: u8,
}

impl TokenMeta {
    pub fn eth() -> Self {
        Self {
            address: Address::ZERO,
            symbol: "ETH".to_owned(),
            decimals: 18,
        }
    }

    pub fn is_eth(&self) -> bool {
        self.address.is_zero()
    }

    /// `1234.5 HUSD`: base units in the token's decimals, with its symbol.
    pub fn format(&self, units: U256) -> String {
        format!("{} {}", format_units(units, self.decimals), self.symbol)
    }

    /// Parses an amount of this token (see the module's forms) into base units.
    pub fn parse(&self, text: &str) -> Result<U256, AmountError> {
        text.parse::<Amount>()?.resolve(self)
    }

    /// How the token is named in messages: `HUSD (0x…)`, or `ETH`.
    fn label(&self) -> String {
        if self.is_eth() {
            "ETH".to_owned()
        } else {
            format!("{} ({})", self.symbol, self.address)
        }
    }
}

/// Base units as a decimal number of whole tokens, trailing zeros trimmed: `1234.5`.
pub fn format_units(units: U256, decimals: u8) -> String {
    let digits = units.to_string();
    let d = usize::from(decimals);
    if d == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (whole, frac) = padded.split_at(padded.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    }
}

/// Reads a token's `decimals()` and `symbol()` (ETH for the zero address). A `decimals()` that
/// reverts or returns garbage is an error naming the token; a missing `symbol()` reads as the
/// token's address.
pub async fn read_token<P: Provider>(
    provider: &P,
    token: Address,
) -> Result<TokenMeta, AmountError> {
    if token.is_zero() {
        return Ok(TokenMeta::eth());
    }
    let call = |data: Vec<u8>| {
        alloy::rpc::types::TransactionRequest::default()
            .to(token)
            .input(data.into())
    };
    let raw = provider
        .call(call(IERC20Metadata::decimalsCall {}.abi_encode()))
        .await
        .map_err(|e| AmountError::Token {
            token,
            call: "decimals()",
            reason: e.to_string(),
        })?;
    let decimals =
        IERC20Metadata::decimalsCall::abi_decode_returns(&raw).map_err(|e| AmountError::Token {
            token,
            call: "decimals()",
            reason: format!("returned {raw}: {e}"),
        })?;
    let symbol = match provider
        .call(call(IERC20Metadata::symbolCall {}.abi_encode()))
        .await
    {
        Ok(raw) => IERC20Metadata::symbolCall::abi_decode_returns(&raw)
            .ok()
            .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace)),
        Err(_) => None,
    };
    Ok(TokenMeta {
        address: token,
        symbol: symbol.unwrap_or_else(|| token.to_string()),
        decimals,
    })
}

/// `account`'s balance of `token` (ETH for the zero address).
pub async fn balance_of<P: Provider>(
    provider: &P,
    token: Address,
    account: Address,
) -> Result<U256, AmountError> {
    let failed = |reason: String| AmountError::Token {
        token,
        call: "balanceOf()",
        reason,
    };
    if token.is_zero() {
        return provider
            .get_balance(account)
            .await
            .map_err(|e| failed(e.to_string()));
    }
    let req = alloy::rpc::types::TransactionRequest::default()
        .to(token)
        .input(
            IERC20Metadata::balanceOfCall { account }
                .abi_encode()
                .into(),
        );
    let raw = provider
        .call(req)
        .await
        .map_err(|e| failed(e.to_string()))?;
    IERC20Metadata::balanceOfCall::abi_decode_returns(&raw).map_err(|e| failed(e.to_string()))
}

/// Token metadata read once per token and process.
#[derive(Debug, Default)]
pub struct TokenCache(Mutex<HashMap<Address, TokenMeta>>);

impl TokenCache {
    pub async fn get<P: Provider>(
        &self,
        provider: &P,
        token: Address,
    ) -> Result<TokenMeta, AmountError> {
        if let Some(m) = self.0.lock().expect("token cache").get(&token) {
            return Ok(m.clone());
        }
        let meta = read_token(provider, token).await?;
        self.0
            .lock()
            .expect("token cache")
            .insert(token, meta.clone());
        Ok(meta)
    }
}

/// Reads the metadata of every ERC-20 of `design` (once each), resolves its amounts against
/// them and checks the design again: a deployment uses the amounts the tokens mean.
pub async fn resolve_design<P: Provider>(
    provider: &P,
    cache: &TokenCache,
    design: &mut crate::Design,
) -> Result<(), crate::DeployError> {
    let mut metas = std::collections::BTreeMap::new();
    for token in design.tokens() {
        metas.insert(token, cache.get(provider, token).await?);
    }
    design.resolve_amounts(&metas)?;
    Ok(())
}

/// A decimal number: `mantissa * 10^exponent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mantissa: U256,
    exponent: i64,
}

impl Decimal {
    /// In base units of `decimals`: an error when it has more decimals than that.
    fn scaled(self, decimals: u8, text: &str, token: &str) -> Result<U256, AmountError> {
        let e = self.exponent + i64::from(decimals);
        if self.mantissa.is_zero() {
            return Ok(U256::ZERO);
        }
        if e < 0 {
            return Err(AmountError::TooManyDecimals {
                text: text.to_owned(),
                token: token.to_owned(),
                decimals,
            });
        }
        let overflow = || AmountError::Overflow(text.to_owned());
        let e = u32::try_from(e).map_err(|_| overflow())?;
        U256::from(10u64)
            .checked_pow(U256::from(e))
            .and_then(|p| self.mantissa.checked_mul(p))
            .ok_or_else(overflow)
    }
}

/// Parses `1500000`, `1.5`, `2.5e6`, `1E-3` into a decimal (trailing zeros folded in the exponent).
fn parse_decimal(number: &str, text: &str) -> Result<Decimal, AmountError> {
    let syntax = || AmountError::Syntax(text.to_owned());
    if number.starts_with('-') {
        return Err(AmountError::Negative(text.to_owned()));
    }
    let number = number.strip_prefix('+').unwrap_or(number);
    let (digits, exp) = match number.find(['e', 'E']) {
        Some(i) => (&number[..i], Some(&number[i + 1..])),
        None => (number, None),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(syntax());
    }
    let mut exponent: i64 = match exp {
        Some(e) => e.parse().map_err(|_| syntax())?,
        None => 0,
    };
    let frac = frac.trim_end_matches('0');
    let all = format!("{whole}{frac}");
    let all = all.trim_start_matches('0');
    let mut mantissa = if all.is_empty() {
        U256::ZERO
    } else {
        U256::from_str_radix(all, 10).map_err(|_| AmountError::Overflow(text.to_owned()))?
    };
    exponent = exponent
        .checked_sub(i64::try_from(frac.len()).map_err(|_| syntax())?)
        .ok_or_else(syntax)?;
    let ten = U256::from(10u64);
    while !mantissa.is_zero() && (mantissa % ten).is_zero() {
        mantissa /= ten;
        exponent += 1;
    }
    Ok(Decimal { mantissa, exponent })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Form {
    /// Base units (`N units`, a TOML integer, or resolved against its token).
    Units(U256),
    /// Ether units, in wei: ETH only.
    Ether { wei: U256, unit: String },
    /// Whole tokens, optionally with the symbol they must carry.
    Tokens {
        value: Decimal,
        symbol: Option<String>,
    },
}

/// An amount as written (design file, flag), resolved against its token with
/// [`Amount::resolve`]. After [`Amount::resolved`] it holds base units and prints with the
/// token's symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    form: Form,
    text: String,
    /// Set once resolved: how to print it.
    token: Option<TokenMeta>,
}

impl Default for Amount {
    fn default() -> Self {
        Self::base_units(U256::ZERO)
    }
}

impl Amount {
    /// An amount already in base units.
    pub fn base_units(units: U256) -> Self {
        Self {
            form: Form::Units(units),
            text: format!("{units} units"),
            token: None,
        }
    }

    /// The token it was resolved against.
    pub fn token(&self) -> Option<&TokenMeta> {
        self.token.as_ref()
    }

    /// The text it was written as.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Base units, when known without the token: base units, ether units (meant for ETH), or a
    /// resolved amount. `None` for whole tokens of an unresolved ERC-20.
    pub fn units(&self) -> Option<U256> {
        match &self.form {
            Form::Units(v) | Form::Ether { wei: v, .. } => Some(*v),
            Form::Tokens { .. } => None,
        }
    }

    /// Base units of `token`: whole tokens are scaled by its decimals (an error with more decimals
    /// than it has), a symbol must be its own, ether units are for ETH only.
    pub fn resolve(&self, token: &TokenMeta) -> Result<U256, AmountError> {
        match &self.form {
            Form::Units(v) => Ok(*v),
            Form::Ether { wei, unit } => {
                if token.is_eth() {
                    Ok(*wei)
                } else {
                    Err(AmountError::EtherUnitOnErc20 {
                        text: self.text.clone(),
                        unit: unit.clone(),
                        token: token.label(),
                    })
                }
            }
            Form::Tokens { value, symbol } => {
                if let Some(s) = symbol
                    && s != &token.symbol
                {
                    return Err(AmountError::WrongSymbol {
                        text: self.text.clone(),
                        token: token.label(),
                        symbol: token.symbol.clone(),
                        found: s.clone(),
                    });
                }
                value.scaled(token.decimals, &self.text, &token.label())
            }
        }
    }

    /// This amount in base units of `token`, printed with its symbol from now on.
    pub fn resolved(&self, token: &TokenMeta) -> Result<Self, AmountError> {
        let units = self.resolve(token)?;
        Ok(Self {
            form: Form::Units(units),
            text: self.text.clone(),
            token: Some(token.clone()),
        })
    }

    /// What can be checked without reading the token: the ETH forms fully (ETH's decimals are
    /// known), ether units on an ERC-20. Returns the base units where they are known.
    pub fn check_offline(&self, token: Address) -> Result<Option<U256>, AmountError> {
        if token.is_zero() {
            return self.resolve(&TokenMeta::eth()).map(Some);
        }
        if let Form::Ether { unit, .. } = &self.form {
            return Err(AmountError::EtherUnitOnErc20 {
                text: self.text.clone(),
                unit: unit.clone(),
                token: token.to_string(),
            });
        }
        Ok(self.units())
    }
}

impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, AmountError> {
        let text = s.trim();
        // The number: digits, a point, an exponent (`e` followed by a digit or sign).
        let bytes = text.as_bytes();
        let mut end = 0;
        while end < bytes.len() {
            let b = bytes[end];
            let exponent = (b == b'e' || b == b'E')
                && bytes
                    .get(end + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'-' || *n == b'+');
            if b.is_ascii_digit() || b == b'.' || (end == 0 && (b == b'-' || b == b'+')) {
                end += 1;
            } else if exponent {
                end += 2;
            } else {
                break;
            }
        }
        let (number, unit) = text.split_at(end);
        let unit = unit.trim();
        let value = parse_decimal(number, text)?;
        let in_units = |decimals: u8| value.scaled(decimals, text, "ETH");
        let form = match unit.to_ascii_lowercase().as_str() {
            "" | "tokens" | "token" => Form::Tokens {
                value,
                symbol: None,
            },
            "units" | "unit" => {
                Form::Units(value.scaled(0, text, "a base unit").map_err(|e| match e {
                    AmountError::TooManyDecimals { .. } => AmountError::Syntax(text.to_owned()),
                    e => e,
                })?)
            }
            "wei" => Form::Ether {
                wei: in_units(0)?,
                unit: "wei".into(),
            },
            "gwei" => Form::Ether {
                wei: in_units(9)?,
                unit: "gwei".into(),
            },
            "ether" => Form::Ether {
                wei: in_units(18)?,
                unit: "ether".into(),
            },
            _ if unit
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
                && unit.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) =>
            {
                // `ETH`/`eth` is ETH's symbol: checked like any other.
                let symbol = if unit.eq_ignore_ascii_case("eth") {
                    "ETH".to_owned()
                } else {
                    unit.to_owned()
                };
                Form::Tokens {
                    value,
                    symbol: Some(symbol),
                }
            }
            _ => return Err(AmountError::Syntax(text.to_owned())),
        };
        Ok(Self {
            form,
            text: text.to_owned(),
            token: None,
        })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.token, &self.form) {
            (Some(t), Form::Units(v)) => f.write_str(&t.format(*v)),
            _ => f.write_str(&self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn husd() -> TokenMeta {
        TokenMeta {
            address: Address::repeat_byte(0x11),
            symbol: "HUSD".into(),
            decimals: 6,
        }
    }

    fn p(text: &str, token: &TokenMeta) -> Result<U256, AmountError> {
        token.parse(text)
    }

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn every_accepted_form() {
        let (h, e) = (husd(), TokenMeta::eth());
        assert_eq!(p("1.5", &h), Ok(u(1_500_000)));
        assert_eq!(p("50000", &h), Ok(u(50_000_000_000)));
        assert_eq!(p("12.5", &h), Ok(u(12_500_000)));
        assert_eq!(p("1.5 HUSD", &h), Ok(u(1_500_000)));
        assert_eq!(p("12.5HUSD", &h), Ok(u(12_500_000)));
        assert_eq!(p("1.5 tokens", &h), Ok(u(1_500_000)));
        assert_eq!(p("1500000 units", &h), Ok(u(1_500_000)));
        assert_eq!(p("2.5e6 units", &h), Ok(u(2_500_000)));
        assert_eq!(p("1e18 units", &h), Ok(u(10u128.pow(18))));
        assert_eq!(p("1.5e3", &h), Ok(u(1_500_000_000)));
        assert_eq!(p("0.000001", &h), Ok(u(1)));
        assert_eq!(p("1.500000", &h), Ok(u(1_500_000)));
        assert_eq!(p("0", &h), Ok(U256::ZERO));
        assert_eq!(p("1.5", &e), Ok(u(15 * 10u128.pow(17))));
        assert_eq!(p("1.5 ETH", &e), Ok(u(15 * 10u128.pow(17))));
        assert_eq!(p("1.5 eth", &e), Ok(u(15 * 10u128.pow(17))));
        assert_eq!(p("1.5 ether", &e), Ok(u(15 * 10u128.pow(17))));
        assert_eq!(p("0.5ether", &e), Ok(u(5 * 10u128.pow(17))));
        assert_eq!(p("20 gwei", &e), Ok(u(20_000_000_000)));
        assert_eq!(p("1e18 wei", &e), Ok(u(10u128.pow(18))));
        assert_eq!(p("1e18wei", &e), Ok(u(10u128.pow(18))));
        assert_eq!(p("1000 wei", &e), Ok(u(1000)));
        assert_eq!(p("1E-3 ether", &e), Ok(u(10u128.pow(15))));
    }

    #[test]
    fn every_error() {
        let (h, e) = (husd(), TokenMeta::eth());
        let err = p("1.0000005", &h).expect_err("refused");
        assert!(
            matches!(err, AmountError::TooManyDecimals { decimals: 6, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("HUSD"), "{err}");
        assert!(matches!(
            p("1e-7", &h),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            p("0.5 wei", &e),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert!(matches!(p("1.5 units", &h), Err(AmountError::Syntax(_))));
        let err = p("1.5 USDC", &h).expect_err("refused");
        assert!(matches!(err, AmountError::WrongSymbol { .. }), "{err}");
        assert!(
            err.to_string().contains("whose symbol is HUSD, not USDC"),
            "{err}"
        );
        assert!(matches!(
            p("1 husd", &h),
            Err(AmountError::WrongSymbol { .. })
        ));
        assert!(matches!(
            p("1 HUSD", &e),
            Err(AmountError::WrongSymbol { .. })
        ));
        for ether in ["1.5 ether", "20 gwei", "1e18 wei"] {
            let err = p(ether, &h).expect_err("refused");
            assert!(matches!(err, AmountError::EtherUnitOnErc20 { .. }), "{err}");
        }
        assert!(matches!(p("-1", &h), Err(AmountError::Negative(_))));
        assert!(matches!(p("-1 ether", &e), Err(AmountError::Negative(_))));
        assert!(matches!(p("1e78 units", &h), Err(AmountError::Overflow(_))));
        assert!(matches!(
            p(&format!("{} units", "9".repeat(80)), &h),
            Err(AmountError::Overflow(_))
        ));
        assert!(matches!(
            p("1e99999999999", &h),
            Err(AmountError::Overflow(_))
        ));
        for bad in ["", "abc", "1.2.3", "1 2", ".", "1 ether!", "1.5 HUSD!"] {
            assert!(matches!(p(bad, &e), Err(AmountError::Syntax(_))), "{bad}");
        }
    }

    #[test]
    fn formats_with_symbol_and_decimals() {
        let (h, e) = (husd(), TokenMeta::eth());
        assert_eq!(h.format(u(50_000_000_000)), "50000 HUSD");
        assert_eq!(h.format(u(12_500_000)), "12.5 HUSD");
        assert_eq!(h.format(u(1)), "0.000001 HUSD");
        assert_eq!(h.format(U256::ZERO), "0 HUSD");
        assert_eq!(e.format(u(15 * 10u128.pow(17))), "1.5 ETH");
        assert_eq!(format_units(u(1234), 0), "1234");
        // What is printed parses back to the same units.
        for v in [0u128, 1, 12_500_000, 50_000_000_000, 123_456_789] {
            assert_eq!(h.parse(&h.format(u(v))), Ok(u(v)));
        }
        let a: Amount = "50000".parse().expect("ok");
        assert_eq!(a.to_string(), "50000");
        assert_eq!(a.resolved(&h).expect("ok").to_string(), "50000 HUSD");
        assert_eq!(a.units(), None);
        assert_eq!(a.check_offline(h.address), Ok(None));
        assert!(
            "1 ether"
                .parse::<Amount>()
                .expect("ok")
                .check_offline(h.address)
                .is_err()
        );
    }
}
