//! The stored form of one block's raw logs: one `raw_logs` row per block, its logs encoded in one
//! BLOB.
//!
//! Why one row per block and not per log: SQLite's cost is per row (a statement step, a record
//! built, a B-tree insert, an index entry), and a dense history has thousands of our logs per
//! block. One row per block writes the same logs for a few hundredths of that, and reads them back
//! as fast. Blocks stay whole: ranges are cut at block boundaries, a reorg or a repair deletes
//! whole blocks.
//!
//! The encoding is lossless and canonical (the same logs, in chain order, always give the same
//! bytes: a digest of two indexes compares them), and drops what repeats inside a block:
//! - the block number and hash are the row's key, not repeated per log;
//! - a log of the same transaction (index and hash) or the same contract as the log before it
//!   does not repeat them;
//! - topic 0 (the event signature) seen before in the block is written as its index in the
//!   block's list of signatures, and each further topic equal to the same position of the last
//!   log with that signature (the same role, operator, cell, ...) is one bit of a mask.
//!
//! Layout: a format byte ([`FORMAT`]), then per log: a flags byte (`NEW_TX`: tx index (varint)
//! and tx hash (32 bytes) follow; `NEW_ADDRESS`: 20 bytes follow; `KNOWN_SIGNATURE`: topic 0 is a
//! varint index into the block's signatures, else 32 bytes when there are topics), the topic
//! count (varint), topic 0, the repeat mask of topics 1.. (varint, bit `i - 1` for topic `i`;
//! topics past [`MASKED_TOPICS`] are always written), the topics not repeated (32 bytes each),
//! the log index (varint), the data length (varint) and the data. Varints are LEB128.

use alloy::primitives::{Address, B256, Bytes};

use crate::source::RawLog;

/// The first byte of every encoded block.
pub const FORMAT: u8 = 1;

const NEW_TX: u8 = 1;
const NEW_ADDRESS: u8 = 2;
const KNOWN_SIGNATURE: u8 = 4;

/// Topics after topic 0 that the repeat mask covers.
const MASKED_TOPICS: usize = 63;

/// Signatures a block remembers (a block of more distinct events writes the others whole).
const MAX_SIGNATURES: usize = 256;

/// Why a stored block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogBlockError {
    #[error("unknown raw log format {0}")]
    Format(u8),
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("signature index {index} of {known} at byte {at}")]
    Signature { index: u64, known: usize, at: usize },
    #[error("a repeated topic before any log with its signature, at byte {0}")]
    NoPrevious(usize),
}

/// Encodes the logs of ONE block (`logs` in chain order, all with the same block number and
/// hash) into `out` (cleared first).
pub fn encode(logs: &[RawLog], out: &mut Vec<u8>) {
    out.clear();
    out.push(FORMAT);
    // Per signature, the topics of the last log that had it.
    let mut signatures: Vec<&[B256]> = Vec::new();
    let mut prev: Option<&RawLog> = None;
    for l in logs {
        let mut flags = 0;
        if prev.is_none_or(|p| p.tx_index != l.tx_index || p.tx_hash != l.tx_hash) {
            flags |= NEW_TX;
        }
        if prev.is_none_or(|p| p.address != l.address) {
            flags |= NEW_ADDRESS;
        }
        let known = l
            .topics
            .first()
            .and_then(|t0| signatures.iter().position(|s| s[0] == *t0));
        if known.is_some() {
            flags |= KNOWN_SIGNATURE;
        }
        out.push(flags);
        if flags & NEW_TX != 0 {
            varint(out, l.tx_index);
            out.extend_from_slice(l.tx_hash.as_slice());
        }
        if flags & NEW_ADDRESS != 0 {
            out.extend_from_slice(l.address.as_slice());
        }
        varint(out, l.topics.len() as u64);
        if let Some(t0) = l.topics.first() {
            let last: &[B256] = match known {
                Some(i) => {
                    varint(out, i as u64);
                    signatures[i]
                }
                None => {
                    out.extend_from_slice(t0.as_slice());
                    &[]
                }
            };
            let mut mask = 0u64;
            for (i, t) in l.topics.iter().enumerate().skip(1).take(MASKED_TOPICS) {
                if last.get(i) == Some(t) {
                    mask |= 1 << (i - 1);
                }
            }
            varint(out, mask);
            for (i, t) in l.topics.iter().enumerate().skip(1) {
                if i > MASKED_TOPICS || mask & (1 << (i - 1)) == 0 {
                    out.extend_from_slice(t.as_slice());
                }
            }
            match known {
                Some(i) => signatures[i] = &l.topics,
                None if signatures.len() < MAX_SIGNATURES => signatures.push(&l.topics),
                None => {}
            }
        }
        varint(out, l.log_index);
        varint(out, l.data.len() as u64);
        out.extend_from_slice(&l.data);
        prev = Some(l);
    }
}

/// Decodes a block encoded by [`encode`], appending its logs to `out`.
pub fn decode(
    block_number: u64,
    block_hash: B256,
    bytes: &[u8],
    out: &mut Vec<RawLog>,
) -> Result<(), LogBlockError> {
    let mut r = Reader { bytes, at: 0 };
    let format = r.byte()?;
    if format != FORMAT {
        return Err(LogBlockError::Format(format));
    }
    let mut signatures: Vec<usize> = Vec::new(); // indexes into `out` of the last log of each
    let (mut tx_index, mut tx_hash, mut address) = (0, B256::ZERO, Address::ZERO);
    while r.at < bytes.len() {
        let flags = r.byte()?;
        if flags & NEW_TX != 0 {
            tx_index = r.varint()?;
            tx_hash = B256::from_slice(r.take(32)?);
        }
        if flags & NEW_ADDRESS != 0 {
            address = Address::from_slice(r.take(20)?);
        }
        let count = r.varint()?;
        let mut topics = Vec::with_capacity(count.min(64) as usize);
        if count > 0 {
            let at = r.at;
            let last = if flags & KNOWN_SIGNATURE != 0 {
                let index = r.varint()?;
                let Some(&log) = signatures.get(index as usize) else {
                    return Err(LogBlockError::Signature {
                        index,
                        known: signatures.len(),
                        at,
                    });
                };
                topics.push(out[log].topics[0]);
                Some((index as usize, log))
            } else {
                topics.push(B256::from_slice(r.take(32)?));
                None
            };
            let mask = r.varint()?;
            for i in 1..count {
                let repeated = i as usize <= MASKED_TOPICS && mask & (1 << (i - 1)) != 0;
                if repeated {
                    let t = last
                        .and_then(|(_, log)| out[log].topics.get(i as usize))
                        .ok_or(LogBlockError::NoPrevious(r.at))?;
                    topics.push(*t);
                } else {
                    topics.push(B256::from_slice(r.take(32)?));
                }
            }
            match last {
                Some((index, _)) => signatures[index] = out.len(),
                None if signatures.len() < MAX_SIGNATURES => signatures.push(out.len()),
                None => {}
            }
        }
        let log_index = r.varint()?;
        let len = r.varint()?;
        let data = Bytes::copy_from_slice(r.take(usize::try_from(len).unwrap_or(usize::MAX))?);
        out.push(RawLog {
            block_number,
            block_hash,
            tx_index,
            tx_hash,
            log_index,
            address,
            topics,
            data,
        });
    }
    Ok(())
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LogBlockError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(LogBlockError::Truncated(self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, LogBlockError> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64, LogBlockError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(LogBlockError::Truncated(self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(tx: u64, index: u64, address: u8, topics: &[u8], data: &[u8]) -> RawLog {
        RawLog {
            block_number: 7,
            block_hash: B256::repeat_byte(0xbb),
            tx_index: tx,
            tx_hash: B256::repeat_byte(tx as u8),
            log_index: index,
            address: Address::repeat_byte(address),
            topics: topics.iter().map(|&t| B256::repeat_byte(t)).collect(),
            data: Bytes::copy_from_slice(data),
        }
    }

    fn round_trip(logs: &[RawLog]) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(logs, &mut bytes);
        let mut back = Vec::new();
        decode(7, B256::repeat_byte(0xbb), &bytes, &mut back).expect("decode");
        assert_eq!(back, logs);
        bytes
    }

    #[test]
    fn blocks_round_trip_and_repeats_are_not_stored() {
        round_trip(&[]);
        let varied = vec![
            log(0, 0, 1, &[], &[]),
            log(0, 1, 1, &[9], &[1, 2, 3]),
            log(1, 2, 2, &[9, 1, 2], &[0; 200]),
            log(1, 3, 2, &[9, 1, 3, 4], &[]),
            log(3, 4, 1, &[8, 1, 2, 3], &[5]),
            // Same signature, fewer and more topics than the last log with it.
            log(3, 5, 1, &[9, 1], &[]),
            log(3, 6, 1, &[9, 1, 2, 4, 5, 6], &[]),
            log(300, 70_000, 1, &[8, 1, 2, 3], &[5]),
        ];
        round_trip(&varied);
        // A mint-like run: everything but the wearer repeats.
        let run: Vec<RawLog> = (0..100u8)
            .map(|i| log(0, i.into(), 1, &[9, 1, i, 2], &[0; 32]))
            .collect();
        let bytes = round_trip(&run);
        assert!(bytes.len() < 100 * (32 + 32 + 8), "{} bytes", bytes.len());
        // Many signatures: past the remembered ones, written whole.
        let many: Vec<RawLog> = (0..600u64)
            .map(|i| log(0, i, 1, &[(i % 300) as u8, 1], &[]))
            .collect();
        round_trip(&many);
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode(
            &[log(0, 0, 1, &[9, 1], &[1; 40]), log(0, 1, 1, &[9, 1], &[])],
            &mut bytes,
        );
        for cut in 0..bytes.len() {
            let mut out = Vec::new();
            let _ = decode(7, B256::ZERO, &bytes[..cut], &mut out);
        }
        let mut out = Vec::new();
        assert_eq!(
            decode(7, B256::ZERO, &[2], &mut out),
            Err(LogBlockError::Format(2))
        );
        let mut flipped = bytes.clone();
        for i in 1..flipped.len() {
            flipped[i] ^= 0xff;
            let _ = decode(7, B256::ZERO, &flipped, &mut out);
            flipped[i] ^= 0xff;
        }
    }
}
