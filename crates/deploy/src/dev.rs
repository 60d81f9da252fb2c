//! Anvil's default dev accounts (mnemonic "test test ... junk"): keys every anvil instance funds.
use alloy::{primitives::Address, signers::local::PrivateKeySigner};

/// The first ten private keys anvil derives from its default mnemonic.
pub const ANVIL_KEYS: [&str; 10] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Chain ids treated as dev chains (anvil/hardhat defaults): the deploy tool also deploys the Safe
/// contracts there, and daoctl accepts anvil's dev accounts.
pub const DEV_CHAIN_IDS: [u64; 2] = [31_337, 1_337];

pub fn is_dev_chain(chain_id: u64) -> bool {
    DEV_CHAIN_IDS.contains(&chain_id)
}

/// Dev account `i`'s signer.
pub fn signer(i: usize) -> Option<PrivateKeySigner> {
    ANVIL_KEYS.get(i).and_then(|k| k.parse().ok())
}

/// Dev account `i`'s address.
pub fn address(i: usize) -> Option<Address> {
    signer(i).map(|s| s.address())
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_dev_account_is_anvils() {
        let a = super::address(0).expect("key parses");
        assert_eq!(a.to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(
            super::address(9).expect("key parses").to_string(),
            "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"
        );
    }
}
