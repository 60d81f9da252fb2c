//! Write results for `--json`: every write a command sends is noted (`Ctx::record_write`) and
//! printed on stdout once: inside the command's own JSON output under "transactions"
//! (`Ctx::print`), or alone when the command prints nothing else (when the `Ctx` is dropped).
use crate::ctx::Ctx;
use alloy::{primitives::B256, rpc::types::TransactionReceipt};

/// A write's result, as printed with --json.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct WriteResult {
    pub action: String,
    pub tx: B256,
    pub block: Option<u64>,
    pub gas_used: u64,
    pub status: &'static str,
    /// The receipt's events, decoded where a contract with bindings emitted them.
    pub events: Vec<String>,
    /// Set when the write went through the DAO's Safe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_tx_hash: Option<B256>,
}

impl WriteResult {
    pub(crate) fn new(action: &str, receipt: &TransactionReceipt) -> Self {
        Self {
            action: action.to_owned(),
            tx: receipt.transaction_hash,
            block: receipt.block_number,
            gas_used: receipt.gas_used,
            status: if receipt.status() {
                "success"
            } else {
                "reverted"
            },
            events: receipt
                .logs()
                .iter()
                .filter_map(|l| dao_bindings::describe_log(l.data()))
                .collect(),
            safe_tx_hash: None,
        }
    }
}

impl Drop for Ctx {
    /// With --json, writes not already printed with the command's own output are printed here.
    fn drop(&mut self) {
        if !self.json || self.printed.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let writes = self.writes.lock().map(|w| w.clone()).unwrap_or_default();
        match writes.as_slice() {
            [] => {}
            [one] => println!("{}", serde_json::to_string_pretty(one).unwrap_or_default()),
            many => println!("{}", serde_json::to_string_pretty(many).unwrap_or_default()),
        }
    }
}

impl Ctx {
    /// Notes a write for the --json output.
    pub(crate) fn record_write(&self, write: WriteResult) {
        if let Ok(mut w) = self.writes.lock() {
            w.push(write);
        }
    }

    /// Marks stdout as written (the --json write summary is then not printed again).
    pub(crate) fn mark_printed(&self) {
        self.printed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// `value` for --json output: an object gains the command's writes under "transactions".
    /// Stdout then holds the writes, so they are not printed again.
    pub(crate) fn with_writes(&self, value: &serde_json::Value) -> serde_json::Value {
        let mut value = value.clone();
        let writes = self.writes.lock().map(|w| w.clone()).unwrap_or_default();
        if let (Some(obj), false) = (value.as_object_mut(), writes.is_empty()) {
            obj.insert(
                "transactions".into(),
                serde_json::to_value(&writes).unwrap_or_default(),
            );
        }
        self.mark_printed();
        value
    }
}
