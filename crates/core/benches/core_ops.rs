//! Timings of the core operations on the reference demo study (40 cases, 1,000
//! participants, fieldwork, 200 transcripts of about 8,000 words with 20,000 coded
//! segments). A benchmark, not a test: it prints figures and asserts
//! nothing about time. Run with `cargo bench -p fieldkit-core`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fieldkit_core::Timestamp;
use fieldkit_core::coding::CodingEdit;
use fieldkit_core::coding::export as coding_export;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows, RetrievalFilter};
use fieldkit_core::coding::sources::{SourceFilter, SourceRef};
use fieldkit_core::demo::{DemoSize, demo_exported_at, demo_study};
use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::storage::store::block_on_ready;
use fieldkit_core::storage::{MemoryStore, Repo};

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
    println!(
        "reference study: {} cases, {} participants, {} transcripts, {} coded segments, backup {} KB",
        data.cases.len(),
        data.participants.len(),
        data.interviews.iter().filter(|i| i.transcript.is_some()).count(),
        data.segments.len(),
        json.len() / 1024
    );
    bench("generate the reference demo study", || demo_study(DemoSize::Reference));
    bench("export the JSON backup", || Backup::of(&data, false, demo_exported_at()).to_json());
    bench("parse and check the JSON backup", || Backup::parse(json.as_bytes()));
    bench("validate the whole study", || data.validate());
    bench("coverage grid (cases x questions)", || data.coverage());
    bench("interviews CSV export", || fieldkit_core::fieldwork::export::interviews_csv(&data));
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
        let changed =
            edited.edit_case(case, fieldkit_core::study::CaseEdit::Description("typing…".into()), Timestamp::default());
        changed.map(|c| edited.encode(c))
    });

    coding(&data);
}

/// The coding workspace on the 200 transcripts and 20,000 segments.
fn coding(data: &fieldkit_core::StudyData) {
    let busiest = data
        .segments
        .iter()
        .filter(|s| matches!(s.source, SourceRef::Transcript { .. }))
        .map(|s| s.source.clone())
        .next()
        .expect("the reference study has coded transcripts");
    let on_it = data.segments.iter().filter(|s| s.source == busiest).count();
    let words = data.source_text(&busiest).map(|t| t.split_whitespace().count()).unwrap_or(0);
    println!("busiest transcript: {on_it} segments, {words} words");
    bench("open a transcript: its text and highlights", || {
        (data.source(&busiest).map(|s| s.text.len()), data.highlights(&busiest))
    });
    let mut edited = data.clone();
    let code = data.codes.iter().find(|c| c.parent.is_some()).map(|c| c.id).unwrap_or_default();
    let mut n = 0usize;
    bench("apply a code to a selection (+ encode, then undo)", || {
        n = (n + 7) % 5_000;
        let edit = CodingEdit::ApplyCodes {
            source: busiest.clone(),
            start: n,
            end: n + 40,
            codes: vec![code],
            coder: "bench".into(),
        };
        let applied = edited.apply_coding(edit, Timestamp::default()).ok()?;
        let writes = edited.write_ops(&applied.touched());
        edited.apply_coding(applied.undo, Timestamp::default()).ok().map(|_| writes)
    });
    bench("every codable text (sources())", || data.sources().len());
    bench("the source list (listed_sources, no filter)", || data.listed_sources(&SourceFilter::default()));
    let interview = data.interviews.iter().find(|i| i.transcript.is_some()).map(|i| i.id).unwrap_or_default();
    bench("compose a whole interview and its highlights", || data.compose(interview).map(|c| c.highlights(data).len()));
    let busiest_code = data
        .codes
        .iter()
        .max_by_key(|c| data.segments.iter().filter(|s| s.has_code(c.id)).count())
        .map(|c| c.id)
        .unwrap_or_default();
    bench("a code's segments (retrieve one code)", || {
        data.retrieve(&RetrievalFilter { codes: vec![busiest_code], ..RetrievalFilter::default() }).len()
    });
    bench("build the coding index", || fieldkit_core::coding::index::CodingIndex::build(data));
    bench("build the text search index", || fieldkit_core::coding::SearchIndex::build(data));
    let index = fieldkit_core::coding::SearchIndex::build(data);
    bench("search \"care workers\" (first 200 hits)", || {
        index.search(data, "care workers", &SourceFilter::default(), 200).total
    });
    let theme = data.themes().next().map(|t| t.id).unwrap_or_default();
    let rural = SourceFilter { attributes: vec![("setting".into(), "rural".into())], ..SourceFilter::default() };
    let worker = data.study.roles.iter().find(|r| r.name == "Care worker").map(|r| r.id).into_iter().collect();
    let filter =
        RetrievalFilter { codes: vec![theme], sources: SourceFilter { roles: worker, ..rural }, placed_only: false };
    println!("retrieval of one theme, rural cases, care workers: {} segments", data.retrieve(&filter).len());
    bench("filter retrieval (theme + case attribute + role)", || data.retrieve(&filter));
    bench("retrieve every segment (no filter)", || data.retrieve(&RetrievalFilter::default()));
    bench("code counts by case and role", || data.code_counts());
    bench("framework matrix, cases x themes", || data.framework_matrix(MatrixRows::Cases, MatrixColumns::Themes));
    let segments_csv = coding_export::segments_csv(data).map(|b| b.len()).unwrap_or(0);
    println!("coded segments CSV: {} KB", segments_csv / 1024);
    bench("export: coded segments CSV", || coding_export::segments_csv(data));
    bench("export: codebook CSV", || coding_export::codebook_csv(data));
    bench("export: codebook JSON", || coding_export::codebook_json(data));
    bench("export: matrix CSV", || coding_export::matrix_csv(data, MatrixRows::Cases, MatrixColumns::Themes));
    bench("export: matrix workbook data (XLSX: fieldkit-sheets bench)", || {
        coding_export::matrix_workbook(data, MatrixRows::Cases, MatrixColumns::Themes)
    });
}
