//! Deploys the example designs on a fresh anvil: core + DAO, a killed deployment resumed, a re-run
//! after success that sends nothing.
use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    providers::{DynProvider, Provider},
};
use dao_bindings::{ICellRegistry, IRoles, ITreasury};
use dao_deploy::{Options, Outcome, dev};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn anvil() -> AnvilInstance {
    Anvil::new().path(root().join("script/bin/anvil")).spawn()
}

fn provider(anvil: &AnvilInstance) -> DynProvider {
    dao_deploy::connect(&anvil.endpoint(), dev::signer(0).expect("dev key")).expect("connects")
}

fn opts(design: &str, out: &std::path::Path) -> Options {
    Options {
        design: Some(root().join("examples").join(design)),
        out_dir: out.to_path_buf(),
        dry_run: false,
        stop_after: None,
    }
}

#[tokio::test]
async fn deploys_the_three_layer_example_and_hands_over_authority() {
    let anvil = anvil();
    let p = provider(&anvil);
    let out = tempfile::tempdir().expect("tempdir");
    let from = dev::address(0).expect("dev");
    let report = dao_deploy::deploy(&p, from, &opts("riverside.toml", out.path()), |_| {})
        .await
        .expect("deploys");
    assert!(matches!(report.outcome, Outcome::Deployed { .. }));
    let record = report.record.expect("record");
    assert!(record.complete);
    let registry = ICellRegistry::new(record.address("CellRegistry").expect("registry"), &p);
    let roles = IRoles::new(record.address("Roles").expect("roles"), &p);
    let dao = record.cells["dao"].id;
    let safe = record.safe.expect("safe");
    // Community governance (the Safe) wears the DAO's top role; the deployer holds nothing.
    assert!(roles.isWearerOfHat(safe, dao).call().await.expect("call"));
    assert!(!roles.isWearerOfHat(from, dao).call().await.expect("call"));
    let community = &record.cells["community"];
    let executor = community.executor.expect("vote-run cell has an executor");
    assert!(
        registry
            .isCellAdmin(executor, community.id)
            .call()
            .await
            .expect("call")
    );
    let ops = record.cells["operations"].id;
    assert!(
        registry
            .isCellAdmin(dev::address(1).expect("dev"), ops)
            .call()
            .await
            .expect("call")
    );
    assert!(!registry.isCellAdmin(from, ops).call().await.expect("call"));
    let treasury = ITreasury::new(record.address("Treasury").expect("treasury"), &p);
    assert_eq!(treasury.safeOf(dao).call().await.expect("call"), safe);
    let ops_budget = treasury
        .getBudget(ops, alloy::primitives::Address::ZERO)
        .call()
        .await
        .expect("call");
    assert_eq!(
        ops_budget.received,
        alloy::primitives::U256::from(20u64)
            * alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18u64))
    );
    // The record file is on disk under deployments/<chain-id>/<dao>.json.
    assert!(out.path().join("31337/riverside.json").exists());
}

#[tokio::test]
async fn a_killed_deployment_resumes_and_a_finished_one_is_up_to_date() {
    let anvil = anvil();
    let p = provider(&anvil);
    let out = tempfile::tempdir().expect("tempdir");
    let from = dev::address(0).expect("dev");
    let mut o = opts("riverside.toml", out.path());
    o.stop_after = Some(5);
    let err = dao_deploy::deploy(&p, from, &o, |_| {})
        .await
        .expect_err("stops");
    assert!(
        matches!(err, dao_deploy::DeployError::Interrupted(5)),
        "{err}"
    );
    let nonce_after_kill = p.get_transaction_count(from).await.expect("nonce");
    o.stop_after = None;
    let mut resumed = Vec::new();
    let report = dao_deploy::deploy(&p, from, &o, |e| {
        if let dao_deploy::Event::StepResumed { id, .. } = e {
            resumed.push(id);
        }
    })
    .await
    .expect("resumes");
    assert_eq!(
        resumed.len(),
        1,
        "the step sent before the kill is finished from its receipt"
    );
    let record = report.record.expect("record");
    assert!(record.complete);
    // Exactly one DAO and one Safe: nothing was created twice.
    let registry = ICellRegistry::new(record.address("CellRegistry").expect("registry"), &p);
    assert_eq!(
        registry.cellCount().call().await.expect("call"),
        alloy::primitives::U256::from(5u64)
    );
    assert!(p.get_transaction_count(from).await.expect("nonce") > nonce_after_kill);

    let nonce = p.get_transaction_count(from).await.expect("nonce");
    let block = p.get_block_number().await.expect("block");
    let again = dao_deploy::deploy(&p, from, &o, |_| {})
        .await
        .expect("re-run");
    assert_eq!(again.outcome, Outcome::UpToDate);
    assert_eq!(
        p.get_transaction_count(from).await.expect("nonce"),
        nonce,
        "no transaction sent"
    );
    assert_eq!(p.get_block_number().await.expect("block"), block);
}

#[tokio::test]
async fn minimal_design_and_dry_run() {
    let anvil = anvil();
    let p = provider(&anvil);
    let out = tempfile::tempdir().expect("tempdir");
    let from = dev::address(0).expect("dev");
    let mut o = opts("minimal.toml", out.path());
    o.dry_run = true;
    let plan = dao_deploy::deploy(&p, from, &o, |_| {})
        .await
        .expect("plans");
    match plan.outcome {
        Outcome::Planned {
            steps,
            estimated_gas,
        } => {
            assert_eq!(steps, 1);
            assert!(
                estimated_gas > 1_000_000,
                "core contracts estimated: {estimated_gas}"
            );
        }
        other => panic!("expected a plan, got {other:?}"),
    }
    assert_eq!(
        p.get_transaction_count(from).await.expect("nonce"),
        0,
        "a dry run sends nothing"
    );
    o.dry_run = false;
    let report = dao_deploy::deploy(&p, from, &o, |_| {})
        .await
        .expect("deploys");
    assert!(report.record.expect("record").complete);
}

#[tokio::test]
async fn a_multi_owner_safe_without_the_deployer_ends_up_as_designed() {
    let anvil = anvil();
    let p = provider(&anvil);
    let out = tempfile::tempdir().expect("tempdir");
    let from = dev::address(0).expect("dev");
    let design = out.path().join("safe.toml");
    std::fs::write(
        &design,
        "[dao]\nname = \"council\"\nmembers = [\"anvil:1\"]\nfund = \"1 ether\"\n[dao.governance]\nsafe = { owners = [\"anvil:1\", \"anvil:2\", \"anvil:3\"], threshold = 2 }\n[[dao.budgets]]\namount = \"1 ether\"\n",
    )
    .expect("write");
    let o = Options {
        design: Some(design),
        out_dir: out.path().to_path_buf(),
        dry_run: false,
        stop_after: None,
    };
    let record = dao_deploy::deploy(&p, from, &o, |_| {})
        .await
        .expect("deploys")
        .record
        .expect("record");
    let safe = dao_bindings::Safe::new(record.safe.expect("safe"), &p);
    let mut owners = safe.getOwners().call().await.expect("owners");
    owners.sort();
    let mut expected: Vec<_> = (1..=3).map(|i| dev::address(i).expect("dev")).collect();
    expected.sort();
    assert_eq!(owners, expected, "the deployer is no longer an owner");
    assert_eq!(
        safe.getThreshold().call().await.expect("threshold"),
        alloy::primitives::U256::from(2u64)
    );
    let treasury = ITreasury::new(record.address("Treasury").expect("treasury"), &p);
    assert!(
        safe.isModuleEnabled(*treasury.address())
            .call()
            .await
            .expect("module")
    );
    let roles = IRoles::new(record.address("Roles").expect("roles"), &p);
    assert!(
        roles
            .isWearerOfHat(*safe.address(), record.cells["dao"].id)
            .call()
            .await
            .expect("call")
    );
}

/// The design check's copy of the Treasury's shortest budget period agrees with the contract: one
/// second less is refused on chain, the value itself is accepted.
#[tokio::test]
async fn the_design_checks_budget_period_rule_is_the_treasurys() {
    use dao_deploy::design::MIN_BUDGET_PERIOD;
    let anvil = anvil();
    let p = provider(&anvil);
    let out = tempfile::tempdir().expect("tempdir");
    let from = dev::address(0).expect("dev");
    let report = dao_deploy::deploy(&p, from, &opts("minimal.toml", out.path()), |_| {})
        .await
        .expect("deploys");
    let record = report.record.expect("record");
    let dao = record.cells["dao"].id;
    let treasury = ITreasury::new(record.address("Treasury").expect("treasury"), &p);
    let set = |period: u64| {
        treasury
            .setBudget(
                dao,
                alloy::primitives::Address::ZERO,
                alloy::primitives::U256::from(1u64),
                alloy::primitives::U256::from(period),
                alloy::primitives::U256::ZERO,
                alloy::primitives::U256::ZERO,
            )
            .from(from)
    };
    let Err(refused) = set(MIN_BUDGET_PERIOD - 1).call().await else {
        panic!("a period one second short of MIN_BUDGET_PERIOD was accepted");
    };
    let text = dao_bindings::revert::decode_revert_from(
        Some("Treasury"),
        refused.as_revert_data().expect("revert data").as_ref(),
    )
    .expect("decodes");
    assert!(text.starts_with("PeriodTooShort("), "{text}");
    set(MIN_BUDGET_PERIOD)
        .call()
        .await
        .expect("the shortest period is accepted");
}
