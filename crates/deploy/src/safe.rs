//! Safe transactions as Safe 1.4.1 builds and verifies them: one call (CALL) or several batched
//! through MultiSendCallOnly (a DELEGATECALL to it, which only makes CALLs), the EIP-712 SafeTx hash,
//! owner signatures (65-byte ECDSA over the hash, v 27/28, sorted by owner) and `execTransaction`.
//! Used by `deploy` (the Safe's setup batch) and by `daoctl --via-safe` / `daoctl safe ...`.
use alloy::{
    primitives::{Address, B256, Bytes, Signature, U256},
    sol,
    sol_types::{Eip712Domain, SolCall, SolStruct},
};
use dao_bindings::{MultiSendCallOnly, Safe};
use serde::{Deserialize, Serialize};

/// Safe `Enum.Operation.Call`.
pub const CALL: u8 = 0;
/// Safe `Enum.Operation.DelegateCall` (only ever to MultiSendCallOnly here).
pub const DELEGATECALL: u8 = 1;

/// Why a Safe transaction could not be read or checked.
#[derive(Debug, thiserror::Error)]
pub enum SafeError {
    #[error("malformed MultiSend batch at byte {0}")]
    BadBatch(usize),
    #[error("a Safe batch needs at least one call")]
    Empty,
    #[error("signature is not 65 bytes")]
    BadSignatureLength,
    #[error("invalid signature: {0}")]
    BadSignature(String),
}

/// One call the Safe makes (always a CALL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
    /// What the call does, in words (not part of the transaction).
    #[serde(default)]
    pub description: String,
}

sol! {
    /// The EIP-712 struct Safe 1.4.1 signs (`SAFE_TX_TYPEHASH`).
    struct SafeTx {
        address to;
        uint256 value;
        bytes data;
        uint8 operation;
        uint256 safeTxGas;
        uint256 baseGas;
        uint256 gasPrice;
        address gasToken;
        address refundReceiver;
        uint256 nonce;
    }
}

/// A Safe transaction's fields, as the Safe Transaction Service names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTransaction {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
    pub operation: u8,
    pub safe_tx_gas: U256,
    pub base_gas: U256,
    pub gas_price: U256,
    pub gas_token: Address,
    pub refund_receiver: Address,
    pub nonce: U256,
}

/// MultiSend's packed encoding: per call, operation (1 byte, 0 = CALL), to (20), value (32), data
/// length (32), data.
pub fn multisend_pack(calls: &[Call]) -> Bytes {
    let mut packed = Vec::new();
    for c in calls {
        packed.push(CALL);
        packed.extend_from_slice(c.to.as_slice());
        packed.extend_from_slice(&c.value.to_be_bytes::<32>());
        packed.extend_from_slice(&U256::from(c.data.len()).to_be_bytes::<32>());
        packed.extend_from_slice(&c.data);
    }
    packed.into()
}

/// The calls of a packed MultiSend batch (descriptions empty); CALLs only.
pub fn multisend_unpack(packed: &[u8]) -> Result<Vec<Call>, SafeError> {
    let mut calls = Vec::new();
    let mut i = 0;
    while i < packed.len() {
        let head = packed.get(i..i + 85).ok_or(SafeError::BadBatch(i))?;
        if head[0] != CALL {
            return Err(SafeError::BadBatch(i));
        }
        let to = Address::from_slice(&head[1..21]);
        let value = U256::from_be_slice(&head[21..53]);
        let len = usize::try_from(U256::from_be_slice(&head[53..85]))
            .map_err(|_| SafeError::BadBatch(i))?;
        let data = packed
            .get(i + 85..i + 85 + len)
            .ok_or(SafeError::BadBatch(i))?;
        calls.push(Call {
            to,
            value,
            data: Bytes::copy_from_slice(data),
            description: String::new(),
        });
        i += 85 + len;
    }
    Ok(calls)
}

impl SafeTransaction {
    /// One call as a plain CALL; several as one MultiSendCallOnly batch (DELEGATECALL to it).
    pub fn new(calls: &[Call], multisend: Address, nonce: U256) -> Result<Self, SafeError> {
        let (to, value, data, operation) = match calls {
            [] => return Err(SafeError::Empty),
            [one] => (one.to, one.value, one.data.clone(), CALL),
            many => (
                multisend,
                U256::ZERO,
                MultiSendCallOnly::multiSendCall {
                    transactions: multisend_pack(many),
                }
                .abi_encode()
                .into(),
                DELEGATECALL,
            ),
        };
        Ok(Self {
            to,
            value,
            data,
            operation,
            safe_tx_gas: U256::ZERO,
            base_gas: U256::ZERO,
            gas_price: U256::ZERO,
            gas_token: Address::ZERO,
            refund_receiver: Address::ZERO,
            nonce,
        })
    }

    /// The calls this transaction makes (a batch unpacked).
    pub fn calls(&self) -> Result<Vec<Call>, SafeError> {
        if self.operation == CALL {
            return Ok(vec![Call {
                to: self.to,
                value: self.value,
                data: self.data.clone(),
                description: String::new(),
            }]);
        }
        let call = MultiSendCallOnly::multiSendCall::abi_decode(&self.data)
            .map_err(|_| SafeError::BadBatch(0))?;
        multisend_unpack(&call.transactions)
    }

    /// The safeTxHash: EIP-712 over the domain {chainId, verifyingContract: the Safe}, as
    /// `Safe.getTransactionHash` computes it.
    pub fn hash(&self, chain_id: u64, safe: Address) -> B256 {
        let domain = Eip712Domain::new(None, None, Some(U256::from(chain_id)), Some(safe), None);
        SafeTx {
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            operation: self.operation,
            safeTxGas: self.safe_tx_gas,
            baseGas: self.base_gas,
            gasPrice: self.gas_price,
            gasToken: self.gas_token,
            refundReceiver: self.refund_receiver,
            nonce: self.nonce,
        }
        .eip712_signing_hash(&domain)
    }

    /// `execTransaction` with `signatures` (see [`pack_signatures`]).
    pub fn exec_call(&self, signatures: Bytes) -> Safe::execTransactionCall {
        Safe::execTransactionCall {
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            operation: self.operation,
            safeTxGas: self.safe_tx_gas,
            baseGas: self.base_gas,
            gasPrice: self.gas_price,
            gasToken: self.gas_token,
            refundReceiver: self.refund_receiver,
            signatures,
        }
    }
}

/// The "approved by the sender" signature of `owner` (v = 1): valid when `owner` sends the
/// `execTransaction` itself.
pub fn approved_by_sender(owner: Address) -> Vec<u8> {
    let mut signature = vec![0u8; 12];
    signature.extend_from_slice(owner.as_slice());
    signature.extend_from_slice(&[0u8; 32]);
    signature.push(1);
    signature
}

/// The owner whose key made `signature` (65 bytes r, s, v with v 27/28) over `hash`.
pub fn recover(hash: B256, signature: &[u8]) -> Result<Address, SafeError> {
    if signature.len() != 65 {
        return Err(SafeError::BadSignatureLength);
    }
    let sig = Signature::from_raw(signature).map_err(|e| SafeError::BadSignature(e.to_string()))?;
    sig.recover_address_from_prehash(&hash)
        .map_err(|e| SafeError::BadSignature(e.to_string()))
}

/// Signatures concatenated in ascending owner order, as `checkNSignatures` requires.
pub fn pack_signatures(signatures: &[(Address, Vec<u8>)]) -> Bytes {
    let mut sorted: Vec<&(Address, Vec<u8>)> = signatures.iter().collect();
    sorted.sort_by_key(|(owner, _)| *owner);
    sorted
        .into_iter()
        .flat_map(|(_, s)| s.iter().copied())
        .collect::<Vec<u8>>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::address;

    fn call(n: u8) -> Call {
        Call {
            to: Address::repeat_byte(n),
            value: U256::from(n),
            data: vec![n; usize::from(n)].into(),
            description: String::new(),
        }
    }

    #[test]
    fn batches_round_trip_and_single_calls_stay_calls() {
        let ms = address!("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D");
        let one = SafeTransaction::new(&[call(3)], ms, U256::ZERO).expect("one");
        assert_eq!((one.operation, one.to), (CALL, Address::repeat_byte(3)));
        let calls = vec![call(1), call(2), call(0)];
        let batch = SafeTransaction::new(&calls, ms, U256::from(7)).expect("batch");
        assert_eq!((batch.operation, batch.to), (DELEGATECALL, ms));
        assert_eq!(batch.calls().expect("unpack"), calls);
        assert!(SafeTransaction::new(&[], ms, U256::ZERO).is_err());
    }

    #[test]
    fn signatures_sort_by_owner() {
        let a = (Address::repeat_byte(2), vec![2u8; 65]);
        let b = (Address::repeat_byte(1), vec![1u8; 65]);
        let packed = pack_signatures(&[a, b]);
        assert_eq!(packed[0], 1);
        assert_eq!(packed[65], 2);
    }
}
