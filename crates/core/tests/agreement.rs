//! Agreement between coders, on studies coded by hand so every figure can be
//! worked out on paper.

use std::collections::BTreeSet;

use fieldkit_core::coding::agreement::*;
use fieldkit_core::coding::sources::*;
use fieldkit_core::coding::*;
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use uuid::Uuid;

mod common {
    pub mod coding_fixture;
}
use common::coding_fixture::*;

/// 50 characters, with Welsh letters so code points and bytes differ.
const TEXT: &str = "Mae’r gofal yn dda ŵ ŷ; the co-op helps us a lot!!";

fn study() -> (StudyData, SourceRef, Uuid) {
    assert_eq!(TEXT.chars().count(), 50);
    let (mut d, source) = document_study(TEXT);
    let code = add_code(&mut d, None, "Support");
    (d, source, code)
}

fn query(coders: &[&str]) -> AgreementQuery {
    AgreementQuery { coders: coders.iter().map(|c| c.to_string()).collect(), ..AgreementQuery::default() }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 5e-4)
}

/// The layout of the published kappa example (20 both, 5 only A, 10 only B, 15
/// neither) laid on the characters of one source: kappa 0.4, agreement 70 %.
#[test]
fn two_coders_on_one_source_give_the_published_kappa_and_their_disagreements() {
    let (mut d, source, support) = study();
    code(&mut d, &source, 0, 25, &[support], "ann");
    code(&mut d, &source, 5, 35, &[support], "bob");
    let a = d.agreement(&query(&["ann", "bob"])).unwrap();
    assert_eq!(a.sources, vec![source.clone()]);
    assert_eq!(a.rows.len(), 2, "the overall row and the source's row");
    for row in &a.rows {
        let f = &row.figures;
        assert_eq!(f.chars_total, 50);
        assert_eq!(f.chars_by_coder, vec![25, 30]);
        assert_eq!(f.chars_all, 20);
        assert_eq!(f.chars_none, 15);
        assert!(close(f.pairs[0].agreement_pct, 70.0), "{f:?}");
        assert!(close(f.pairs[0].kappa, 0.4), "{f:?}");
        // Binary alpha by hand: n = 100, n1 = 55, n0 = 45, o01 = 15 (each of the 15
        // disagreeing characters gives one pair each way): 1 − 99 · 15 / (45 · 55).
        assert!(close(f.alpha, 1.0 - 99.0 * 15.0 / (45.0 * 55.0)), "{f:?}");
    }
    assert_eq!(a.rows[0].source, None);
    assert_eq!(a.rows[1].source, Some(source.clone()));
    let places: Vec<(usize, usize, Vec<String>)> =
        a.disagreements.iter().map(|x| (x.start, x.end, x.coded_by.clone())).collect();
    assert_eq!(places, vec![(0, 5, vec!["ann".to_string()]), (25, 35, vec!["bob".to_string()])]);
}

#[test]
fn the_same_words_coded_by_both_agree_fully_and_each_coding_is_kept() {
    let (mut d, source, support) = study();
    code(&mut d, &source, 10, 30, &[support], "ann");
    code(&mut d, &source, 10, 30, &[support], "bob");
    assert_eq!(d.segments.len(), 2, "each coder's coding is a segment of its own");
    code(&mut d, &source, 10, 30, &[support], "bob");
    assert_eq!(d.segments.len(), 2, "coding the same again changes nothing");
    let a = d.agreement(&query(&["ann", "bob"])).unwrap();
    let f = &a.rows[0].figures;
    assert_eq!(f.chars_by_coder, vec![20, 20]);
    assert!(close(f.pairs[0].agreement_pct, 100.0));
    assert!(close(f.pairs[0].kappa, 1.0));
    assert!(close(f.alpha, 1.0));
    assert!(a.disagreements.is_empty());
}

#[test]
fn overall_rows_pool_every_source_compared_and_codes_follow_the_codebook() {
    let (mut d, doc, support) = study();
    let barriers = add_code(&mut d, None, "Barriers");
    let funding = add_code(&mut d, Some(barriers), "Funding");
    // A second source both coders coded in: a transcript-free interview's notes are
    // not needed; another document will do.
    let other = d.documents.iter().find(|x| SourceRef::Document { document: x.id } != doc).unwrap().id;
    d.edit_document(other, DocumentEdit::Text("x".repeat(30)), T0).unwrap();
    let other = SourceRef::Document { document: other };
    code(&mut d, &doc, 0, 10, &[support], "ann");
    code(&mut d, &doc, 0, 10, &[support], "bob");
    code(&mut d, &other, 0, 30, &[funding], "ann");
    code(&mut d, &other, 0, 15, &[funding], "bob");
    let a = d.agreement(&query(&["ann", "bob"])).unwrap();
    assert_eq!(a.sources.len(), 2);
    let order: Vec<(Uuid, bool)> = a.rows.iter().map(|r| (r.code, r.source.is_none())).collect();
    assert_eq!(order, vec![(support, true), (support, false), (funding, true), (funding, false)]);
    // Funding over both sources: 80 characters, ann 30, bob 15, both 15; the 50 of
    // the first document nobody coded with Funding agree on "not coded".
    let overall = &a.rows[2].figures;
    assert_eq!((overall.chars_total, overall.chars_all, overall.chars_none), (80, 15, 50));
    assert_eq!(overall.chars_by_coder, vec![30, 15]);
    assert!(close(overall.pairs[0].agreement_pct, 100.0 * 65.0 / 80.0));
    // Only that code's sources: the second document alone.
    let only = AgreementQuery { codes: Some(BTreeSet::from([funding])), ..query(&["ann", "bob"]) };
    let a = d.agreement(&only).unwrap();
    assert!(a.rows.iter().all(|r| r.code == funding));
}

#[test]
fn a_source_only_one_coder_worked_on_is_left_out_unless_picked() {
    let (mut d, doc, support) = study();
    let interview = d.interviews[0].id;
    let notes = d
        .sources()
        .into_iter()
        .find(|s| s.source.interview() == Some(interview) && !s.text.is_empty())
        .map(|s| s.source)
        .unwrap();
    code(&mut d, &doc, 0, 10, &[support], "ann");
    code(&mut d, &doc, 0, 10, &[support], "bob");
    code(&mut d, &notes, 0, 3, &[support], "ann");
    let a = d.agreement(&query(&["ann", "bob"])).unwrap();
    assert_eq!(a.sources, vec![doc.clone()], "bob never coded the notes");
    let picked =
        AgreementQuery { sources: Some(BTreeSet::from([doc.clone(), notes.clone()])), ..query(&["ann", "bob"]) };
    let a = d.agreement(&picked).unwrap();
    assert_eq!(a.sources.len(), 2);
    assert!(a.disagreements.iter().any(|x| x.source == notes && x.coded_by == vec!["ann".to_string()]));
}

#[test]
fn three_coders_give_alpha_for_all_and_kappa_for_the_first_two() {
    let (mut d, source, support) = study();
    code(&mut d, &source, 0, 20, &[support], "ann");
    code(&mut d, &source, 0, 20, &[support], "bob");
    code(&mut d, &source, 0, 10, &[support], "cai");
    let a = d.agreement(&query(&["ann", "bob", "cai"])).unwrap();
    let f = &a.rows[0].figures;
    assert_eq!(f.chars_by_coder, vec![20, 20, 10]);
    assert_eq!(f.chars_all, 10);
    assert!(close(f.pairs[0].kappa, 1.0), "ann and bob agree");
    assert_eq!((f.pairs[1].a, f.pairs[1].b, f.pairs[1].chars_both), (0, 2, 10));
    // ann and cai: 10 both, 10 only ann, 30 neither: po 0.8, pe 0.4·0.2 + 0.6·0.8 = 0.56.
    assert!(close(f.pairs[1].kappa, (0.8 - 0.56) / 0.44));
    assert_eq!(f.pairs.len(), 3);
    // 50 units of three values: 10 all coded, 10 coded by two of three, 30 none.
    // o01 = 10 · (2 · 1) / 2 = 10 per direction, n1 = 50, n0 = 100, n = 150:
    // alpha = 1 − 149 · 10 / (100 · 50).
    assert!(close(f.alpha, 1.0 - 149.0 * 10.0 / 5000.0), "{f:?}");
    assert_eq!(a.disagreements.len(), 1);
    assert_eq!(a.disagreements[0].coded_by, vec!["ann".to_string(), "bob".to_string()]);
}

#[test]
fn bad_choices_of_coders_are_refused_with_a_clear_message() {
    let (mut d, source, support) = study();
    code(&mut d, &source, 0, 20, &[support], "ann");
    assert_eq!(d.agreement(&query(&["ann"])), Err(AgreementError::TooFewCoders));
    assert_eq!(d.agreement(&query(&["ann", "zed"])), Err(AgreementError::UnknownCoder("zed".into())));
    assert_eq!(d.coders(), vec!["ann".to_string()]);
}

#[test]
fn removed_words_are_not_counted() {
    let (mut d, source, support) = study();
    code(&mut d, &source, 0, 20, &[support], "ann");
    code(&mut d, &source, 0, 20, &[support], "bob");
    let SourceRef::Document { document } = source else { unreachable!() };
    d.edit_document(document, DocumentEdit::Text(String::new()), T0).unwrap();
    assert!(d.segments.iter().all(|s| s.anchor == Anchor::Lost));
    let a = d.agreement(&query(&["ann", "bob"])).unwrap();
    assert!(a.rows.is_empty(), "{:?}", a.rows);
}
