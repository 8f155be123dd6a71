//! The interviews CSV, byte for byte what the UI downloads and what
//! `fieldkit export` writes. UTF-8, one header row of names (never internal ids)
//! that R, SPSS and Stata accept, and no cell that a spreadsheet would run as a formula.

use crate::fieldwork::{AnswerState, Interview, Speaker};
use crate::study::StudyData;
use crate::tabular::{safe_cell, unique_variable_names};

fn write_rows(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, String> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Names that R, SPSS and Stata accept, unique ignoring case (these fixed ones are already).
    out.write_record(unique_variable_names(header)).map_err(|e| e.to_string())?;
    for row in rows {
        out.write_record(row.iter().map(|c| safe_cell(c))).map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

pub const INTERVIEWS_CSV_HEADER: [&str; 17] = [
    "interview_id",
    "kind",
    "mode",
    "date",
    "status",
    "case",
    "participants",
    "participant_roles",
    "section_number",
    "section",
    "research_question",
    "prompt",
    "answer_state",
    "speaker",
    "speaker_role",
    "text",
    "flags",
];

fn speaker_names(data: &StudyData, speaker: &Speaker) -> (String, String) {
    match speaker {
        Speaker::Participant(id) => match data.participant(*id) {
            Some(p) => (p.pseudonym.clone(), data.role_name(p.role_id).to_string()),
            None => ("(deleted participant)".into(), String::new()),
        },
        Speaker::Interviewer => ("Interviewer".into(), String::new()),
        Speaker::Other(name) => (name.clone(), String::new()),
    }
}

fn interview_rows(data: &StudyData, interview: &Interview, rows: &mut Vec<Vec<String>>) {
    let people: Vec<_> = interview.participant_ids.iter().filter_map(|id| data.participant(*id)).collect();
    let pseudonyms = people.iter().map(|p| p.pseudonym.as_str()).collect::<Vec<_>>().join("; ");
    let roles = people.iter().map(|p| data.role_name(p.role_id)).collect::<Vec<_>>().join("; ");
    let base = [
        interview.id.to_string(),
        interview.kind.key().to_string(),
        interview.mode.key().to_string(),
        interview.date.map(|d| d.to_string()).unwrap_or_default(),
        format!("{:?}", interview.status).to_lowercase().replace("inprogress", "in_progress"),
        data.case_name(Some(interview.case_id)).to_string(),
        pseudonyms,
        roles,
    ];
    let row = |number: String,
               section: &str,
               question: &str,
               prompt: &str,
               state: &str,
               speaker: (String, String),
               text: &str,
               flags: String| {
        let mut r = base.to_vec();
        r.extend([
            number,
            section.into(),
            question.into(),
            prompt.into(),
            state.into(),
            speaker.0,
            speaker.1,
            text.into(),
            flags,
        ]);
        r
    };
    for (n, section) in data.interview_sections(interview).iter().enumerate() {
        let question = section
            .research_question_id
            .and_then(|q| data.study.research_questions.iter().find(|x| x.id == q))
            .map(|q| q.text.as_str())
            .unwrap_or("");
        let slots = std::iter::once((None, section.question.as_str()))
            .chain(section.prompts.iter().map(|p| (Some(p.id), p.text.as_str())));
        for (prompt_id, prompt_text) in slots {
            let Some(answer) =
                interview.answers.iter().find(|a| a.section_id == section.id && a.prompt_id == prompt_id)
            else {
                continue;
            };
            let state = match answer.state {
                AnswerState::Asked => "asked",
                AnswerState::NotAsked => "not_asked",
                AnswerState::Skipped => "skipped",
            };
            let flags = answer.flags.iter().map(|f| f.label()).collect::<Vec<_>>().join("; ");
            let number = (n + 1).to_string();
            if !answer.text.trim().is_empty() || (answer.turns.is_empty() && answer.state != AnswerState::Asked) {
                rows.push(row(
                    number.clone(),
                    &section.title,
                    question,
                    prompt_text,
                    state,
                    (String::new(), String::new()),
                    &answer.text,
                    flags.clone(),
                ));
            }
            for turn in &answer.turns {
                rows.push(row(
                    number.clone(),
                    &section.title,
                    question,
                    prompt_text,
                    state,
                    speaker_names(data, &turn.speaker),
                    &turn.text,
                    flags.clone(),
                ));
            }
        }
    }
    if let Some(transcript) = &interview.transcript {
        for turn in &transcript.turns {
            rows.push(row(
                String::new(),
                "Transcript",
                "",
                "",
                "asked",
                speaker_names(data, &turn.speaker),
                &turn.text,
                String::new(),
            ));
        }
    }
}

/// One row per answer note or speaker turn, interviews in the order they were created.
pub fn interviews_csv(data: &StudyData) -> Result<Vec<u8>, String> {
    let mut rows = Vec::new();
    for interview in &data.interviews {
        interview_rows(data, interview, &mut rows);
    }
    write_rows(&INTERVIEWS_CSV_HEADER, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::is_safe_variable_name;

    #[test]
    fn the_header_is_made_of_names_r_spss_and_stata_accept() {
        let data = crate::demo::demo_study(crate::demo::DemoSize::Small);
        let bytes = interviews_csv(&data).unwrap_or_default();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader.headers().map(|h| h.iter().map(String::from).collect()).unwrap_or_default();
        assert_eq!(header, INTERVIEWS_CSV_HEADER);
        let mut seen = std::collections::HashSet::new();
        for name in &header {
            assert!(is_safe_variable_name(name) && seen.insert(name.to_ascii_lowercase()), "{name}");
        }
    }
}
