//! # dao-testkit
//!
//! Test support shared by the crates' tests: [`Proxy`], an HTTP JSON-RPC proxy on 127.0.0.1 in
//! front of anvil that behaves like a hosted provider:
//!
//! - refuses an `eth_getLogs` that spans more than [`ProxyConfig::max_blocks`] blocks (or has no
//!   numeric `fromBlock`/`toBlock`: an unbounded query) with the error texts such providers
//!   return, rotating between them, and one that returns more than
//!   [`ProxyConfig::max_results`] logs with Infura's -32005 "query returned more than 10000
//!   results";
//! - injects, at [`ProxyConfig::fault_rate`] of the calls chosen by a deterministic seed, HTTP
//!   429 and 503, JSON-RPC -32603 "internal error", -32000 "header not found", -32005 "project
//!   ID request rate exceeded" and dropped connections (the request is read, then the socket is
//!   closed without an answer);
//! - counts the calls per method, the refusals and the injected faults ([`ProxyStats`]);
//! - optionally rewrites the logs `eth_getLogs` answers ([`ProxyConfig::rewrite_logs`]): a node
//!   that lies, to plant in the logs what correct contracts can never log (a forged vote, a grant
//!   by a non-admin) and check that the audit names it.
//!
//! The proxy runs on its own thread and runtime, so a test may block on a child process
//! (`daoctl`) while the proxy serves it.
//!
//! [`measure`] reads what the benchmarks print about this process (peak and resident memory, CPU
//! time) from Linux's /proc.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

pub mod measure;

use alloy::transports::http::reqwest;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// anvil's own binary (not the npm wrapper script, whose child would outlive a kill).
pub fn anvil_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules");
    let native = root.join("@foundry-rs/anvil-linux-amd64/bin/anvil");
    if native.exists() {
        native
    } else {
        root.join(".bin/anvil")
    }
}

/// How the proxy behaves.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The node behind the proxy (anvil's endpoint).
    pub upstream: String,
    /// Most blocks one `eth_getLogs` may span.
    pub max_blocks: u64,
    /// Most logs one `eth_getLogs` may return.
    pub max_results: usize,
    /// Share of calls (0.0..=1.0) answered by an injected fault instead of the node.
    pub fault_rate: f64,
    /// Seeds the choice of faulty calls and of fault kinds: the same seed and the same sequence
    /// of calls give the same faults.
    pub seed: u64,
    /// Applied to every log of every `eth_getLogs` answer (the JSON log object, as the node sent
    /// it) before it is returned.
    pub rewrite_logs: Option<LogRewrite>,
}

/// A rewrite of the logs the proxy answers with (see [`ProxyConfig::rewrite_logs`]).
#[derive(Clone)]
pub struct LogRewrite(pub Arc<dyn Fn(&mut Value) + Send + Sync>);

impl std::fmt::Debug for LogRewrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogRewrite(..)")
    }
}

impl ProxyConfig {
    /// A provider capped like the common hosted ones (1,000 blocks, 10,000 results), no faults.
    pub fn hosted(upstream: impl Into<String>) -> Self {
        Self {
            upstream: upstream.into(),
            max_blocks: 1_000,
            max_results: 10_000,
            fault_rate: 0.0,
            seed: 11,
            rewrite_logs: None,
        }
    }

    /// Every `eth_getLogs` answer passes each of its logs through `rewrite`.
    pub fn rewriting_logs(mut self, rewrite: impl Fn(&mut Value) + Send + Sync + 'static) -> Self {
        self.rewrite_logs = Some(LogRewrite(Arc::new(rewrite)));
        self
    }

    pub fn with_faults(mut self, rate: f64, seed: u64) -> Self {
        self.fault_rate = rate;
        self.seed = seed;
        self
    }
}

/// The failures the proxy injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    Http429,
    Http503,
    InternalError32603,
    HeaderNotFound32000,
    RateExceeded32005,
    DroppedConnection,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::Http429,
        Fault::Http503,
        Fault::InternalError32603,
        Fault::HeaderNotFound32000,
        Fault::RateExceeded32005,
        Fault::DroppedConnection,
    ];
}

/// What the proxy saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Calls received per method (faulted and refused ones included).
    pub calls: BTreeMap<String, u64>,
    /// `eth_getLogs` refused for spanning more than `max_blocks`.
    pub refused_range: u64,
    /// `eth_getLogs` refused for returning more than `max_results`.
    pub refused_results: u64,
    /// `eth_getLogs` without a numeric `fromBlock` and `toBlock` (nor a `blockHash`).
    pub unbounded: u64,
    /// Widest `eth_getLogs` span the proxy let through.
    pub widest_accepted_span: u64,
    pub faults: BTreeMap<Fault, u64>,
}

impl ProxyStats {
    pub fn calls(&self, method: &str) -> u64 {
        self.calls.get(method).copied().unwrap_or(0)
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}

struct Shared {
    cfg: ProxyConfig,
    http: reqwest::Client,
    sequence: AtomicU64,
    stats: Mutex<ProxyStats>,
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    url: String,
    shared: Arc<Shared>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("url", &self.url).finish()
    }
}

impl Proxy {
    /// Binds 127.0.0.1 on a free port and serves on a thread of its own.
    pub fn start(cfg: ProxyConfig) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            cfg,
            http: reqwest::Client::new(),
            sequence: AtomicU64::new(0),
            stats: Mutex::new(ProxyStats::default()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let served = shared.clone();
        std::thread::Builder::new()
            .name("rpc-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    let accept = async {
                        while let Ok((stream, _)) = listener.accept().await {
                            tokio::spawn(serve(stream, served.clone()));
                        }
                    };
                    tokio::select! {
                        _ = stopped => {}
                        () = accept => {}
                    }
                });
            })?;
        Ok(Self {
            url,
            shared,
            _stop: stop,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the proxy saw so far.
    pub fn stats(&self) -> ProxyStats {
        self.shared
            .stats
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Forgets the counts (not the fault sequence).
    pub fn reset_stats(&self) {
        if let Ok(mut s) = self.shared.stats.lock() {
            *s = ProxyStats::default();
        }
    }
}

/// What to answer one HTTP request with.
enum Reply {
    Http { status: u16, body: Vec<u8> },
    Drop,
}

/// Serves one keep-alive connection: HTTP/1.1 requests with a Content-Length body.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut line = String::new();
        match read.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut length = 0usize;
        loop {
            line.clear();
            if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if read.read_exact(&mut body).await.is_err() {
            return;
        }
        match shared.handle(&body).await {
            Reply::Drop => return,
            Reply::Http { status, body } => {
                let reason = match status {
                    200 => "OK",
                    429 => "Too Many Requests",
                    503 => "Service Unavailable",
                    _ => "Error",
                };
                let head = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                if write.write_all(head.as_bytes()).await.is_err()
                    || write.write_all(&body).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

/// splitmix64: a tiny deterministic mixer, enough to spread faults over calls.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Reply {
    Reply::Http {
        status: 200,
        body: json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            .to_string()
            .into_bytes(),
    }
}

fn block_number(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

/// What hosted providers say when a log query spans too many blocks (rotated by the seed, so
/// the client's classifier meets each).
const RANGE_ERRORS: [(i64, &str); 4] = [
    (-32602, "block range too large: {span} blocks, max {max}"),
    (
        -32602,
        "Log response size exceeded. You can make eth_getLogs requests with up to a {max} block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response.",
    ),
    (-32614, "eth_getLogs is limited to a {max} range"),
    (-32000, "exceed maximum block range: {max}"),
];

impl Shared {
    fn count(&self, f: impl FnOnce(&mut ProxyStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    async fn handle(&self, body: &[u8]) -> Reply {
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let methods: Vec<String> = match &request {
            Value::Array(batch) => batch
                .iter()
                .filter_map(|r| r["method"].as_str().map(str::to_owned))
                .collect(),
            single => single["method"]
                .as_str()
                .map(str::to_owned)
                .into_iter()
                .collect(),
        };
        self.count(|s| {
            for m in &methods {
                *s.calls.entry(m.clone()).or_default() += 1;
            }
        });
        let id = request.get("id").cloned().unwrap_or(Value::Null);

        let n = self.sequence.fetch_add(1, Ordering::SeqCst);
        let roll = mix(self.cfg.seed ^ mix(n));
        if ((roll >> 11) as f64 / (1u64 << 53) as f64) < self.cfg.fault_rate {
            let fault = Fault::ALL[(roll % Fault::ALL.len() as u64) as usize];
            self.count(|s| *s.faults.entry(fault).or_default() += 1);
            return match fault {
                Fault::Http429 => Reply::Http {
                    status: 429,
                    body:
                        br#"{"jsonrpc":"2.0","error":{"code":429,"message":"Too Many Requests"}}"#
                            .to_vec(),
                },
                Fault::Http503 => Reply::Http {
                    status: 503,
                    body: b"Service Unavailable".to_vec(),
                },
                Fault::InternalError32603 => rpc_error(&id, -32603, "internal error"),
                Fault::HeaderNotFound32000 => rpc_error(&id, -32000, "header not found"),
                Fault::RateExceeded32005 => {
                    rpc_error(&id, -32005, "project ID request rate exceeded")
                }
                Fault::DroppedConnection => Reply::Drop,
            };
        }

        if request["method"] == "eth_getLogs" {
            let filter = &request["params"][0];
            if filter.get("blockHash").is_none() {
                let (Some(from), Some(to)) = (
                    block_number(&filter["fromBlock"]),
                    block_number(&filter["toBlock"]),
                ) else {
                    self.count(|s| s.unbounded += 1);
                    let max = self.cfg.max_blocks.to_string();
                    return rpc_error(
                        &id,
                        -32602,
                        &format!("block range too large: unbounded query, max {max}"),
                    );
                };
                let span = to.saturating_sub(from) + 1;
                if span > self.cfg.max_blocks {
                    self.count(|s| s.refused_range += 1);
                    let (code, text) = RANGE_ERRORS[(mix(n) % RANGE_ERRORS.len() as u64) as usize];
                    let text = text
                        .replace("{span}", &span.to_string())
                        .replace("{max}", &self.cfg.max_blocks.to_string());
                    return rpc_error(&id, code, &text);
                }
                let mut response = match self.forward(body).await {
                    Ok(r) => r,
                    Err(reply) => return reply,
                };
                self.rewrite(&mut response);
                let results = serde_json::from_slice::<Value>(&response)
                    .ok()
                    .and_then(|v| v["result"].as_array().map(Vec::len))
                    .unwrap_or(0);
                if results > self.cfg.max_results {
                    self.count(|s| s.refused_results += 1);
                    return rpc_error(
                        &id,
                        -32005,
                        &format!(
                            "query returned more than {} results. Try with this block range [{:#x}, {:#x}].",
                            self.cfg.max_results,
                            from,
                            from + span / 2
                        ),
                    );
                }
                self.count(|s| s.widest_accepted_span = s.widest_accepted_span.max(span));
                return Reply::Http {
                    status: 200,
                    body: response,
                };
            }
        }
        match self.forward(body).await {
            Ok(mut body) => {
                if request["method"] == "eth_getLogs" {
                    self.rewrite(&mut body);
                }
                Reply::Http { status: 200, body }
            }
            Err(reply) => reply,
        }
    }

    /// Passes each log of an `eth_getLogs` answer through the configured rewrite, if any.
    fn rewrite(&self, response: &mut Vec<u8>) {
        if let Some(LogRewrite(rewrite)) = &self.cfg.rewrite_logs
            && let Ok(mut answer) = serde_json::from_slice::<Value>(response)
            && let Some(logs) = answer["result"].as_array_mut()
        {
            logs.iter_mut().for_each(|log| rewrite(log));
            *response = answer.to_string().into_bytes();
        }
    }

    /// Sends the request to the node as it came.
    async fn forward(&self, body: &[u8]) -> Result<Vec<u8>, Reply> {
        let sent = self
            .http
            .post(&self.cfg.upstream)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(r) => r.bytes().await.map(|b| b.to_vec()).map_err(|_| Reply::Drop),
            // The node is gone: the client sees what a dead upstream looks like.
            Err(_) => Err(Reply::Http {
                status: 502,
                body: b"Bad Gateway".to_vec(),
            }),
        }
    }
}
