//! Where logs come from: the [`LogSource`] trait, its JSON-RPC implementation over an alloy
//! provider, and the classification of provider errors that drives the adaptive range.

use std::future::Future;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, U64},
    providers::Provider,
    rpc::types::{Filter, Log},
    transports::{RpcError, TransportErrorKind},
};
use dao_rpc::ErrorClass;

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

/// A log of an `eth_getLogs` answer, read straight into what [`RawLog`] needs. Alloy's
/// [`Log`] flattens its inner log, which makes serde buffer every log of the answer as generic
/// content before reading it; this reads each field once.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcLog {
    address: Address,
    topics: Vec<B256>,
    data: Bytes,
    block_hash: Option<B256>,
    block_number: Option<U64>,
    transaction_hash: Option<B256>,
    transaction_index: Option<U64>,
    log_index: Option<U64>,
}

impl RpcLog {
    /// `None` for a pending log (no block yet), as [`RawLog::from_rpc`].
    fn into_raw(self) -> Option<RawLog> {
        Some(RawLog {
            block_number: self.block_number?.to(),
            block_hash: self.block_hash?,
            tx_index: self.transaction_index?.to(),
            tx_hash: self.transaction_hash?,
            log_index: self.log_index?.to(),
            address: self.address,
            topics: self.topics,
            data: self.data,
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
    /// Classifies a provider's error message (and HTTP status / JSON-RPC code when known) by
    /// the project's one classification, [`dao_rpc::ErrorClass::classify`] (its table is in the
    /// `dao-rpc` crate docs): rate limits and transient failures are [`Self::Transient`].
    pub fn classify(message: &str, http_status: Option<u16>, rpc_code: Option<i64>) -> Self {
        Self::of_class(
            ErrorClass::classify(message, http_status, rpc_code),
            message.to_owned(),
        )
    }

    /// Classifies an alloy transport error (what the retry layer passed up after its retries).
    pub fn from_rpc(err: &RpcError<TransportErrorKind>) -> Self {
        Self::of_class(ErrorClass::of(err), err.to_string())
    }

    fn of_class(class: ErrorClass, message: String) -> Self {
        match class {
            ErrorClass::RangeTooLarge => Self::RangeTooLarge(message),
            ErrorClass::RateLimited | ErrorClass::Transient => Self::Transient(message),
            ErrorClass::Fatal => Self::Fatal(message),
        }
    }
}

/// Which logs a query asks for: the emitting contracts and, per topic position, the accepted
/// values (empty: any). `topics[0]` is the event signature, `topics[1..]` the indexed fields —
/// e.g. a cell, role or proposal id, so a read fetches one DAO's logs from contracts that every
/// DAO on the chain shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub addresses: Vec<Address>,
    pub topics: [Vec<B256>; 4],
}

impl LogQuery {
    /// Logs of `addresses`, any topics.
    pub fn new(addresses: impl IntoIterator<Item = Address>) -> Self {
        Self {
            addresses: addresses.into_iter().collect(),
            topics: Default::default(),
        }
    }

    /// Only logs whose topic `position` (0 = event signature) is one of `values`.
    pub fn topic(mut self, position: usize, values: impl IntoIterator<Item = B256>) -> Self {
        self.topics[position] = values.into_iter().collect();
        self
    }

    /// Whether `log` is one this query asks for (for sources that cannot filter by topic).
    pub fn matches(&self, log: &RawLog) -> bool {
        (self.addresses.is_empty() || self.addresses.contains(&log.address))
            && self.topics.iter().enumerate().all(|(i, accepted)| {
                accepted.is_empty() || log.topics.get(i).is_some_and(|t| accepted.contains(t))
            })
    }

    fn filter(&self, from: u64, to: u64) -> Filter {
        let mut filter = Filter::new()
            .address(self.addresses.clone())
            .from_block(from)
            .to_block(to);
        for (i, accepted) in self.topics.iter().enumerate() {
            if !accepted.is_empty() {
                filter.topics[i] = accepted.clone().into();
            }
        }
        filter
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
    /// The logs `query` selects in blocks `from..=to`, in chain order. Sources that cannot
    /// filter by topic keep the default: every log of the addresses, filtered here.
    fn query_logs(
        &self,
        query: &LogQuery,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<RawLog>, SourceError>> + Send {
        async move {
            let mut logs = self.logs(&query.addresses, from, to).await?;
            logs.retain(|l| query.matches(l));
            Ok(logs)
        }
    }
    /// The id of this run of a dev node (anvil's `anvil_metadata.instanceId`, hardhat's
    /// `hardhat_metadata.instanceId`): a restarted dev chain keeps its chain id, genesis and
    /// contract addresses, and only this tells it apart. `None` for other nodes.
    fn instance_id(&self) -> impl Future<Output = Option<B256>> + Send {
        async { None }
    }
}

/// [`LogSource`] over any alloy provider. Built by `dao_rpc::connect`, the provider retries
/// transient failures itself; size errors come up unretried and are recognised in the error
/// text whatever layer passed them up.
#[derive(Debug, Clone)]
pub struct RpcSource<P> {
    provider: P,
}

impl<P: Provider> RpcSource<P> {
    pub fn new(provider: P) -> Self {
        Self { provider }
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }
}

/// The part of `anvil_metadata` / `hardhat_metadata` the identity check reads.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DevNodeMetadata {
    instance_id: B256,
}

impl<P: Provider> LogSource for RpcSource<P> {
    async fn instance_id(&self) -> Option<B256> {
        for method in ["anvil_metadata", "hardhat_metadata"] {
            if let Ok(m) = self
                .provider
                .raw_request::<_, DevNodeMetadata>(method.into(), ())
                .await
            {
                return Some(m.instance_id);
            }
        }
        None
    }

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
        self.query_logs(&LogQuery::new(addresses.iter().copied()), from, to)
            .await
    }

    async fn query_logs(
        &self,
        query: &LogQuery,
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>, SourceError> {
        let filter = query.filter(from, to);
        // What `Provider::get_logs` sends, read into `RpcLog`s.
        let logs: Vec<RpcLog> = self
            .provider
            .raw_request("eth_getLogs".into(), (filter,))
            .await
            .map_err(|e| SourceError::from_rpc(&e))?;
        let mut out: Vec<RawLog> = logs.into_iter().filter_map(RpcLog::into_raw).collect();
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
        // Issue 11: these were misclassified.
        assert_eq!(kind("limit exceeded"), "transient");
        assert!(matches!(
            SourceError::classify("internal error", None, Some(-32603)),
            Transient(_)
        ));
        assert!(matches!(
            SourceError::classify("header not found", None, Some(-32000)),
            Transient(_)
        ));
        assert!(matches!(
            SourceError::classify("project ID request rate exceeded", None, Some(-32005)),
            Transient(_)
        ));
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
            SourceError::classify("query returned more than 10000 results", None, Some(-32005)),
            RangeTooLarge(_)
        ));
        assert!(matches!(
            SourceError::classify("x", None, Some(-32005)),
            Transient(_)
        ));
    }
}
