//! Timings of the core operations on the reference demo study (40 cases, 1,000
//! participants, fieldwork). A benchmark, not a test: it prints figures and asserts
//! nothing about time. Run with `cargo bench -p fieldkit-core`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fieldkit_core::demo::{DemoSize, demo_exported_at, demo_study};
use fieldkit_core::store::block_on_ready;
use fieldkit_core::{Backup, MemoryStore, Repo, Timestamp};

/// Runs `f` repeatedly for about half a second and prints the median time per run.
fn bench<T>(name: &str, mut f: impl FnMut() -> T) {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || (start.elapsed() < Duration::from_millis(500) && times.len() < 1000) {
        let t = Instant::now();
        black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!("{name:<48} {:>10.3} ms  (median of {})", median.as_secs_f64() * 1000.0, times.len());
}

fn main() {
    let data = demo_study(DemoSize::Reference);
    let json = Backup::of(&data, false, demo_exported_at()).to_json();
    println!("reference study: {} cases, {} participants, backup {} KB", data.cases.len(), data.participants.len(), json.len() / 1024);
    bench("generate the reference demo study", || demo_study(DemoSize::Reference));
    bench("export the JSON backup", || Backup::of(&data, false, demo_exported_at()).to_json());
    bench("parse and check the JSON backup", || Backup::parse(json.as_bytes()));
    bench("validate the whole study", || data.validate());
    bench("coverage grid (cases x questions)", || data.coverage());
    bench("interviews CSV export", || fieldkit_core::exports::interviews_csv(&data));
    bench("store the study in the memory store (1 batch)", || {
        let repo = Repo::new(MemoryStore::new());
        block_on_ready(repo.create(&data))
    });
    let repo = Repo::new(MemoryStore::new());
    let _ = block_on_ready(repo.create(&data));
    bench("load the study from the memory store", || block_on_ready(repo.load(data.id(), Timestamp::default())));
    let mut edited = data.clone();
    let case = data.cases[0].id;
    bench("one autosave edit: apply + encode the record", || {
        let changed = edited.edit_case(case, fieldkit_core::CaseEdit::Description("typing…".into()), Timestamp::default());
        changed.map(|c| edited.encode(c))
    });
}
