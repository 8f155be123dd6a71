//! The study report: what it holds, what the analyst's choices leave out, who it
//! quotes (pseudonyms only, and only those who consented), and the HTML page.

mod common {
    pub mod coding_fixture;
}

use common::coding_fixture::{T0, add_code, code, document_study};
use fieldkit_core::coding::sources::SourceRef;
use fieldkit_core::coding::{CodingEdit, MatrixColumn, MatrixRow};
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::fieldwork::{InterviewEdit, InterviewKind, Mode, NewInterview, Slot};
use fieldkit_core::report::html::report_html;
use fieldkit_core::report::{Block, ReportChoice, report_options, study_report};
use fieldkit_core::study::Identity;

fn quotes(blocks: &[Block]) -> Vec<(String, String)> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Quote { words, by } => Some((words.clone(), by.clone())),
            _ => None,
        })
        .collect()
}

fn headings(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_demo_report_holds_the_study_the_method_themes_quotes_and_synopses_and_no_real_name() {
    let mut d = demo_study(DemoSize::Small);
    // Everyone's real name and contact, as a tablet that registered them holds.
    for p in d.participants.clone() {
        d.identities.push(Identity {
            participant_id: p.id,
            study_id: d.study.id,
            modified: T0,
            real_name: format!("{} Realname-{}", p.pseudonym, p.id.as_u128() % 1000),
            contact: format!("07700 900{:03}", p.id.as_u128() % 1000),
            notes: String::new(),
        });
    }
    let report = study_report(&d, &ReportChoice::default());
    let text = report.plain_text();
    assert!(text.starts_with(&d.study.title));
    for q in &d.study.research_questions {
        assert!(text.contains(q.text.trim()), "research question {}", q.text);
    }
    for c in &d.cases {
        assert!(text.contains(&c.name), "case {}", c.name);
    }
    for theme in d.themes() {
        assert!(headings(&report.blocks).contains(&theme.name), "theme {}", theme.name);
    }
    for cell in &d.matrix_cells {
        assert!(text.contains(cell.synopsis.trim()), "synopsis {}", cell.synopsis);
    }
    // Every ticked quote of a participant who may be quoted, with the pseudonym.
    let shown = quotes(&report.blocks);
    assert!(!shown.is_empty());
    for cell in &d.matrix_cells {
        for id in &cell.segments {
            let words = d.segment(*id).unwrap().text.trim().to_string();
            let quote = shown.iter().find(|(w, _)| *w == words).unwrap_or_else(|| panic!("quote {words}"));
            let who = d.quote(*id).unwrap();
            assert!(who.ends_with(&quote.1), "{who} vs {}", quote.1);
        }
    }
    assert_eq!(d.identities.len(), d.participants.len());
    let html = report_html(&report);
    for identity in &d.identities {
        assert!(!text.contains(&identity.real_name), "a real name in the report: {}", identity.real_name);
        assert!(!text.contains(&identity.contact) && !html.contains(&identity.contact));
        assert!(!html.contains(&identity.real_name));
    }
}

#[test]
fn the_method_counts_cases_roles_fieldwork_and_consent_from_the_data() {
    let d = demo_study(DemoSize::Small);
    let report = study_report(&d, &ReportChoice::default());
    let table = |caption: &str| {
        report
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table { caption: c, header, rows } if c == caption => Some((header.clone(), rows.clone())),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no table {caption}"))
    };
    let (header, rows) = table("Cases and their attributes");
    assert_eq!(rows.len(), d.cases.len());
    let participants = header.iter().position(|h| h == "Participants").unwrap();
    for (case, row) in d.cases.iter().zip(&rows) {
        assert_eq!(row[0], case.name);
        assert_eq!(row[1], case.attributes.setting.map(|s| s.label()).unwrap_or(""));
        assert_eq!(row[participants], d.participants_of_case(case.id).count().to_string());
        for extra in &case.attributes.extra {
            let column = header.iter().position(|h| *h == extra.key).unwrap();
            assert_eq!(row[column], extra.value);
        }
    }
    let (_, roles) = table("Participants by stakeholder role");
    let counted: usize = roles.iter().map(|r| r[1].parse::<usize>().unwrap()).sum();
    assert_eq!(counted, d.participants.len());
    let withdrew: usize = roles.iter().map(|r| r[4].parse::<usize>().unwrap()).sum();
    assert_eq!(withdrew, d.participants.iter().filter(|p| p.consent.withdrawn).count());
    let text = report.plain_text();
    let quoted = d.participants.iter().filter(|p| p.consent.quotation).count();
    assert!(text.contains(&format!("Consented to being quoted: {quoted}")));
}

#[test]
fn counts_by_case_are_the_coded_passages_of_each_code_and_its_sub_codes() {
    let (mut d, source) = document_study("One two three four five six seven eight nine ten.");
    let theme = add_code(&mut d, None, "Barriers");
    let money = add_code(&mut d, Some(theme), "Money");
    code(&mut d, &source, 0, 3, &[money], "ann");
    code(&mut d, &source, 4, 7, &[money], "ann");
    code(&mut d, &source, 8, 13, &[theme], "ann");
    let case = d.source(&source).unwrap().case_id.unwrap();
    let report = study_report(&d, &ReportChoice::default());
    let (header, rows) = report
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Table { caption, header, rows } if caption.contains("“Barriers” by case") => {
                Some((header, rows))
            }
            _ => None,
        })
        .unwrap();
    let column = header.iter().position(|h| *h == d.case(case).unwrap().name).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0][0].as_str(), rows[0][column].as_str(), rows[0].last().unwrap().as_str()),
        ("Barriers", "3", "3")
    );
    assert_eq!((rows[1][0].as_str(), rows[1][column].as_str()), ("– Money", "2"));
    // No quote is ticked for it yet, and the report says so.
    assert!(report.plain_text().contains("No quotes are ticked as supporting this theme"));
}

#[test]
fn a_participant_who_did_not_consent_to_quotation_is_not_quoted_but_counted() {
    let mut d = demo_study(DemoSize::Small);
    let birch = d.participants.iter().find(|p| p.pseudonym == "Birch").unwrap().clone();
    assert!(!birch.consent.quotation);
    let theme = d.themes().next().unwrap().id;
    // Birch's interview notes, coded and ticked as supporting the theme.
    let protocol = d.protocols[0].id;
    let section = d.protocols[0].sections[0].id;
    let interview = d
        .start_interview(
            NewInterview {
                kind: InterviewKind::Interview,
                case_id: birch.case_id.unwrap(),
                participant_ids: vec![birch.id],
                mode: Mode::Telephone,
                interviewer: "ann".into(),
                date: String::new(),
                protocol_id: protocol,
                planned: false,
            },
            T0,
        )
        .unwrap();
    let words = "The rota changes every week and nobody tells us.";
    let slot = Slot { section, prompt: None };
    d.edit_interview(interview, InterviewEdit::Notes { slot, text: words.into() }, T0).unwrap();
    let source = SourceRef::Notes { interview, section, prompt: None };
    let before = d.segments.len();
    d.apply_coding(
        CodingEdit::ApplyCodes {
            source,
            start: 0,
            end: words.chars().count(),
            codes: vec![theme],
            coder: "ann".into(),
        },
        T0,
    )
    .unwrap();
    let segment = d.segments[before].id;
    let row = MatrixRow::Case(birch.case_id.unwrap());
    d.apply_coding(CodingEdit::LinkSegments { row, column: MatrixColumn::Theme(theme), segments: vec![segment] }, T0)
        .unwrap();
    let report = study_report(&d, &ReportChoice::default());
    assert!(!quotes(&report.blocks).iter().any(|(w, _)| w == words), "Birch is quoted");
    assert!(!report.plain_text().contains(words));
    assert!(report.plain_text().contains("1 ticked quote is left out"));
}

#[test]
fn the_analysts_choices_leave_sections_out() {
    let d = demo_study(DemoSize::Small);
    let (themes, micro) = report_options(&d);
    assert!(!micro);
    let first = themes[0].clone();
    let choice = ReportChoice {
        questions: false,
        method: false,
        themes: Some(vec![first.0]),
        quotes: false,
        matrix: false,
        micro_provider: true,
    };
    let report = study_report(&d, &choice);
    let heads = headings(&report.blocks);
    assert!(!heads.contains(&"Method in figures".to_string()));
    assert!(!heads.contains(&"Research questions".to_string()));
    assert!(!heads.contains(&"Framework matrix".to_string()));
    assert!(heads.contains(&first.1));
    for (_, other) in &themes[1..] {
        assert!(!heads.contains(other), "{other} is in");
    }
    assert!(quotes(&report.blocks).is_empty());
    // No micro-provider records: no such section even when asked for.
    assert!(!heads.iter().any(|h| h.starts_with("Micro-provider")));
}

#[test]
fn micro_provider_records_are_summarised_per_provider_and_by_part() {
    let mut d = demo_study(DemoSize::Small);
    let protocol = d.add_protocol_from_template("micro-provider", T0).unwrap();
    let sections: Vec<(fieldkit_core::fieldwork::Section, usize)> =
        d.protocols.iter().find(|p| p.id == protocol).unwrap().sections.iter().cloned().zip(0..).collect();
    assert_eq!(sections.len(), 4);
    let cases: Vec<_> = d.cases.iter().take(2).map(|c| c.id).collect();
    for (n, case) in cases.iter().enumerate() {
        let person = d.eligible_participants(*case)[0].id;
        let interview = d
            .start_interview(
                NewInterview {
                    kind: InterviewKind::Interview,
                    case_id: *case,
                    participant_ids: vec![person],
                    mode: Mode::FaceToFace,
                    interviewer: "ann".into(),
                    date: String::new(),
                    protocol_id: protocol,
                    planned: false,
                },
                T0,
            )
            .unwrap();
        for (section, part) in &sections {
            let slot = Slot { section: section.id, prompt: None };
            let text = format!("Provider {n} part {part} notes.");
            d.edit_interview(interview, InterviewEdit::Notes { slot, text }, T0).unwrap();
        }
    }
    assert!(report_options(&d).1);
    let report = study_report(&d, &ReportChoice::default());
    let heads = headings(&report.blocks);
    let at = heads.iter().position(|h| h == "Per provider").unwrap();
    assert_eq!(heads[at + 1], d.case(cases[0]).unwrap().name);
    let text = report.plain_text();
    for (section, part) in &sections {
        assert!(text.contains(&format!("{}: Provider 0 part {part} notes.", section.title)));
        // By part: a table per part, a row per provider.
        let rows = report
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table { caption, rows, .. } if *caption == section.title => Some(rows.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][1], format!("Provider 1 part {part} notes."));
    }
}

#[test]
fn the_html_page_escapes_every_text_and_prints_cleanly() {
    let mut d = demo_study(DemoSize::Small);
    let row = MatrixRow::Case(d.cases[0].id);
    let column = MatrixColumn::Theme(d.themes().next().unwrap().id);
    d.apply_coding(CodingEdit::SetSynopsis { row, column, text: "<script>alert(1)</script> & “more”".into() }, T0)
        .unwrap();
    let html = report_html(&study_report(&d, &ReportChoice::default()));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; “more”"));
    assert!(html.contains("@media print"));
    assert!(html.contains("default-src 'none'"));
    assert_eq!(html.matches("<table>").count(), html.matches("</table>").count());
}
