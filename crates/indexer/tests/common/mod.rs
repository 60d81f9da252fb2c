//! Shared helpers for the indexer's anvil tests: spawn anvil, deploy the log emitter fixture,
//! emit Roles-shaped events from it.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolEvent,
};
use dao_bindings::Roles as IRoles;

sol! {
    #[sol(rpc)]
    interface LogEmitter {
        function emitRaw(bytes32[][] calldata topics, bytes[] calldata data) external;
        function emitMany(bytes32 sig, uint256 roleId, uint256 firstWearer, uint256 count, address by, uint256 value) external;
    }
}

/// anvil through the project's launcher (script/bin/anvil), which execs the pinned platform binary:
/// not the npm wrapper in node_modules/.bin, whose anvil child would outlive a kill.
pub fn anvil_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../script/bin/anvil")
}

/// Polls for a receipt (alloy's block heartbeat does not survive evm_revert moving the head back).
pub async fn receipt(p: &DynProvider, hash: B256) -> alloy::rpc::types::TransactionReceipt {
    for _ in 0..500 {
        if let Some(r) = p.get_transaction_receipt(hash).await.expect("receipt") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no receipt for {hash}");
}

pub fn spawn_anvil() -> AnvilInstance {
    Anvil::at(anvil_path())
        .arg("--gas-limit")
        .arg("1000000000")
        .spawn()
}

pub async fn provider(anvil: &AnvilInstance) -> DynProvider {
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.endpoint_url())
        .erased()
}

pub fn read_only(url: &str) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(url.parse().expect("url"))
        .erased()
}

/// Deploys the LogEmitter fixture (compiled bytecode in tests/fixtures/LogEmitter.bin).
pub async fn deploy_emitter(p: &DynProvider) -> Address {
    let code = hex::decode(include_str!("../fixtures/LogEmitter.bin").trim()).expect("hex");
    let tx = TransactionRequest::default().with_deploy_code(Bytes::from(code));
    let pending = p.send_transaction(tx).await.expect("send");
    receipt(p, *pending.tx_hash())
        .await
        .contract_address
        .expect("deployed")
}

/// A role id in tree `tree` with the given path of child indexes.
pub fn role_id(tree: u32, path: &[u16]) -> U256 {
    let mut id = U256::from(tree) << 224;
    for (i, c) in path.iter().enumerate() {
        id |= U256::from(*c) << (208 - 16 * i);
    }
    id
}

pub fn wearer(n: u64) -> Address {
    Address::left_padding_from(&(0x1000_0000u64 + n).to_be_bytes())
}

/// Emits the given events (each a log) in one transaction = one block.
pub async fn emit<E: SolEvent>(p: &DynProvider, emitter: Address, events: &[E]) -> B256 {
    let mut topics = Vec::new();
    let mut data = Vec::new();
    for e in events {
        let ld = e.encode_log_data();
        topics.push(ld.topics().to_vec());
        data.push(ld.data.clone());
    }
    let c = LogEmitter::new(emitter, p.clone());
    let pending = c.emitRaw(topics, data).send().await.expect("send");
    let r = receipt(p, *pending.tx_hash()).await;
    assert!(r.status(), "emitRaw reverted");
    r.transaction_hash
}

pub fn created(role: U256, admin: U256, details: &str) -> IRoles::RoleCreated {
    IRoles::RoleCreated {
        roleId: role,
        adminId: admin,
        details: details.into(),
        maxSupply: 100,
        eligibility: Address::ZERO,
        toggle: Address::ZERO,
        mutable_: true,
        claimable: false,
        imageURI: String::new(),
    }
}

pub fn minted(role: U256, w: Address) -> IRoles::RoleMinted {
    IRoles::RoleMinted {
        roleId: role,
        wearer: w,
        by: Address::repeat_byte(0xad),
        expiry: 0,
    }
}

pub fn revoked(role: U256, w: Address) -> IRoles::RoleRevoked {
    IRoles::RoleRevoked {
        roleId: role,
        wearer: w,
        by: Address::repeat_byte(0xad),
        renounced: false,
    }
}

/// A renounce as Roles logs it: the ERC-1155 burn alone, by the wearer (no RoleRevoked).
pub fn renounced(role: U256, w: Address) -> IRoles::TransferSingle {
    IRoles::TransferSingle {
        operator: w,
        from: w,
        to: Address::ZERO,
        id: role,
        value: U256::from(1),
    }
}

/// A history of `blocks` blocks with Roles events: a tree, a few roles, mints, revokes and
/// renounces spread one transaction per block (so every block has logs).
pub async fn build_history(p: &DynProvider, emitter: Address, tree: u32, blocks: u64) {
    let top = role_id(tree, &[]);
    let member = role_id(tree, &[1]);
    emit(
        p,
        emitter,
        &[created(top, top, "top"), created(member, top, "member")],
    )
    .await;
    for i in 0..blocks {
        if i % 10 == 9 {
            emit(p, emitter, &[renounced(member, wearer(i - 2))]).await;
        } else if i % 5 == 4 {
            emit(p, emitter, &[revoked(member, wearer(i - 2))]).await;
        } else {
            emit(
                p,
                emitter,
                &[
                    minted(member, wearer(i)),
                    minted(member, wearer(10_000 + i)),
                ],
            )
            .await;
        }
    }
}
