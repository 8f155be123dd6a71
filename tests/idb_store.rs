//! IndexedDB storage in headless Chromium: the same contract suite as the memory
//! store, plus what only a browser database can do (reopen, lost connection,
//! values of the wrong shape written by something else).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;

use fieldkit_app::browser;
use fieldkit_app::storage::IdbStore;
use fieldkit_core::Timestamp;
use fieldkit_core::storage::Repo;
use fieldkit_core::storage::contract;
use fieldkit_core::storage::store::{RawRecord, Store, WriteOp};
use idb::{Factory, TransactionMode};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// A database name no other test uses.
fn fresh_name(prefix: &str) -> String {
    let n = NEXT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!("{prefix}-{n}-{}", uuid::Uuid::new_v4())
}

const NOW: Timestamp = Timestamp::from_millis(1_795_449_405_000);

#[wasm_bindgen_test]
async fn indexeddb_store_passes_the_storage_contract() {
    contract::run_all(|| async { IdbStore::open(&fresh_name("contract")).await.expect("open a fresh database") }).await;
}

fn rec(key: &str, body: &str) -> RawRecord {
    RawRecord { key: key.into(), kind: "case".into(), study: "s".into(), schema: 1, body: body.into() }
}

#[wasm_bindgen_test]
async fn data_survives_closing_and_reopening_the_database() {
    let name = fresh_name("reopen");
    let store = IdbStore::open(&name).await.expect("open");
    store.apply(vec![WriteOp::Put(rec("case:1", "\"kept\""))]).await.expect("put");
    store.close_connection();
    drop(store);
    let again = IdbStore::open(&name).await.expect("reopen");
    assert_eq!(again.get("case:1").await.expect("get").map(|r| r.body), Some("\"kept\"".into()));
}

#[wasm_bindgen_test]
async fn the_store_reconnects_when_the_browser_closes_the_connection() {
    let store = IdbStore::open(&fresh_name("reconnect")).await.expect("open");
    store.apply(vec![WriteOp::Put(rec("case:1", "1"))]).await.expect("put");
    // What iOS Safari does to a sleeping tab: the connection is closed under us.
    store.close_connection();
    store.apply(vec![WriteOp::Put(rec("case:2", "2"))]).await.expect("write after the connection was closed");
    assert_eq!(store.by_study("s").await.expect("read").len(), 2);
}

#[wasm_bindgen_test]
async fn a_value_of_the_wrong_shape_is_quarantined_with_its_content() {
    let name = fresh_name("shape");
    let store = IdbStore::open(&name).await.expect("open");
    let study = fieldkit_core::storage::contract::sample_study();
    let repo = Repo::new(store);
    repo.create(&study).await.expect("create");

    // Something other than fieldkit (an old version, an extension, a manual edit) wrote
    // a case whose body is a number instead of JSON text.
    let key = format!("case:{}", study.cases[0].id);
    let factory = Factory::new().expect("factory");
    let db = factory.open(&name, Some(1)).expect("open request").await.expect("open");
    let tx = db.transaction(&["records"], TransactionMode::ReadWrite).expect("tx");
    let records = tx.object_store("records").expect("store");
    let value = js_sys::Object::new();
    for (k, v) in [
        ("key", JsValue::from_str(&key)),
        ("kind", "case".into()),
        ("study", study.id().to_string().into()),
        ("schema", 1.into()),
        ("body", 42.into()),
    ] {
        js_sys::Reflect::set(&value, &JsValue::from_str(k), &v).expect("set");
    }
    records.put(&value, None).expect("put").await.expect("put done");
    tx.commit().expect("commit").await.expect("committed");
    db.close();

    let loaded = repo.load(study.id(), NOW).await.expect("the study still opens");
    assert!(loaded.data.cases.is_empty(), "the damaged case is not replaced by a default");
    assert_eq!(loaded.data.participants.len(), 1, "the rest of the study is there");
    assert_eq!(loaded.problems.len(), 1);
    let quarantined = repo.quarantined().await.expect("quarantine");
    assert_eq!(quarantined.len(), 1);
    assert!(quarantined[0].body.contains("42"), "the stored value is kept: {}", quarantined[0].body);
}

#[wasm_bindgen_test]
async fn the_browser_reports_storage_use_and_quota() {
    let store = IdbStore::open(&fresh_name("estimate")).await.expect("open");
    store.apply(vec![WriteOp::Put(rec("case:1", &"x".repeat(100_000)))]).await.expect("put");
    let info = browser::storage_info().await;
    assert!(info.quota_bytes.unwrap_or(0.0) > 0.0, "{info:?}");
    assert!(info.used_bytes.is_some(), "{info:?}");
    assert_eq!(browser::human_bytes(1_234_567.0), "1.2 MB");
}

#[wasm_bindgen_test]
async fn the_write_probe_passes_on_a_fresh_database() {
    let store = IdbStore::open(&fresh_name("probe")).await.expect("open");
    store.probe().await.expect("probe");
}

#[wasm_bindgen_test]
async fn a_deleted_database_starts_empty() {
    let name = fresh_name("delete");
    let store = IdbStore::open(&name).await.expect("open");
    store.apply(vec![WriteOp::Put(rec("case:1", "1"))]).await.expect("put");
    store.close_connection();
    drop(store);
    IdbStore::delete_database(&name).await.expect("delete");
    let again = IdbStore::open(&name).await.expect("reopen");
    assert_eq!(again.get("case:1").await, Ok(None));
}
