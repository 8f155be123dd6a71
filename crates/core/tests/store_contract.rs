//! The storage contract against the in-memory store (IndexedDB runs the same suite in Chromium).

use fieldkit_core::contract;
use fieldkit_core::store::{MemoryStore, Store, StoreError, WriteOp, RawRecord, block_on_ready};

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
        let err = store
            .apply(vec![WriteOp::Put(rec("case:2", "ok")), WriteOp::Put(rec("case:3", &"x".repeat(500)))])
            .await;
        assert_eq!(err, Err(StoreError::QuotaExceeded));
        // All or nothing: the small record of the failed batch was not written either.
        assert_eq!(store.get("case:2").await, Ok(None));
        assert_eq!(store.get("case:1").await.unwrap().unwrap().body, "small");
        assert!(err.unwrap_err().to_string().contains("Everything saved before is intact"));
    })
    .unwrap();
}
