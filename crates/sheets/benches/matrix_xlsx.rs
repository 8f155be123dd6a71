//! Time to write the framework matrix workbook (XLSX) of the reference demo study.
//! A benchmark, not a test. Run with `cargo bench -p fieldkit-sheets`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::demo::{DemoSize, demo_study};

fn main() {
    let data = demo_study(DemoSize::Reference);
    let mut times = Vec::new();
    let start = Instant::now();
    let mut size = 0;
    while times.len() < 5 || (start.elapsed() < Duration::from_millis(500) && times.len() < 200) {
        let t = Instant::now();
        size = black_box(fieldkit_sheets::matrix_xlsx(&data, MatrixRows::Cases, MatrixColumns::Themes))
            .map(|b| b.len())
            .unwrap_or(0);
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{:<48} {:>10.3} ms  (median of {}, {} KB)",
        "export: matrix XLSX (cases x themes)",
        median.as_secs_f64() * 1000.0,
        times.len(),
        size / 1024
    );
}
