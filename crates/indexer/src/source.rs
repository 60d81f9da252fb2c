//! Where logs come from: the [`LogSource`] trait, its JSON-RPC implementation over an alloy
//! provider, and the classification of provider errors that drives the adaptive range.

use std::future::Future;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes},
    providers::Provider,
    rpc::types::{Filter, Log},
    transports::{RpcError, TransportErrorKind},
};

/// One log as the indexer stores it: everything needed to order, key and decode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLog {
    pub block_number: u64,
    pub block_hash: B256,
    pub tx_index: u64,
    pub tx_hash: B256,
    pub log_index: u64,
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

impl RawLog {
    /// The position that orders logs across the chain: (block, transaction index, log index).
    pub fn position(&self) -> (u64, u64, u64) {
        (self.block_number, self.tx_index, self.log_index)
    }

    /// Converts an RPC log; `None` for a pending log (no block yet), which is never indexed.
    pub fn from_rpc(log: &Log) -> Option<Self> {
        Some(Self {
            block_number: log.block_number?,
            block_hash: log.block_hash?,
            tx_index: log.transaction_index?,
            tx_hash: log.transaction_hash?,
            log_index: log.log_index?,
            address: log.address(),
            topics: log.topics().to_vec(),
            data: log.data().data.clone(),
        })
    }
}

/// How a source failed, which decides what the fetcher does next.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SourceError {
    /// The provider refuses the query's size (too many results, block range too large, response
    /// too big). Retrying the same query is pointless: the fetcher shrinks the range instead.
    #[error("range rejected by the provider: {0}")]
    RangeTooLarge(String),
    /// Timeouts, rate limits (429), dropped connections, 5xx: retried with exponential backoff.
    #[error("transient provider error: {0}")]
    Transient(String),
    /// Anything else: reported to the caller.
    #[error("provider error: {0}")]
    Fatal(String),
}

impl SourceError {
    /// Classifies a provider's error message (and HTTP status / JSON-RPC code when known).
    ///
    /// Providers word their limits differently: Alchemy "query returned more than 10000 results"
    /// or "Log response size exceeded", Infura "query returned more than 10000 results", QuickNode
    /// "eth_getLogs is limited to a 10,000 range", Ankr "block range is too wide", geth "query
    /// timeout exceeded" (a timeout, but caused by the size), Erigon "limit exceeded", Cloudflare
    /// "-32005 Limit exceeded". Rate limits ("rate limit exceeded", 429) are transient, not size.
    pub fn classify(message: &str, http_status: Option<u16>, rpc_code: Option<i64>) -> Self {
        let m = message.to_ascii_lowercase();
        let has = |s: &str| m.contains(s);
        let rate_limited = http_status == Some(429)
            || has("rate limit")
            || has("too many requests")
            || has("compute units")
            || has("throughput");
        if rate_limited {
            return Self::Transient(message.to_owned());
        }
        let too_large = has("too many results")
            || has("more than")
            || has("range too large")
            || has("range is too large")
            || has("too wide")
            || has("block range")
            || has("range limit")
            || has("limit exceeded")
            || has("size exceeded")
            || has("response size")
            || has("response is too big")
            || has("query timeout exceeded")
            || has("limited to")
            || has("max results")
            || has("exceeds max")
            || has("too many logs")
            || rpc_code == Some(-32005) && !has("timeout");
        if too_large {
            return Self::RangeTooLarge(message.to_owned());
        }
        let transient = matches!(http_status, Some(408 | 500..=599))
            || has("timeout")
            || has("timed out")
            || has("connection")
            || has("connect")
            || has("temporarily")
            || has("unavailable")
            || has("reset by peer")
            || has("broken pipe")
            || has("eof");
        if transient {
            Self::Transient(message.to_owned())
        } else {
            Self::Fatal(message.to_owned())
        }
    }

    /// Classifies an alloy transport error.
    pub fn from_rpc(err: &RpcError<TransportErrorKind>) -> Self {
        match err {
            RpcError::ErrorResp(payload) => {
                Self::classify(&payload.message, None, Some(payload.code))
            }
            RpcError::Transport(TransportErrorKind::HttpError(http)) => Self::classify(
                &format!("HTTP {}: {}", http.status, http.body),
                Some(http.status),
                None,
            ),
            RpcError::Transport(kind) => {
                let msg = kind.to_string();
                match Self::classify(&msg, None, None) {
                    // A transport that failed without saying why is treated as a lost connection.
                    Self::Fatal(m) => Self::Transient(m),
                    other => other,
                }
            }
            other => Self::classify(&other.to_string(), None, None),
        }
    }
}

/// A chain's logs and block hashes. Production uses [`RpcSource`]; tests wrap it to inject
/// provider limits and failures.
pub trait LogSource: Send + Sync {
    /// The chain id, recorded in the database so one file never mixes chains.
    fn chain_id(&self) -> impl Future<Output = Result<u64, SourceError>> + Send;
    /// The latest block number.
    fn head(&self) -> impl Future<Output = Result<u64, SourceError>> + Send;
    /// The hash of block `number` on the current canonical chain, `None` past the head.
    fn block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<B256>, SourceError>> + Send;
    /// Every log emitted by `addresses` in blocks `from..=to`, in chain order.
    fn logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<RawLog>, SourceError>> + Send;
}

/// [`LogSource`] over any alloy provider (HTTP, WebSocket, IPC; with or without a retry layer:
/// range errors are recognised in the error text whatever layer passed them up).
#[derive(Debug, Clone)]
pub struct RpcSource<P> {
    provider: P,
}

impl<P: Provider + Clone> RpcSource<P> {
    pub fn new(provider: P) -> Self {
        Self { provider }
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }
}

impl<P: Provider + Clone> LogSource for RpcSource<P> {
    async fn chain_id(&self) -> Result<u64, SourceError> {
        self.provider
            .get_chain_id()
            .await
            .map_err(|e| SourceError::from_rpc(&e))
    }

    async fn head(&self) -> Result<u64, SourceError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| SourceError::from_rpc(&e))
    }

    async fn block_hash(&self, number: u64) -> Result<Option<B256>, SourceError> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(|e| SourceError::from_rpc(&e))?;
        Ok(block.map(|b| b.header.hash))
    }

    async fn logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>, SourceError> {
        let filter = Filter::new()
            .address(addresses.to_vec())
            .from_block(from)
            .to_block(to);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| SourceError::from_rpc(&e))?;
        let mut out: Vec<RawLog> = logs.iter().filter_map(RawLog::from_rpc).collect();
        out.sort_unstable_by_key(RawLog::position);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::SourceError::{self, *};

    fn kind(msg: &str) -> &'static str {
        match SourceError::classify(msg, None, None) {
            RangeTooLarge(_) => "range",
            Transient(_) => "transient",
            Fatal(_) => "fatal",
        }
    }

    #[test]
    fn provider_messages_are_classified() {
        assert_eq!(kind("query returned more than 10000 results"), "range");
        assert_eq!(
            kind(
                "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"
            ),
            "range"
        );
        assert_eq!(kind("eth_getLogs is limited to a 10,000 range"), "range");
        assert_eq!(kind("block range is too wide"), "range");
        assert_eq!(kind("limit exceeded"), "range");
        assert_eq!(kind("rate limit exceeded"), "transient");
        assert_eq!(kind("operation timed out"), "transient");
        assert_eq!(
            kind("error sending request: connection refused"),
            "transient"
        );
        assert_eq!(kind("invalid params"), "fatal");
        assert!(matches!(
            SourceError::classify("x", Some(429), None),
            Transient(_)
        ));
        assert!(matches!(
            SourceError::classify("x", Some(503), None),
            Transient(_)
        ));
        assert!(matches!(
            SourceError::classify("x", None, Some(-32005)),
            RangeTooLarge(_)
        ));
    }
}
