//! The storage contract against the in-memory store (IndexedDB runs the same suite in Chromium).

use fieldkit_core::storage::contract;
use fieldkit_core::storage::store::{MemoryStore, RawRecord, Store, StoreError, WriteOp, block_on_ready};

#[test]
fn memory_store_passes_the_storage_contract() {
    block_on_ready(contract::run_all(|| async { MemoryStore::new() })).expect("memory store never waits");
}

fn rec(key: &str, body: &str) -> RawRecord {
    RawRecord { key: key.into(), kind: "case".into(), study: "s".into(), schema: 1, body: body.into() }
}

#[test]
fn a_full_quota_refuses_the_write_and_keeps_what_was_stored() {
    let store = MemoryStore::with_quota(200);
    block_on_ready(async {
        store.apply(vec![WriteOp::Put(rec("case:1", "small"))]).await.unwrap();
        let err =
            store.apply(vec![WriteOp::Put(rec("case:2", "ok")), WriteOp::Put(rec("case:3", &"x".repeat(500)))]).await;
        assert_eq!(err, Err(StoreError::QuotaExceeded));
        // All or nothing: the small record of the failed batch was not written either.
        assert_eq!(store.get("case:2").await, Ok(None));
        assert_eq!(store.get("case:1").await.unwrap().unwrap().body, "small");
        assert!(err.unwrap_err().to_string().contains("Everything saved before is intact"));
    })
    .unwrap();
}

#[test]
fn a_record_of_a_kind_from_a_newer_version_is_left_alone() {
    use fieldkit_core::Timestamp;
    use fieldkit_core::storage::Repo;
    let data = fieldkit_core::storage::contract::sample_study();
    let repo = Repo::new(MemoryStore::new());
    block_on_ready(async {
        repo.create(&data).await.unwrap();
        let future = RawRecord {
            key: "hologram:00000000-0000-4000-8000-000000000001".into(),
            kind: "hologram".into(),
            study: data.id().to_string(),
            schema: 1,
            body: "{}".into(),
        };
        repo.store().insert_raw(future.clone());
        let loaded = repo.load(data.id(), Timestamp::default()).await.unwrap();
        assert_eq!(loaded.data, data);
        assert!(loaded.problems.iter().any(|p| p.newer && p.key == future.key));
        assert_eq!(repo.store().get(&future.key).await, Ok(Some(future)));
        assert!(repo.quarantined().await.unwrap().is_empty());
    })
    .unwrap();
}
