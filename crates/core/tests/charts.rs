//! Code frequencies (bars by theme) and codes by case (a heat map), on a study coded
//! by hand, and at the demo's size.

mod common {
    pub mod coding_fixture;
}
use common::coding_fixture::*;
use fieldkit_core::coding::charts::MOST_BARS;
use fieldkit_core::demo::{DemoSize, demo_study};

#[test]
fn bars_count_each_codes_passages_with_its_sub_codes_under_its_theme() {
    let (mut d, source) = document_study("one two three four five six seven eight nine ten eleven twelve");
    let barriers = add_code(&mut d, None, "Barriers");
    let money = add_code(&mut d, Some(barriers), "Money");
    let fees = add_code(&mut d, Some(money), "Fees");
    let trust = add_code(&mut d, None, "Trust");
    code(&mut d, &source, 0, 3, &[money], "ann");
    code(&mut d, &source, 4, 7, &[fees], "ann");
    code(&mut d, &source, 8, 13, &[barriers], "ann");
    code(&mut d, &source, 14, 18, &[trust], "ann");
    let chart = d.code_frequency_chart(MOST_BARS);
    let groups: Vec<(&str, Vec<(&str, usize, usize)>)> = chart
        .groups
        .iter()
        .map(|(t, bars)| (t.as_str(), bars.iter().map(|b| (b.label.as_str(), b.count, b.depth)).collect()))
        .collect();
    // Fees is two levels down: counted in Money and in the theme, not charted itself.
    assert_eq!(
        groups,
        vec![
            ("Barriers", vec![("(the theme, all its codes)", 3, 0), ("Money", 2, 1)]),
            ("Trust", vec![("(the theme, all its codes)", 1, 0)]),
        ]
    );
    assert_eq!(chart.left_out, 0);
    let svg = chart.svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("<title>Code frequencies"));
    // A background and three bars; each count written beside its bar.
    assert_eq!(svg.matches("<rect").count(), 1 + 3);
    assert!(svg.contains(">Money</text>") && svg.contains(">2</text>"));

    // Codes by case: the one case the document belongs to holds every passage.
    let map = d.codes_by_case_map(MOST_BARS);
    assert_eq!(map.rows, vec!["Barriers", "Barriers › Money", "Trust"]);
    assert_eq!(map.columns, d.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
    let case = d.source(&source).unwrap().case_id.unwrap();
    let column = d.cases.iter().position(|c| c.id == case).unwrap();
    for (row, expected) in map.cells.iter().zip([3, 2, 1]) {
        assert_eq!(row[column], expected);
        assert_eq!(row.iter().sum::<usize>(), expected, "nothing in the other cases");
    }
    assert_eq!(map.svg().matches("<rect").count(), 1 + 3 * d.cases.len());
}

#[test]
fn a_large_codebook_keeps_the_most_coded_in_codebook_order_and_says_how_many_are_left_out() {
    let d = demo_study(DemoSize::Small);
    let all = d.code_frequency_chart(usize::MAX);
    let shown: usize = all.groups.iter().map(|(_, b)| b.len()).sum();
    assert!(shown > 4, "{shown}");
    let few = d.code_frequency_chart(4);
    let kept: Vec<usize> = few.groups.iter().flat_map(|(_, b)| b.iter().map(|b| b.count)).collect();
    assert_eq!(kept.len(), 4);
    assert_eq!(few.left_out, shown - 4);
    let mut counts: Vec<usize> = all.groups.iter().flat_map(|(_, b)| b.iter().map(|b| b.count)).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(kept.iter().all(|k| *k >= counts[3]), "{kept:?} vs {counts:?}");
}
