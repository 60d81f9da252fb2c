//! # dao-rpc
//!
//! The one retry policy of the project's JSON-RPC calls, and the one classification of provider
//! errors behind it. Every provider the project builds (`daoctl`'s context, the indexer and the
//! audit it reads through, the deploy crate's signer) is made by [`connect`] or
//! [`connect_with_wallet`], whose transport carries a [`RetryLayer`]: a call that fails
//! transiently is sent again with exponential backoff, wherever in the code it is made.
//!
//! ## Classification ([`ErrorClass::classify`])
//!
//! Checked in this order; the first rule that matches decides.
//!
//! | class | what | examples |
//! |---|---|---|
//! | [`ErrorClass::Fatal`] | the call itself failed: a revert | JSON-RPC code 3, "execution reverted" |
//! | [`ErrorClass::RangeTooLarge`] | the provider says the block range or the result count of an `eth_getLogs` is too large | "block range too large", "query returned more than 10000 results", "Log response size exceeded", "eth_getLogs is limited to a 10,000 range", "block range is too wide", "query timeout exceeded" (geth cancels a log query that is too big) |
//! | [`ErrorClass::RateLimited`] | the provider refused the call before running it | HTTP 429, -32005 (unless it says the range or result count is too large), "rate limit", "too many requests", "request rate exceeded", "exceeded", "compute units", "throughput", "capacity" |
//! | [`ErrorClass::Transient`] | the provider or the network failed; the same call may succeed later | HTTP 408 and 5xx, -32603 internal error, -32000 "header not found" (a load-balanced node behind the others), dropped, refused or reset connections, timeouts, an empty (null) response |
//! | [`ErrorClass::Fatal`] | everything else: asking again gives the same answer | -32602 invalid params, -32601 method not found, "nonce too low", HTTP 400/401/403/404 |
//!
//! Size errors are never retried as they are: the caller (the indexer's adaptive fetcher)
//! halves the range instead. Rate-limited and transient calls are retried by the [`RetryLayer`]
//! — except transactions (`eth_sendRawTransaction`, `eth_sendTransaction`), which are retried
//! only when the provider refused them before running them (rate-limited): after a dropped
//! connection or a 5xx the transaction may have been accepted, and sending it again would fail
//! with "already known" or, worse, hide which attempt landed.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::{ClientBuilder, RpcClient},
        json_rpc::{ErrorPayload, RequestPacket, ResponsePacket},
    },
    transports::{RpcError, TransportError, TransportErrorKind, TransportFut, http::reqwest::Url},
};

/// What a failed JSON-RPC call means for the caller. See the [crate docs](crate) for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The provider refused the call before running it (HTTP 429, -32005, "rate limit"...).
    RateLimited,
    /// The provider or the network failed (5xx, -32603, "header not found", dropped connection,
    /// timeout). The same call may succeed later.
    Transient,
    /// The provider refuses the query for its block range or its result count: ask for less.
    RangeTooLarge,
    /// Asking again gives the same answer.
    Fatal,
}

impl ErrorClass {
    /// Whether the same call may be sent again after a pause.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::Transient)
    }

    /// Classifies a provider's error message with its HTTP status and JSON-RPC code when known.
    pub fn classify(message: &str, http_status: Option<u16>, rpc_code: Option<i64>) -> Self {
        let m = message.to_ascii_lowercase();
        let has = |s: &str| m.contains(s);

        // A revert is the contract's answer, whatever words its reason uses ("BudgetExceeded").
        if rpc_code == Some(3) || has("execution reverted") || has("revert") {
            return Self::Fatal;
        }

        // Size: only messages that say the block range or the result count is too large.
        let size = has("block range")
            || has("range too large")
            || has("range is too large")
            || has("range too wide")
            || has("range is too wide")
            || has("max range")
            || has("maximum range")
            || (has("limited to") && has("range"))
            || (has("more than") && (has("results") || has("logs")))
            || has("too many results")
            || has("too many logs")
            || has("max results")
            || has("maximum results")
            || (has("result") && has("exceeds"))
            || has("response size")
            || has("response is too big")
            || has("response too large")
            || has("query timeout exceeded");
        if size {
            return Self::RangeTooLarge;
        }

        let rate_limited = http_status == Some(429)
            || rpc_code == Some(-32005)
            || has("rate limit")
            || has("ratelimit")
            || has("rate exceeded")
            || has("request rate")
            || has("too many requests")
            || has("exceeded")
            || has("compute units")
            || has("throughput")
            || has("capacity");
        if rate_limited {
            return Self::RateLimited;
        }

        let transient = matches!(http_status, Some(408 | 425 | 500..=599))
            || rpc_code == Some(-32603)
            || has("header not found")
            || has("internal error")
            || has("timeout")
            || has("timed out")
            || has("connection")
            || has("connect")
            || has("reset by peer")
            || has("broken pipe")
            || has("eof")
            || has("error sending request")
            || has("temporarily")
            || has("unavailable")
            || has("bad gateway")
            || has("overloaded")
            || has("try again");
        if transient {
            Self::Transient
        } else {
            Self::Fatal
        }
    }

    /// Classifies an alloy transport error.
    pub fn of(err: &TransportError) -> Self {
        match err {
            RpcError::ErrorResp(payload) => Self::of_payload(payload),
            RpcError::Transport(kind) => Self::of_transport(kind),
            // alloy's name for a response with neither result nor error.
            RpcError::NullResp => Self::Transient,
            RpcError::DeserError { text, .. } => {
                // Some providers answer an error without a JSON-RPC envelope alloy accepts.
                #[derive(serde::Deserialize)]
                struct Envelope {
                    error: ErrorPayload,
                }
                match serde_json::from_str::<Envelope>(text) {
                    Ok(e) => Self::of_payload(&e.error),
                    Err(_) => Self::Fatal,
                }
            }
            _ => Self::Fatal,
        }
    }

    fn of_payload(payload: &ErrorPayload) -> Self {
        Self::classify(&payload.message, None, Some(payload.code))
    }

    fn of_transport(kind: &TransportErrorKind) -> Self {
        match kind {
            TransportErrorKind::HttpError(http) => {
                Self::classify(&http.body, Some(http.status), None)
            }
            TransportErrorKind::HttpErrorWithRetryAfter { error, .. } => {
                match Self::classify(&error.body, Some(error.status), None) {
                    // The server asked for a retry.
                    Self::Fatal => Self::RateLimited,
                    other => other,
                }
            }
            TransportErrorKind::NonRetryable(_) | TransportErrorKind::PubsubUnavailable => {
                Self::Fatal
            }
            other => {
                // reqwest says "error sending request for url (...)" and hides the cause in its
                // source chain: read the whole chain.
                let mut text = other.to_string();
                let mut source = std::error::Error::source(other);
                while let Some(s) = source {
                    text.push_str(": ");
                    text.push_str(&s.to_string());
                    source = s.source();
                }
                match Self::classify(&text, None, None) {
                    // The transport failed without an answer from the provider: a lost
                    // connection until proven otherwise.
                    Self::Fatal => Self::Transient,
                    other => other,
                }
            }
        }
    }
}

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Pause before the first retry; doubled on every retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 8,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff before retry number `attempt` (1-based): `base * 2^(attempt-1)`, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1).min(20))
            .unwrap_or(u32::MAX);
        self.base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Methods that change the chain: sending them twice is not harmless.
fn replay_safe(packet: &RequestPacket) -> bool {
    !packet.method_names().any(|m| {
        matches!(
            m,
            "eth_sendRawTransaction" | "eth_sendTransaction" | "eth_sendRawTransactionSync"
        )
    })
}

/// The transport layer that applies the [`RetryPolicy`] to every call (see the crate docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

impl<S> tower::Layer<S> for RetryLayer {
    type Service = RetryService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryService {
            inner,
            policy: self.policy,
        }
    }
}

/// The service [`RetryLayer`] wraps a transport in.
#[derive(Debug, Clone)]
pub struct RetryService<S> {
    inner: S,
    policy: RetryPolicy,
}

impl<S> tower::Service<RequestPacket> for RetryService<S>
where
    S: tower::Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        > + Clone
        + Send
        + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        // The clone that was polled ready serves the first attempt (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let policy = self.policy;
        Box::pin(async move {
            let safe = replay_safe(&request);
            let mut attempt = 0u32;
            loop {
                let result = inner.call(request.clone()).await;
                let class = match &result {
                    Ok(response) => match response.as_error() {
                        Some(payload) => ErrorClass::of_payload(payload),
                        None => return result,
                    },
                    Err(e) => ErrorClass::of(e),
                };
                let retry = if safe {
                    class.is_retryable()
                } else {
                    class == ErrorClass::RateLimited
                };
                if !retry || attempt >= policy.max_retries {
                    // The last answer as it came: callers decode reverts and classify it again.
                    return result;
                }
                attempt += 1;
                let delay = policy.backoff(attempt);
                let method = request.method_names().next().unwrap_or_default().to_owned();
                let reason = match &result {
                    Ok(r) => r
                        .as_error()
                        .map(|p| format!("error {}: {}", p.code, p.message))
                        .unwrap_or_default(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(
                    method,
                    attempt,
                    ?delay,
                    ?class,
                    "RPC call failed, retrying: {reason}"
                );
                tokio::time::sleep(delay).await;
            }
        })
    }
}

/// A provider could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("bad rpc url `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
}

fn parse_url(url: &str) -> Result<Url, ConnectError> {
    url.parse().map_err(|e| ConnectError::BadUrl {
        url: url.to_owned(),
        reason: format!("{e}"),
    })
}

/// An HTTP JSON-RPC client whose every call goes through the [`RetryLayer`].
pub fn client(url: &str, policy: RetryPolicy) -> Result<RpcClient, ConnectError> {
    Ok(ClientBuilder::default()
        .layer(RetryLayer::new(policy))
        .http(parse_url(url)?))
}

/// A read-only provider with the default [`RetryPolicy`].
pub fn connect(url: &str) -> Result<DynProvider, ConnectError> {
    Ok(ProviderBuilder::new()
        .connect_client(client(url, RetryPolicy::default())?)
        .erased())
}

/// A provider that signs with `wallet`, with the default [`RetryPolicy`].
pub fn connect_with_wallet(url: &str, wallet: EthereumWallet) -> Result<DynProvider, ConnectError> {
    Ok(ProviderBuilder::new()
        .wallet(wallet)
        .connect_client(client(url, RetryPolicy::default())?)
        .erased())
}

/// The gas limit sent for a transaction whose execution was estimated at `estimate`: 30% above it,
/// as `forge script` does. An estimate holds only for the block it was taken against; a later block
/// can cost more (e.g. Roles keeps a grant's times when it ends in a later second than it began,
/// which writes a slot the same-second path clears), and a limit of exactly the estimate then runs
/// out of gas.
pub fn gas_limit_for(estimate: u64) -> u64 {
    estimate.saturating_add(estimate * 3 / 10)
}

#[cfg(test)]
mod tests {
    use super::{ErrorClass::*, *};

    fn rpc(code: i64, message: &str) -> ErrorClass {
        ErrorClass::classify(message, None, Some(code))
    }

    fn http(status: u16, body: &str) -> ErrorClass {
        ErrorClass::of(&TransportErrorKind::http_error(status, body.to_owned()))
    }

    #[test]
    fn http_statuses() {
        assert_eq!(http(429, "Too Many Requests"), RateLimited);
        assert_eq!(http(503, "Service Unavailable"), Transient);
        assert_eq!(http(502, ""), Transient);
        assert_eq!(http(500, ""), Transient);
        assert_eq!(http(504, "gateway timeout"), Transient);
        assert_eq!(http(408, ""), Transient);
        assert_eq!(http(401, "unauthorized"), Fatal);
        assert_eq!(http(404, "not found"), Fatal);
        // Some providers put the JSON-RPC size error in an HTTP 400 body.
        assert_eq!(
            http(
                400,
                r#"{"error":{"code":-32602,"message":"block range too large"}}"#
            ),
            RangeTooLarge
        );
    }

    #[test]
    fn json_rpc_codes_and_messages() {
        // Transient
        assert_eq!(rpc(-32603, "internal error"), Transient);
        assert_eq!(rpc(-32000, "header not found"), Transient);
        // Rate limits, including Infura's -32005 that is not about size.
        assert_eq!(rpc(-32005, "project ID request rate exceeded"), RateLimited);
        assert_eq!(rpc(-32005, "Limit exceeded"), RateLimited);
        assert_eq!(rpc(-32000, "rate limit exceeded"), RateLimited);
        assert_eq!(rpc(429, "Too Many Requests"), RateLimited);
        assert_eq!(
            rpc(
                -32007,
                "100/second request limit reached - reduce calls per second or upgrade your account at quicknode.com; exceeded"
            ),
            RateLimited
        );
        assert_eq!(
            rpc(
                -32000,
                "Your app has exceeded its compute units per second capacity"
            ),
            RateLimited
        );
        // Size errors: the range or the result count.
        assert_eq!(
            rpc(
                -32005,
                "query returned more than 10000 results. Try with this block range [0x1, 0x2]."
            ),
            RangeTooLarge
        );
        assert_eq!(
            rpc(-32602, "block range too large: 5131 blocks, max 1000"),
            RangeTooLarge
        );
        assert_eq!(
            rpc(
                -32602,
                "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size"
            ),
            RangeTooLarge
        );
        assert_eq!(
            rpc(-32614, "eth_getLogs is limited to a 10,000 range"),
            RangeTooLarge
        );
        assert_eq!(rpc(-32000, "block range is too wide"), RangeTooLarge);
        assert_eq!(
            rpc(-32000, "exceed maximum block range: 5000"),
            RangeTooLarge
        );
        assert_eq!(
            rpc(-32602, "range too large, max range: 1000"),
            RangeTooLarge
        );
        assert_eq!(rpc(-32000, "query timeout exceeded"), RangeTooLarge);
        // Fatal
        assert_eq!(rpc(-32602, "invalid params"), Fatal);
        assert_eq!(
            rpc(-32601, "the method eth_foo does not exist/is not available"),
            Fatal
        );
        assert_eq!(rpc(-32000, "nonce too low"), Fatal);
        assert_eq!(
            rpc(-32003, "insufficient funds for gas * price + value"),
            Fatal
        );
        // Reverts stay fatal whatever their reason says.
        assert_eq!(rpc(3, "execution reverted: BudgetExceeded"), Fatal);
        assert_eq!(
            rpc(-32000, "execution reverted: rate limit exceeded"),
            Fatal
        );
    }

    #[test]
    fn transport_failures() {
        let lost = |msg: &str| ErrorClass::of(&TransportErrorKind::custom_str(msg));
        assert_eq!(
            lost("error sending request for url (http://127.0.0.1:1/)"),
            Transient
        );
        assert_eq!(
            lost("connection closed before message completed"),
            Transient
        );
        assert_eq!(
            lost("tcp connect error: Connection refused (os error 111)"),
            Transient
        );
        assert_eq!(lost("connection reset by peer"), Transient);
        assert_eq!(lost("operation timed out"), Transient);
        // Without words, a failed transport is a lost connection.
        assert_eq!(lost("something odd"), Transient);
        assert_eq!(
            ErrorClass::of(&TransportErrorKind::non_retryable_str("bad request")),
            Fatal
        );
        assert_eq!(ErrorClass::of(&RpcError::NullResp), Transient);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(2), Duration::from_millis(400));
        assert_eq!(p.backoff(30), Duration::from_secs(10));
    }
}
