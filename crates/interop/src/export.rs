//! Writing a study as a REFI-QDA project (`.qdpx`) or codebook (`.qdc`).
//!
//! What goes where (see the README):
//! - every coder and memo author → a `User` (GUID: UUID v5 of the name);
//! - codes → the `CodeBook`, nested, `isCodable="true"`, `color`, and a `Description`
//!   holding the definition with "When to use:", "When not to use:" and "Example:"
//!   paragraphs for inclusion, exclusion and example;
//! - case attributes → `Variable`s (setting, legal form, country, each extra
//!   attribute typed Integer/Float/Boolean/Date when all its values are, else Text),
//!   plus "Case type"; survey closed answers → one variable per question or Likert item;
//! - each case → a `Case` with its variable values and `SourceRef`s to its sources;
//!   each survey response → a `Case` ("Case type" = "Survey respondent") with its
//!   closed answers as values and `SourceRef`s to its open answers;
//! - every interview and focus group → one `TextSource` (GUID: the interview's id)
//!   holding its notes and turns in protocol order under section headings, questions
//!   and speakers' names (`coding::composed`), its segments placed there, each turn's
//!   selection described "Said by …"; every other codable text (transcripts, open
//!   survey answers, site-visit notes, documents) → its own `TextSource`; each with its
//!   text in `sources/<guid>.txt` (UTF-8, no BOM, `\n`), placed segments as
//!   `PlainTextSelection`s in code points with their `Coding`s, and "Source type",
//!   "Participant" and "Date" variable values;
//! - memos → `Note`s, referred to (`NoteRef`) from their code, selection or source,
//!   or from the project for the journal;
//! - sets: the sources of each research question, and of each source type.
//!
//! Participants are not cases: their pseudonyms are the "Participant" value of the
//! sources they speak in. Segments that lost their text are not exported (they have no
//! place in it); their memos go to the project.

use std::collections::{BTreeMap, HashMap, HashSet};

use fieldkit_core::coding::Memo;
use fieldkit_core::coding::composed::ComposedInterview;
use fieldkit_core::coding::sources::{SourceInfo, SourceKind, SourceRef};
use fieldkit_core::coding::{Anchor, Code, MemoTarget, Segment};
use fieldkit_core::fieldwork::InterviewKind;
use fieldkit_core::offsets::code_point_len;
use fieldkit_core::surveys::{AnswerValue, QuestionKind};
use fieldkit_core::{Date, StudyData, Timestamp};
use uuid::Uuid;

use crate::text::{Normalised, escape_attr, escape_text};
use crate::{CODEBOOK_NAMESPACE, InteropError, PROJECT_NAMESPACE};

const USER_NS: Uuid = Uuid::from_u128(0x2f6c_9a1e_4b7d_4c3a_8e21_d5f0_7a93_b614);
const VARIABLE_NS: Uuid = Uuid::from_u128(0x8d41_7c02_e6a9_4f5b_b318_2c7e_90d4_a5f1);
const SET_NS: Uuid = Uuid::from_u128(0x5a3e_b8d1_0c7f_4e62_9f14_a6b2_d389_e07c);
const CODING_NS: Uuid = Uuid::from_u128(0xc7e2_41a8_5d3b_4f09_a6e1_8b50_f2d7_3c94);

/// The user for codings and memos without a coder.
pub const DEFAULT_USER: &str = "fieldkit";
pub const CASE_TYPE: &str = "Case type";
pub const CASE_TYPE_SITE: &str = "Case study site";
pub const CASE_TYPE_RESPONDENT: &str = "Survey respondent";
pub const SOURCE_TYPE: &str = "Source type";
pub const PARTICIPANT: &str = "Participant";
pub const SOURCE_DATE: &str = "Date";
pub const SITE: &str = "Site";
pub const WHEN_TO_USE: &str = "When to use: ";
pub const WHEN_NOT_TO_USE: &str = "When not to use: ";
pub const EXAMPLE: &str = "Example: ";

/// The GUID of a user, from the name (the same on every device).
pub fn user_guid(name: &str) -> Uuid {
    let name = if name.trim().is_empty() { DEFAULT_USER } else { name.trim() };
    Uuid::new_v5(&USER_NS, name.as_bytes())
}

fn variable_guid(key: &str) -> Uuid {
    Uuid::new_v5(&VARIABLE_NS, key.as_bytes())
}

/// A code's REFI-QDA description: the definition, then inclusion, exclusion and example.
pub fn code_description(code: &Code) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !code.definition.trim().is_empty() {
        parts.push(code.definition.clone());
    }
    for (label, text) in [(WHEN_TO_USE, &code.inclusion), (WHEN_NOT_TO_USE, &code.exclusion), (EXAMPLE, &code.example)]
    {
        if !text.trim().is_empty() {
            parts.push(format!("{label}{text}"));
        }
    }
    parts.join("\n\n")
}

/// An XML document written by hand: indented, attributes in the order given.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn new() -> Xml {
        Xml { out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"), depth: 0 }
    }

    fn tag(&mut self, name: &str, attrs: &[(&str, Option<String>)], close: &str) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            if let Some(value) = value {
                self.out.push_str(&format!(" {key}=\"{}\"", escape_attr(value)));
            }
        }
        self.out.push_str(close);
        self.out.push('\n');
    }

    fn open(&mut self, name: &str, attrs: &[(&str, Option<String>)]) {
        self.tag(name, attrs, ">");
        self.depth += 1;
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, Option<String>)]) {
        self.tag(name, attrs, "/>");
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(&format!("<{name}>{}</{name}>\n", escape_text(text)));
    }

    fn reference(&mut self, name: &str, target: Uuid) {
        self.empty(name, &[("targetGUID", Some(target.to_string()))]);
    }
}

fn some(text: impl Into<String>) -> Option<String> {
    Some(text.into())
}

fn time(t: Timestamp) -> Option<String> {
    Some(t.to_string())
}

/// The codebook as nested `Code` elements, in codebook order.
fn write_codes(xml: &mut Xml, data: &StudyData, notes: &HashMap<Uuid, Vec<Uuid>>) {
    let mut children: BTreeMap<Option<Uuid>, Vec<&Code>> = BTreeMap::new();
    for c in &data.codes {
        children.entry(c.parent).or_default().push(c);
    }
    // The analyst's order among siblings (stable: as created where never reordered).
    for siblings in children.values_mut() {
        siblings.sort_by_key(|c| c.order);
    }
    let known: HashSet<Uuid> = data.codes.iter().map(|c| c.id).collect();
    // Codes whose parent is unknown are written as themes rather than lost.
    let mut roots: Vec<&Code> = data.codes.iter().filter(|c| c.parent.is_none_or(|p| !known.contains(&p))).collect();
    roots.sort_by_key(|c| c.order);
    roots.dedup_by_key(|c| c.id);
    let mut seen = HashSet::new();
    fn write<'a>(
        xml: &mut Xml,
        code: &'a Code,
        children: &BTreeMap<Option<Uuid>, Vec<&'a Code>>,
        notes: &HashMap<Uuid, Vec<Uuid>>,
        seen: &mut HashSet<Uuid>,
    ) {
        if !seen.insert(code.id) {
            return;
        }
        let attrs = [
            ("guid", some(code.id.to_string())),
            ("name", some(code.name.clone())),
            ("isCodable", some("true")),
            ("color", some(code.colour.to_uppercase())),
        ];
        let description = code_description(code);
        let kids = children.get(&Some(code.id)).map(Vec::as_slice).unwrap_or(&[]);
        let code_notes = notes.get(&code.id).map(Vec::as_slice).unwrap_or(&[]);
        if description.is_empty() && kids.is_empty() && code_notes.is_empty() {
            xml.empty("Code", &attrs);
            return;
        }
        xml.open("Code", &attrs);
        if !description.is_empty() {
            xml.leaf("Description", &description);
        }
        for n in code_notes {
            xml.reference("NoteRef", *n);
        }
        for k in kids {
            write(xml, k, children, notes, seen);
        }
        xml.close("Code");
    }
    xml.open("Codes", &[]);
    for root in roots {
        write(xml, root, &children, notes, &mut seen);
    }
    xml.close("Codes");
}

/// The codebook alone, as a `.qdc` file (valid against Codebook.xsd).
pub fn export_qdc(data: &StudyData) -> Result<String, InteropError> {
    if data.codes.is_empty() {
        return Err(InteropError::NothingToExport(
            "This study has no codes, so there is no codebook to export.".into(),
        ));
    }
    let mut xml = Xml::new();
    xml.open("CodeBook", &[("xmlns", some(CODEBOOK_NAMESPACE)), ("origin", some(origin()))]);
    write_codes(&mut xml, data, &HashMap::new());
    xml.close("CodeBook");
    Ok(xml.out)
}

fn origin() -> String {
    concat!("fieldkit ", env!("CARGO_PKG_VERSION")).to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum VarType {
    Text,
    Boolean,
    Integer,
    Float,
    Date,
}

impl VarType {
    fn name(self) -> &'static str {
        match self {
            VarType::Text => "Text",
            VarType::Boolean => "Boolean",
            VarType::Integer => "Integer",
            VarType::Float => "Float",
            VarType::Date => "Date",
        }
    }

    fn element(self) -> &'static str {
        match self {
            VarType::Text => "TextValue",
            VarType::Boolean => "BooleanValue",
            VarType::Integer => "IntegerValue",
            VarType::Float => "FloatValue",
            VarType::Date => "DateValue",
        }
    }
}

fn is_integer(v: &str) -> bool {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal(v: &str) -> bool {
    let body = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    (!int.is_empty() || !frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && body.matches('.').count() <= 1
}

fn is_boolean(v: &str) -> bool {
    matches!(v, "true" | "false")
}

fn is_date(v: &str) -> bool {
    Date::parse(v).is_ok_and(|d| d.to_string() == v)
}

/// The narrowest type all the (non-empty) values fit, as written.
fn infer_type(values: &[&str]) -> VarType {
    if values.is_empty() {
        return VarType::Text;
    }
    let all = |f: fn(&str) -> bool| values.iter().all(|v| f(v));
    if all(is_integer) {
        VarType::Integer
    } else if all(is_decimal) {
        VarType::Float
    } else if all(is_boolean) {
        VarType::Boolean
    } else if all(is_date) {
        VarType::Date
    } else {
        VarType::Text
    }
}

struct Variable {
    guid: Uuid,
    name: String,
    kind: VarType,
    description: String,
}

/// The variables, in order of first use, and each one's GUID by key.
#[derive(Default)]
struct Variables {
    list: Vec<Variable>,
    by_key: HashMap<String, usize>,
}

impl Variables {
    fn add(&mut self, key: &str, name: &str, kind: VarType, description: &str) -> Uuid {
        if let Some(&at) = self.by_key.get(key) {
            return self.list[at].guid;
        }
        let guid = variable_guid(key);
        // Names must tell variables apart for the people reading them.
        let mut unique = name.trim().to_string();
        let mut n = 2;
        while self.list.iter().any(|v| v.name.eq_ignore_ascii_case(&unique)) {
            unique = format!("{} ({n})", name.trim());
            n += 1;
        }
        self.by_key.insert(key.to_string(), self.list.len());
        self.list.push(Variable { guid, name: unique, kind, description: description.to_string() });
        guid
    }
}

fn format_number(n: f64) -> Option<(VarType, String)> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return Some((VarType::Integer, format!("{}", n as i64)));
    }
    Some((VarType::Float, format!("{n}")))
}

/// A value to write: the variable, the element type and the text.
type Value = (Uuid, VarType, String);

fn write_values(xml: &mut Xml, values: &[Value]) {
    for (guid, kind, text) in values {
        xml.open("VariableValue", &[]);
        xml.reference("VariableRef", *guid);
        xml.leaf(kind.element(), text);
        xml.close("VariableValue");
    }
}

/// One `TextSource` of the project: a source as it is, or a whole interview or focus
/// group (its notes and turns in protocol order, see `coding::composed`).
struct TextOut<'a> {
    guid: Uuid,
    title: String,
    description: String,
    text: &'a str,
    /// The "Source type" value, and the key of its set.
    kind_label: &'static str,
    kind_key: &'static str,
    who: String,
    date: Option<Date>,
    case_id: Option<Uuid>,
    research_questions: Vec<Uuid>,
    response: Option<Uuid>,
    /// Exported segments at their place in `text` (code points), in text order, each
    /// with whose words they are when a whole interview mixes speakers.
    segments: Vec<(&'a Segment, usize, usize, Option<String>)>,
    notes: Vec<Uuid>,
}

/// Everything of a study that goes into `project.qde`, worked out once.
struct Plan<'a> {
    texts: Vec<TextOut<'a>>,
    /// Memo ids by what they are attached to in the file.
    code_notes: HashMap<Uuid, Vec<Uuid>>,
    selection_notes: HashMap<Uuid, Vec<Uuid>>,
    project_notes: Vec<Uuid>,
    memos: Vec<&'a Memo>,
    users: BTreeMap<String, Uuid>,
}

fn kind_key(kind: SourceKind) -> &'static str {
    kind.key()
}

fn plan<'a>(data: &'a StudyData, composed: &'a [ComposedInterview]) -> Plan<'a> {
    let sources = data.sources();
    let by_ref: HashMap<&SourceRef, &SourceInfo> = sources.iter().map(|s| (&s.source, s)).collect();
    let mut on_source: HashMap<&SourceRef, Vec<&Segment>> = HashMap::new();
    for seg in &data.segments {
        if seg.anchor == Anchor::Lost || seg.codings.is_empty() {
            continue;
        }
        let Some(info) = by_ref.get(&seg.source) else { continue };
        if seg.start >= seg.end || seg.end > code_point_len(info.text) {
            continue;
        }
        on_source.entry(&seg.source).or_default().push(seg);
    }
    let mut source_memos: HashMap<&SourceRef, Vec<Uuid>> = HashMap::new();
    let mut memos: Vec<&Memo> = data.memos.iter().collect();
    memos.sort_by_key(|m| (m.created, m.id));
    for m in &memos {
        if let MemoTarget::Source(s) = &m.target
            && by_ref.contains_key(s)
        {
            source_memos.entry(s).or_default().push(m.id);
        }
    }
    let mut texts: Vec<TextOut> = Vec::new();
    let mut whole_done: HashSet<Uuid> = HashSet::new();
    for info in &sources {
        let interview = match &info.source {
            SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => Some(*interview),
            _ => None,
        };
        if let Some(id) = interview
            && let (Some(i), Some(c)) = (data.interview(id), composed.iter().find(|c| c.interview == id))
        {
            if !whole_done.insert(id) {
                continue;
            }
            let mut segments = Vec::new();
            let mut notes = Vec::new();
            let mut research_questions = Vec::new();
            for part in c.sources() {
                let at = c.offset_of(part).unwrap_or(0);
                let said_by = by_ref.get(part).and_then(|p| p.speaker.as_ref()).map(|s| data.speaker_label(s));
                for seg in on_source.get(part).map(Vec::as_slice).unwrap_or(&[]) {
                    segments.push((*seg, seg.start + at, seg.end + at, said_by.clone()));
                }
                notes.extend(source_memos.get(part).into_iter().flatten().copied());
                if let Some(q) = by_ref.get(part).and_then(|p| p.research_question)
                    && !research_questions.contains(&q)
                {
                    research_questions.push(q);
                }
            }
            segments.sort_by_key(|(s, a, b, _)| (*a, *b, s.id));
            let (kind_label, kind_key) = match i.kind {
                InterviewKind::Interview => ("Interview", "interview"),
                InterviewKind::FocusGroup => ("Focus group", "focus_group"),
            };
            texts.push(TextOut {
                guid: id,
                title: data.interview_title(i),
                description: String::new(),
                text: &c.text,
                kind_label,
                kind_key,
                who: data.interview_people(i),
                date: i.date,
                case_id: Some(i.case_id),
                research_questions,
                response: None,
                segments,
                notes,
            });
            continue;
        }
        let mut segments: Vec<(&Segment, usize, usize, Option<String>)> = on_source
            .get(&info.source)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|s| (*s, s.start, s.end, None))
            .collect();
        segments.sort_by_key(|(s, a, b, _)| (*a, *b, s.id));
        texts.push(TextOut {
            guid: info.uuid,
            title: if info.title.trim().is_empty() { info.kind.label().to_string() } else { info.title.clone() },
            description: info.question_text.clone(),
            text: info.text,
            kind_label: info.kind.label(),
            kind_key: kind_key(info.kind),
            who: participant_label(data, info),
            date: info.date,
            case_id: info.case_id,
            research_questions: info.research_question.into_iter().collect(),
            response: match info.source {
                SourceRef::SurveyAnswer { response, .. } => Some(response),
                _ => None,
            },
            segments,
            notes: source_memos.get(&info.source).cloned().unwrap_or_default(),
        });
    }
    let exported_segments: HashSet<Uuid> = texts.iter().flat_map(|t| &t.segments).map(|s| s.0.id).collect();
    let on_texts: HashSet<Uuid> = texts.iter().flat_map(|t| &t.notes).copied().collect();
    let codes: HashSet<Uuid> = data.codes.iter().map(|c| c.id).collect();
    let mut plan = Plan {
        texts,
        code_notes: HashMap::new(),
        selection_notes: HashMap::new(),
        project_notes: Vec::new(),
        memos,
        users: BTreeMap::new(),
    };
    for m in &plan.memos {
        match &m.target {
            MemoTarget::Code(c) if codes.contains(c) => plan.code_notes.entry(*c).or_default().push(m.id),
            MemoTarget::Segment(s) if exported_segments.contains(s) => {
                plan.selection_notes.entry(*s).or_default().push(m.id)
            }
            MemoTarget::Source(_) if on_texts.contains(&m.id) => {}
            _ => plan.project_notes.push(m.id),
        }
    }
    plan.users.insert(DEFAULT_USER.to_string(), user_guid(DEFAULT_USER));
    for (seg, ..) in plan.texts.iter().flat_map(|t| &t.segments) {
        for c in &seg.codings {
            let name = if c.coder.trim().is_empty() { DEFAULT_USER } else { c.coder.trim() };
            plan.users.insert(name.to_string(), user_guid(name));
        }
    }
    for m in &plan.memos {
        let name = if m.author.trim().is_empty() { DEFAULT_USER } else { m.author.trim() };
        plan.users.insert(name.to_string(), user_guid(name));
    }
    plan
}

fn participant_label(data: &StudyData, info: &SourceInfo) -> String {
    if let Some(speaker) = &info.speaker {
        return data.speaker_label(speaker);
    }
    let names: Vec<&str> =
        info.participants.iter().filter_map(|p| data.participant(*p)).map(|p| p.pseudonym.as_str()).collect();
    names.join(", ")
}

/// The name of an answer's variable and its type, for closed questions.
fn question_variable(kind: &QuestionKind, integer_hint: bool) -> Option<VarType> {
    Some(match kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => VarType::Text,
        QuestionKind::Likert { .. } | QuestionKind::Rating { .. } => VarType::Integer,
        QuestionKind::Number { integer, .. } => {
            if *integer || integer_hint {
                VarType::Integer
            } else {
                VarType::Float
            }
        }
        QuestionKind::Date => VarType::Date,
        QuestionKind::YesNo => VarType::Boolean,
        QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } | QuestionKind::Info => return None,
    })
}

/// `project.qde` and the text files it refers to (`sources/<guid>.txt`).
pub struct ProjectFiles {
    pub qde: String,
    pub sources: Vec<(String, Vec<u8>)>,
}

/// Builds `project.qde` and the source files of a study.
pub fn project_files(data: &StudyData) -> ProjectFiles {
    let composed: Vec<ComposedInterview> =
        data.interviews.iter().filter_map(|i| data.compose_interview(i.id)).collect();
    let plan = plan(data, &composed);
    let mut vars = Variables::default();
    let case_type = vars.add(
        "case-type",
        CASE_TYPE,
        VarType::Text,
        "What a case stands for: a case study site, or one survey respondent.",
    );

    // --- case variables ---
    let mut cases: Vec<&fieldkit_core::study::Case> = data.cases.iter().collect();
    cases.sort_by_key(|c| (c.created, c.id));
    let setting = vars.add("attribute:setting", "Setting", VarType::Text, "Urban, rural or very rural.");
    let legal_form = vars.add("attribute:legal form", "Legal form", VarType::Text, "");
    let country = vars.add("attribute:country", "Country", VarType::Text, "");
    let mut extra_values: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut extra_order: Vec<(String, String)> = Vec::new();
    for c in &cases {
        for a in &c.attributes.extra {
            let key = a.key.trim().to_lowercase();
            if !extra_values.contains_key(&key) {
                extra_order.push((key.clone(), a.key.trim().to_string()));
            }
            let values = extra_values.entry(key).or_default();
            if !a.value.trim().is_empty() {
                values.push(a.value.as_str());
            }
        }
    }
    let mut extra_types = HashMap::new();
    for (key, name) in &extra_order {
        let kind = infer_type(extra_values.get(key).map(Vec::as_slice).unwrap_or(&[]));
        vars.add(&format!("attribute:{key}"), name, kind, "");
        extra_types.insert(key.clone(), kind);
    }
    let source_type = vars.add(
        "source:type",
        SOURCE_TYPE,
        VarType::Text,
        "Interview notes, speaker turn, transcript, survey answer, site-visit notes or document.",
    );
    let participant = vars.add("source:participant", PARTICIPANT, VarType::Text, "Whose words these are (pseudonyms).");
    let source_date = vars.add("source:date", SOURCE_DATE, VarType::Date, "");
    let site = vars.add("respondent:site", SITE, VarType::Text, "The case study site a survey respondent belongs to.");

    let mut case_values: Vec<(Uuid, String, String, Vec<Value>, Vec<Uuid>)> = Vec::new();
    for c in &cases {
        let mut values: Vec<Value> = vec![(case_type, VarType::Text, CASE_TYPE_SITE.into())];
        if let Some(s) = c.attributes.setting {
            values.push((setting, VarType::Text, s.label().into()));
        }
        if !c.attributes.legal_form.trim().is_empty() {
            values.push((legal_form, VarType::Text, c.attributes.legal_form.clone()));
        }
        if !c.attributes.country.trim().is_empty() {
            values.push((country, VarType::Text, c.attributes.country.clone()));
        }
        for a in &c.attributes.extra {
            let key = a.key.trim().to_lowercase();
            if a.value.trim().is_empty() {
                continue;
            }
            let kind = extra_types.get(&key).copied().unwrap_or(VarType::Text);
            values.push((variable_guid(&format!("attribute:{key}")), kind, a.value.clone()));
        }
        let refs = plan.texts.iter().filter(|t| t.case_id == Some(c.id)).map(|t| t.guid).collect();
        case_values.push((c.id, c.name.clone(), c.description.clone(), values, refs));
    }

    // --- survey respondents ---
    let mut responses: Vec<&fieldkit_core::surveys::Response> = data.responses.iter().collect();
    responses.sort_by_key(|r| (r.created, r.id));
    let mut numbering: HashMap<Uuid, usize> = HashMap::new();
    for r in responses {
        let Some(pages) = data.response_pages(r) else { continue };
        let survey = data.survey(r.survey_id).map_or("Survey", |s| s.name.as_str());
        let n = numbering.entry(r.survey_id).or_insert(0);
        *n += 1;
        let who = r.participant_id.and_then(|p| data.participant(p)).map_or("Anonymous", |p| p.pseudonym.as_str());
        let name = format!("{survey} · {who} · response {n}");
        let mut values: Vec<Value> = vec![(case_type, VarType::Text, CASE_TYPE_RESPONDENT.into())];
        if let Some(c) = data.case(r.case_id) {
            values.push((site, VarType::Text, c.name.clone()));
        }
        for q in pages.iter().flat_map(|p| &p.questions) {
            let Some(answer) = r.answers.get(&q.id) else { continue };
            let integer_hint = matches!(q.kind, QuestionKind::Number { integer: true, .. });
            let Some(kind) = question_variable(&q.kind, integer_hint) else { continue };
            let label = q.label.get(fieldkit_core::surveys::DEFAULT_LANGUAGE).0;
            let key = format!("survey:{}:{}", r.survey_id, q.id);
            if let (QuestionKind::Likert { items, .. }, AnswerValue::Scale(points)) = (&q.kind, answer) {
                for item in items {
                    let Some(p) = points.get(&item.id) else { continue };
                    let item_label = item.label.get(fieldkit_core::surveys::DEFAULT_LANGUAGE).0;
                    let guid = vars.add(
                        &format!("{key}:{}", item.id),
                        &format!("{survey} · {}", item.name),
                        VarType::Integer,
                        item_label,
                    );
                    values.push((guid, VarType::Integer, p.to_string()));
                }
                continue;
            }
            let guid = vars.add(&key, &format!("{survey} · {}", q.name), kind, label);
            let value = match answer {
                AnswerValue::Choice(v) | AnswerValue::Text(v) => Some((VarType::Text, v.clone())),
                AnswerValue::Choices(v) => Some((VarType::Text, v.join("; "))),
                AnswerValue::Number(n) => format_number(*n),
                AnswerValue::Bool(b) => Some((VarType::Boolean, b.to_string())),
                AnswerValue::Date(d) => Some((VarType::Date, d.to_string())),
                AnswerValue::Scale(_) => None,
            };
            // A value of another type than its variable is written as text.
            if let Some((vt, text)) = value {
                let vt =
                    if vt == kind || (kind == VarType::Float && vt == VarType::Integer) { kind } else { VarType::Text };
                values.push((guid, vt, text));
            }
        }
        let refs: Vec<Uuid> = plan.texts.iter().filter(|t| t.response == Some(r.id)).map(|t| t.guid).collect();
        case_values.push((r.id, name, format!("Survey response ({survey})"), values, refs));
    }

    // --- the document ---
    let mut xml = Xml::new();
    let default_user = user_guid(DEFAULT_USER);
    let modified = std::iter::once(data.study.modified)
        .chain(data.cases.iter().map(|x| x.modified))
        .chain(data.codes.iter().map(|x| x.modified))
        .chain(data.segments.iter().map(|x| x.modified))
        .chain(data.memos.iter().map(|x| x.modified))
        .chain(data.documents.iter().map(|x| x.modified))
        .chain(data.interviews.iter().map(|x| x.modified))
        .chain(data.responses.iter().map(|x| x.modified))
        .max()
        .unwrap_or(data.study.modified);
    xml.open(
        "Project",
        &[
            ("xmlns", some(PROJECT_NAMESPACE)),
            ("name", some(data.study.title.clone())),
            ("origin", some(origin())),
            ("creatingUserGUID", some(default_user.to_string())),
            ("creationDateTime", time(data.study.created)),
            ("modifyingUserGUID", some(default_user.to_string())),
            ("modifiedDateTime", time(modified)),
        ],
    );
    xml.open("Users", &[]);
    for (name, guid) in &plan.users {
        xml.empty("User", &[("guid", some(guid.to_string())), ("name", some(name.clone()))]);
    }
    xml.close("Users");
    if !data.codes.is_empty() {
        xml.open("CodeBook", &[]);
        write_codes(&mut xml, data, &plan.code_notes);
        xml.close("CodeBook");
    }
    xml.open("Variables", &[]);
    for v in &vars.list {
        let attrs = [
            ("guid", some(v.guid.to_string())),
            ("name", some(v.name.clone())),
            ("typeOfVariable", some(v.kind.name())),
        ];
        if v.description.trim().is_empty() {
            xml.empty("Variable", &attrs);
        } else {
            xml.open("Variable", &attrs);
            xml.leaf("Description", &v.description);
            xml.close("Variable");
        }
    }
    xml.close("Variables");
    if !case_values.is_empty() {
        xml.open("Cases", &[]);
        for (guid, name, description, values, refs) in &case_values {
            xml.open("Case", &[("guid", some(guid.to_string())), ("name", some(name.clone()))]);
            if !description.trim().is_empty() {
                xml.leaf("Description", description);
            }
            write_values(&mut xml, values);
            for r in refs {
                xml.reference("SourceRef", *r);
            }
            xml.close("Case");
        }
        xml.close("Cases");
    }
    let mut files = Vec::new();
    if !plan.texts.is_empty() {
        xml.open("Sources", &[]);
        for t in &plan.texts {
            let normalised = Normalised::of(t.text);
            let file = format!("{}.txt", t.guid);
            xml.open(
                "TextSource",
                &[
                    ("guid", some(t.guid.to_string())),
                    ("name", some(t.title.clone())),
                    ("plainTextPath", some(format!("internal://{file}"))),
                ],
            );
            if !t.description.trim().is_empty() {
                xml.leaf("Description", &t.description);
            }
            for (seg, start, end, said_by) in &t.segments {
                let (start, end) = (normalised.position(*start), normalised.position(*end));
                if start >= end {
                    continue;
                }
                let coder = seg.codings.first().map_or(DEFAULT_USER, |c| c.coder.as_str());
                let excerpt: String = seg.text.chars().take(60).map(|c| if c.is_control() { ' ' } else { c }).collect();
                xml.open(
                    "PlainTextSelection",
                    &[
                        ("guid", some(seg.id.to_string())),
                        ("name", some(excerpt)),
                        ("startPosition", some(start.to_string())),
                        ("endPosition", some(end.to_string())),
                        ("creatingUser", some(user_guid(coder).to_string())),
                        ("creationDateTime", time(seg.created)),
                        ("modifiedDateTime", time(seg.modified)),
                    ],
                );
                // In a whole focus group, whose words the selection is.
                if let Some(who) = said_by.as_ref().filter(|w| !w.trim().is_empty()) {
                    xml.leaf("Description", &format!("Said by {who}"));
                }
                for c in &seg.codings {
                    let guid = Uuid::new_v5(&CODING_NS, format!("{}:{}", seg.id, c.code).as_bytes());
                    xml.open(
                        "Coding",
                        &[
                            ("guid", some(guid.to_string())),
                            ("creatingUser", some(user_guid(&c.coder).to_string())),
                            ("creationDateTime", time(c.created)),
                        ],
                    );
                    xml.reference("CodeRef", c.code);
                    xml.close("Coding");
                }
                for n in plan.selection_notes.get(&seg.id).map(Vec::as_slice).unwrap_or(&[]) {
                    xml.reference("NoteRef", *n);
                }
                xml.close("PlainTextSelection");
            }
            for n in &t.notes {
                xml.reference("NoteRef", *n);
            }
            let mut values: Vec<Value> = vec![(source_type, VarType::Text, t.kind_label.into())];
            if !t.who.is_empty() {
                values.push((participant, VarType::Text, t.who.clone()));
            }
            if let Some(d) = t.date {
                values.push((source_date, VarType::Date, d.to_string()));
            }
            write_values(&mut xml, &values);
            xml.close("TextSource");
            files.push((format!("sources/{file}"), normalised.text.into_bytes()));
        }
        xml.close("Sources");
    }
    if !plan.memos.is_empty() {
        xml.open("Notes", &[]);
        for m in &plan.memos {
            let first_line = m.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("Memo");
            let name: String = first_line.trim().chars().take(60).collect();
            xml.open(
                "Note",
                &[
                    ("guid", some(m.id.to_string())),
                    ("name", some(name)),
                    ("creatingUser", some(user_guid(&m.author).to_string())),
                    ("creationDateTime", time(m.created)),
                    ("modifiedDateTime", time(m.modified)),
                ],
            );
            xml.leaf("PlainTextContent", &m.text);
            xml.close("Note");
        }
        xml.close("Notes");
    }
    // Sets: the sources of each research question and of each source type.
    let mut sets: Vec<(Uuid, String, Vec<Uuid>)> = Vec::new();
    for (n, q) in data.study.research_questions.iter().enumerate() {
        let members: Vec<Uuid> =
            plan.texts.iter().filter(|t| t.research_questions.contains(&q.id)).map(|t| t.guid).collect();
        if !members.is_empty() {
            let name = format!("Research question {}: {}", n + 1, q.text.trim());
            sets.push((Uuid::new_v5(&SET_NS, format!("rq:{}", q.id).as_bytes()), name, members));
        }
    }
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    for t in &plan.texts {
        if !kinds.iter().any(|(k, _)| *k == t.kind_key) {
            kinds.push((t.kind_key, t.kind_label));
        }
    }
    for (key, label) in kinds {
        let members: Vec<Uuid> = plan.texts.iter().filter(|t| t.kind_key == key).map(|t| t.guid).collect();
        let name = format!("{SOURCE_TYPE}: {label}");
        sets.push((Uuid::new_v5(&SET_NS, format!("kind:{key}").as_bytes()), name, members));
    }
    if !sets.is_empty() {
        xml.open("Sets", &[]);
        for (guid, name, members) in &sets {
            xml.open("Set", &[("guid", some(guid.to_string())), ("name", some(name.clone()))]);
            for m in members {
                xml.reference("MemberSource", *m);
            }
            xml.close("Set");
        }
        xml.close("Sets");
    }
    if !data.study.description.trim().is_empty() {
        xml.leaf("Description", &data.study.description);
    }
    for n in &plan.project_notes {
        xml.reference("NoteRef", *n);
    }
    xml.close("Project");
    ProjectFiles { qde: xml.out, sources: files }
}

/// The whole study as a `.qdpx` archive: `project.qde` and `sources/<guid>.txt`.
/// The same study gives the same bytes.
pub fn export_qdpx(data: &StudyData) -> Result<Vec<u8>, InteropError> {
    let files = project_files(data);
    let mut entries = vec![("project.qde".to_string(), files.qde.into_bytes())];
    entries.extend(files.sources);
    crate::archive::write_zip(&entries)
}
