//! Owners' transactions of a Safe, explained wherever they come from.
//!
//! A Safe's `ExecutionSuccess` says an owners' transaction ran, not what it did. The call it ran
//! (target, value, operation, data) is recovered, in this order, from:
//!
//! 1. the Safe's own `SafeMultiSigTransaction` event, which the `SafeL2` singleton emits before
//!    executing (same transaction, before the `ExecutionSuccess`);
//! 2. the transaction itself, when it calls the Safe's `execTransaction` directly;
//! 3. the transaction's call trace (`debug_traceTransaction` with the `callTracer`), where the node
//!    offers it: the `execTransaction` calls into the Safe made by any contract (a relayer, a
//!    module of another wallet, a batch), in execution order.
//!
//! When none of these applies the transaction cannot be explained, and the audit reports it as
//! an error: whatever it moved is unaccounted for.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol_types::SolCall,
};
use dao_bindings::Safe;
use serde::Deserialize;

// The generated constructor takes the event's 11 fields.
#[allow(clippy::too_many_arguments)]
mod l2 {
    alloy::sol! {
        /// The event the `SafeL2` singleton emits for every owners' transaction (Safe 1.4.1).
        #[derive(Debug, PartialEq, Eq)]
        interface SafeL2Events {
            event SafeMultiSigTransaction(
                address to,
                uint256 value,
                bytes data,
                uint8 operation,
                uint256 safeTxGas,
                uint256 baseGas,
                uint256 gasPrice,
                address gasToken,
                address refundReceiver,
                bytes signatures,
                bytes additionalInfo
            );
        }
    }
}
pub use l2::SafeL2Events;

/// Where the call of an owners' transaction was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The `SafeL2` singleton's `SafeMultiSigTransaction` event; `sender` called
    /// `execTransaction` (an owner, or a relayer).
    SafeL2Event { sender: Address },
    /// The transaction called `execTransaction` on the Safe directly.
    Transaction,
    /// Recovered from the transaction's call trace (relayed through `via`).
    CallTrace { via: Address },
}

/// The call an owners' transaction made the Safe run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerCall {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
    /// 0 CALL, 1 DELEGATECALL.
    pub operation: u8,
    pub evidence: Evidence,
}

impl OwnerCall {
    fn of(call: &Safe::execTransactionCall, evidence: Evidence) -> Self {
        Self {
            to: call.to,
            value: call.value,
            data: call.data.clone(),
            operation: call.operation,
            evidence,
        }
    }

    pub fn from_l2_event(e: &SafeL2Events::SafeMultiSigTransaction) -> Self {
        use alloy::sol_types::SolValue;
        // additionalInfo = abi.encode(nonce, msg.sender, threshold).
        let sender = <(U256, Address, U256)>::abi_decode_params(&e.additionalInfo)
            .map(|(_, sender, _)| sender)
            .unwrap_or_default();
        Self {
            to: e.to,
            value: e.value,
            data: e.data.clone(),
            operation: e.operation,
            evidence: Evidence::SafeL2Event { sender },
        }
    }
}

/// One frame of a geth-style `callTracer` trace (the fields the audit reads).
#[derive(Debug, Clone, Deserialize)]
pub struct CallFrame {
    #[serde(default)]
    pub from: Option<Address>,
    #[serde(default)]
    pub to: Option<Address>,
    #[serde(default)]
    pub input: Bytes,
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Set when the frame reverted.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub calls: Vec<CallFrame>,
}

/// The `execTransaction` calls into `safe` in `trace` that did not revert, in execution order,
/// each with the address that made it.
pub fn exec_calls_in_trace(trace: &CallFrame, safe: Address) -> Vec<(Address, OwnerCall)> {
    fn walk(f: &CallFrame, safe: Address, out: &mut Vec<(Address, OwnerCall)>) {
        if f.error.is_some() {
            return;
        }
        // A CALL (not a DELEGATECALL or STATICCALL) into the Safe's own address.
        if f.to == Some(safe)
            && f.kind.eq_ignore_ascii_case("CALL")
            && let Ok(call) = Safe::execTransactionCall::abi_decode(&f.input)
        {
            let via = f.from.unwrap_or_default();
            out.push((via, OwnerCall::of(&call, Evidence::CallTrace { via })));
        }
        for c in &f.calls {
            walk(c, safe, out);
        }
    }
    let mut out = Vec::new();
    walk(trace, safe, &mut out);
    out
}

/// Why an owners' transaction cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unexplained {
    #[error(
        "the transaction was relayed through {via} and its call cannot be recovered: the Safe is \
         not a SafeL2 (no SafeMultiSigTransaction event) and the node offers no call trace \
         ({reason}); audit with a provider that serves debug_traceTransaction"
    )]
    NoTrace { via: Address, reason: String },
    #[error(
        "the transaction was relayed through {via} and its trace has no successful \
         execTransaction into the Safe matching this ExecutionSuccess (#{index} in the transaction)"
    )]
    NotInTrace { via: Address, index: usize },
    #[error("the transaction {0} is not known to the node")]
    NoTransaction(B256),
}

/// Recovers the call of the `index`-th owners' transaction (counting `ExecutionSuccess` and
/// `ExecutionFailure` of `safe` in the transaction) of transaction `tx_hash`, when neither the
/// `SafeL2` event nor a direct call gives it.
pub async fn recover<P: Provider>(
    provider: &P,
    safe: Address,
    tx_hash: B256,
    index: usize,
) -> Result<OwnerCall, Unexplained> {
    let tx = provider
        .get_transaction_by_hash(tx_hash)
        .await
        .ok()
        .flatten()
        .ok_or(Unexplained::NoTransaction(tx_hash))?;
    let to = alloy::consensus::Transaction::to(&tx);
    let input = alloy::consensus::Transaction::input(&tx);
    if to == Some(safe)
        && index == 0
        && let Ok(call) = Safe::execTransactionCall::abi_decode(input)
    {
        return Ok(OwnerCall::of(&call, Evidence::Transaction));
    }
    let via = to.unwrap_or_default();
    let trace: CallFrame = provider
        .raw_request(
            "debug_traceTransaction".into(),
            (tx_hash, serde_json::json!({ "tracer": "callTracer" })),
        )
        .await
        .map_err(|e| Unexplained::NoTrace {
            via,
            reason: e.to_string(),
        })?;
    exec_calls_in_trace(&trace, safe)
        .into_iter()
        .nth(index)
        .map(|(_, c)| c)
        .ok_or(Unexplained::NotInTrace { via, index })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(to: Address, value: u64, operation: u8) -> Bytes {
        Safe::execTransactionCall {
            to,
            value: U256::from(value),
            data: Bytes::new(),
            operation,
            safeTxGas: U256::ZERO,
            baseGas: U256::ZERO,
            gasPrice: U256::ZERO,
            gasToken: Address::ZERO,
            refundReceiver: Address::ZERO,
            signatures: Bytes::new(),
        }
        .abi_encode()
        .into()
    }

    fn frame(from: u8, to: Address, input: Bytes, error: bool, calls: Vec<CallFrame>) -> CallFrame {
        CallFrame {
            from: Some(Address::repeat_byte(from)),
            to: Some(to),
            input,
            kind: "CALL".into(),
            error: error.then(|| "execution reverted".into()),
            calls,
        }
    }

    #[test]
    fn finds_relayed_exec_calls_in_order_and_skips_reverted_ones() {
        let safe = Address::repeat_byte(0x5a);
        let relayer = Address::repeat_byte(0x11);
        let trace = frame(
            1,
            relayer,
            Bytes::new(),
            false,
            vec![
                frame(
                    0x11,
                    safe,
                    exec(Address::repeat_byte(7), 5, 0),
                    false,
                    vec![],
                ),
                frame(
                    0x11,
                    safe,
                    exec(Address::repeat_byte(8), 6, 0),
                    true,
                    vec![],
                ),
                frame(
                    0x11,
                    safe,
                    exec(Address::repeat_byte(9), 0, 1),
                    false,
                    vec![],
                ),
                // Another Safe's execTransaction is not this Safe's.
                frame(
                    0x11,
                    Address::repeat_byte(1),
                    exec(Address::ZERO, 1, 0),
                    false,
                    vec![],
                ),
            ],
        );
        let found = exec_calls_in_trace(&trace, safe);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, relayer);
        assert_eq!(
            (found[0].1.to, found[0].1.value),
            (Address::repeat_byte(7), U256::from(5))
        );
        assert_eq!(found[1].1.operation, 1);
        assert_eq!(found[1].1.evidence, Evidence::CallTrace { via: relayer });
    }

    #[test]
    fn parses_a_geth_call_tracer_frame() {
        let json = r#"{"from":"0x1111111111111111111111111111111111111111","gas":"0x1","gasUsed":"0x1",
            "to":"0x2222222222222222222222222222222222222222","input":"0x","value":"0x0","type":"CALL",
            "calls":[{"from":"0x2222222222222222222222222222222222222222","to":"0x3333333333333333333333333333333333333333",
            "input":"0x12","type":"DELEGATECALL","error":"execution reverted"}]}"#;
        let f: CallFrame = serde_json::from_str(json).expect("frame");
        assert_eq!(f.calls.len(), 1);
        assert_eq!(f.calls[0].kind, "DELEGATECALL");
        assert!(f.calls[0].error.is_some());
    }
}
