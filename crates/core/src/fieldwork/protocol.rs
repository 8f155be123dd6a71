//! Interview protocols: editing them, keeping the versions interviews were run
//! with, and the built-in templates a protocol can start from.
//!
//! A protocol is used identically at every case, so an interview must always be
//! shown with the questions that were actually asked. The rule that keeps this true:
//! the first change to a version that an interview has used keeps a copy of that
//! version in the protocol's history and starts a new version; later changes to the
//! new version (which nobody has used yet) go into it directly.

use uuid::Uuid;

use crate::clock::Timestamp;
use crate::fieldwork::{Interview, Prompt, Protocol, ProtocolVersion, Section};
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData, plural};

/// One change to a protocol. Sections and prompts are named by their ids, which
/// stay the same from one version to the next so answers can be matched up.
#[derive(Clone, Debug, PartialEq)]
pub enum ProtocolEdit {
    Name(String),
    /// A note for the research team. It is not part of what is asked, so changing
    /// it never starts a new version.
    Description(String),
    AddSection {
        id: Uuid,
        title: String,
        question: String,
        research_question_id: Option<Uuid>,
    },
    SectionTitle {
        id: Uuid,
        title: String,
    },
    SectionQuestion {
        id: Uuid,
        question: String,
    },
    SectionGuidance {
        id: Uuid,
        guidance: String,
    },
    /// `None` or blank text removes the colour; otherwise `#rrggbb`.
    SectionColour {
        id: Uuid,
        colour: Option<String>,
    },
    SectionResearchQuestion {
        id: Uuid,
        research_question_id: Option<Uuid>,
    },
    /// Move by -1 (up) or +1 (down); moving past either end does nothing.
    MoveSection {
        id: Uuid,
        by: isize,
    },
    RemoveSection(Uuid),
    AddPrompt {
        section: Uuid,
        id: Uuid,
        text: String,
    },
    PromptText {
        id: Uuid,
        text: String,
    },
    /// Moves a prompt within its own section, like [`ProtocolEdit::MoveSection`].
    MovePrompt {
        id: Uuid,
        by: isize,
    },
    RemovePrompt(Uuid),
}

/// What deleting a protocol would mean, for the confirmation the user sees first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtocolDeletionImpact {
    /// Interviews (planned, in progress or complete) that use any version of it.
    /// While there are any, deletion is refused.
    pub interviews: usize,
    /// Earlier versions kept in its history, which go with it.
    pub earlier_versions: usize,
}

impl ProtocolDeletionImpact {
    /// Whether [`StudyData::delete_protocol`] will refuse.
    pub fn blocked(&self) -> bool {
        self.interviews > 0
    }

    /// A sentence for the confirmation dialog, or None when nothing else goes.
    /// When deletion is blocked, show the error from `delete_protocol` instead.
    pub fn describe(&self) -> Option<String> {
        (self.earlier_versions > 0).then(|| {
            format!("This also deletes {} of it.", plural(self.earlier_versions, "earlier version", "earlier versions"))
        })
    }
}

impl Protocol {
    /// The sections of one version, current or earlier; None for a version never stored.
    pub fn sections_for(&self, version: u32) -> Option<&[Section]> {
        if version == self.version {
            return Some(&self.sections);
        }
        self.earlier_version(version).map(|v| v.sections.as_slice())
    }

    /// The name the protocol had in one version, current or earlier.
    pub fn name_for(&self, version: u32) -> Option<&str> {
        if version == self.version {
            return Some(&self.name);
        }
        self.earlier_version(version).map(|v| v.name.as_str())
    }

    fn earlier_version(&self, version: u32) -> Option<&ProtocolVersion> {
        self.history.iter().find(|v| v.version == version)
    }

    /// Every stored version number, oldest first (the current one last).
    pub fn version_numbers(&self) -> Vec<u32> {
        let mut numbers: Vec<u32> = self.history.iter().map(|v| v.version).collect();
        numbers.push(self.version);
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// A section of the current version.
    pub fn section(&self, id: Uuid) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn non_empty(text: &str, err: ValidationError) -> Result<String, ValidationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() { Err(err) } else { Ok(trimmed.to_string()) }
}

/// Accepts `#rrggbb` (any case, stored lower case); blank means no colour.
fn check_colour(colour: Option<String>) -> Result<Option<String>, ValidationError> {
    let Some(colour) = colour else { return Ok(None) };
    let trimmed = colour.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let valid =
        trimmed.len() == 7 && trimmed.starts_with('#') && trimmed.chars().skip(1).all(|c| c.is_ascii_hexdigit());
    if valid {
        Ok(Some(trimmed.to_ascii_lowercase()))
    } else {
        Err(ValidationError::InvalidColour(trimmed.to_string()))
    }
}

/// Moves `items[from]` by `by` places; moving past either end does nothing.
fn move_by<T>(items: &mut Vec<T>, from: usize, by: isize) {
    let to = from.checked_add_signed(by).filter(|to| *to < items.len());
    if let Some(to) = to {
        let item = items.remove(from);
        items.insert(to, item);
    }
}

fn section_mut(sections: &mut [Section], id: Uuid) -> Result<&mut Section, ValidationError> {
    sections.iter_mut().find(|s| s.id == id).ok_or(ValidationError::UnknownProtocolSection(id))
}

/// The section holding a prompt, and the prompt's place in it.
fn find_prompt(sections: &[Section], id: Uuid) -> Result<(usize, usize), ValidationError> {
    sections
        .iter()
        .enumerate()
        .find_map(|(s, section)| section.prompts.iter().position(|p| p.id == id).map(|p| (s, p)))
        .ok_or(ValidationError::UnknownPrompt(id))
}

/// Whether an id already names a section or prompt, so a new one cannot reuse it
/// (answers are matched to sections and prompts by id).
fn id_in_use(sections: &[Section], id: Uuid) -> bool {
    sections.iter().any(|s| s.id == id || s.prompts.iter().any(|p| p.id == id))
}

/// Applies an edit to a working copy of the sections. Only edits that change
/// sections reach here; the name and description are handled by the caller.
fn apply_to_sections(sections: &mut Vec<Section>, edit: ProtocolEdit) -> Result<(), ValidationError> {
    match edit {
        ProtocolEdit::Name(_) | ProtocolEdit::Description(_) => {}
        ProtocolEdit::AddSection { id, title, question, research_question_id } => {
            let question = non_empty(&question, ValidationError::EmptySectionQuestion)?;
            if id_in_use(sections, id) {
                return Err(ValidationError::DuplicateId(id));
            }
            sections.push(Section {
                id,
                research_question_id,
                title: title.trim().to_string(),
                question,
                prompts: Vec::new(),
                guidance: String::new(),
                colour: None,
            });
        }
        ProtocolEdit::SectionTitle { id, title } => section_mut(sections, id)?.title = title.trim().to_string(),
        ProtocolEdit::SectionQuestion { id, question } => {
            let question = non_empty(&question, ValidationError::EmptySectionQuestion)?;
            section_mut(sections, id)?.question = question;
        }
        // Guidance is free notes, kept exactly as typed (like descriptions elsewhere).
        ProtocolEdit::SectionGuidance { id, guidance } => section_mut(sections, id)?.guidance = guidance,
        ProtocolEdit::SectionColour { id, colour } => {
            let colour = check_colour(colour)?;
            section_mut(sections, id)?.colour = colour;
        }
        ProtocolEdit::SectionResearchQuestion { id, research_question_id } => {
            section_mut(sections, id)?.research_question_id = research_question_id;
        }
        ProtocolEdit::MoveSection { id, by } => {
            let from = sections.iter().position(|s| s.id == id).ok_or(ValidationError::UnknownProtocolSection(id))?;
            move_by(sections, from, by);
        }
        ProtocolEdit::RemoveSection(id) => {
            let at = sections.iter().position(|s| s.id == id).ok_or(ValidationError::UnknownProtocolSection(id))?;
            sections.remove(at);
        }
        ProtocolEdit::AddPrompt { section, id, text } => {
            let text = non_empty(&text, ValidationError::EmptyPromptText)?;
            if id_in_use(sections, id) {
                return Err(ValidationError::DuplicateId(id));
            }
            section_mut(sections, section)?.prompts.push(Prompt { id, text });
        }
        ProtocolEdit::PromptText { id, text } => {
            let text = non_empty(&text, ValidationError::EmptyPromptText)?;
            let (s, p) = find_prompt(sections, id)?;
            if let Some(prompt) = sections.get_mut(s).and_then(|section| section.prompts.get_mut(p)) {
                prompt.text = text;
            }
        }
        ProtocolEdit::MovePrompt { id, by } => {
            let (s, p) = find_prompt(sections, id)?;
            if let Some(section) = sections.get_mut(s) {
                move_by(&mut section.prompts, p, by);
            }
        }
        ProtocolEdit::RemovePrompt(id) => {
            let (s, p) = find_prompt(sections, id)?;
            if let Some(section) = sections.get_mut(s) {
                section.prompts.remove(p);
            }
        }
    }
    Ok(())
}

impl StudyData {
    pub fn protocol(&self, id: Uuid) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.id == id)
    }

    /// Interviews that use any version of a protocol.
    pub fn interviews_using_protocol(&self, id: Uuid) -> impl Iterator<Item = &Interview> {
        self.interviews.iter().filter(move |i| i.protocol_id == id)
    }

    /// Whether any interview (planned, in progress or complete) records this version.
    /// Editing a version in use starts a new one.
    pub fn protocol_version_in_use(&self, id: Uuid, version: u32) -> bool {
        self.interviews_using_protocol(id).any(|i| i.protocol_version == version)
    }

    fn check_protocol_name(&self, own: Option<Uuid>, name: &str) -> Result<String, ValidationError> {
        let name = non_empty(name, ValidationError::EmptyProtocolName)?;
        if self.protocols.iter().any(|p| Some(p.id) != own && same_name(&p.name, &name)) {
            return Err(ValidationError::DuplicateProtocolName(name));
        }
        Ok(name)
    }

    fn check_research_question(&self, id: Option<Uuid>) -> Result<(), ValidationError> {
        match id {
            Some(q) if !self.study.research_questions.iter().any(|r| r.id == q) => {
                Err(ValidationError::UnknownResearchQuestion(q))
            }
            _ => Ok(()),
        }
    }

    /// A new, empty protocol at version 1.
    pub fn add_protocol(&mut self, name: &str, now: Timestamp) -> Result<Uuid, ValidationError> {
        let name = self.check_protocol_name(None, name)?;
        let id = Uuid::new_v4();
        self.protocols.push(Protocol {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            name,
            description: String::new(),
            version: 1,
            sections: Vec::new(),
            history: Vec::new(),
            template: None,
        });
        Ok(id)
    }

    /// Applies one edit. A rejected edit changes nothing; an edit that changes nothing
    /// (moving past an end, the same text again) neither starts a version nor stamps
    /// the modified time. The first real change to a version an interview has used
    /// keeps that version in `history` and bumps `version`.
    pub fn edit_protocol(
        &mut self,
        id: Uuid,
        edit: ProtocolEdit,
        now: Timestamp,
    ) -> Result<ObjectRef, ValidationError> {
        // Checks that need the whole study come first, before borrowing the protocol.
        let new_name = match &edit {
            ProtocolEdit::Name(name) => Some(self.check_protocol_name(Some(id), name)?),
            _ => None,
        };
        if let ProtocolEdit::AddSection { research_question_id, .. }
        | ProtocolEdit::SectionResearchQuestion { research_question_id, .. } = &edit
        {
            self.check_research_question(*research_question_id)?;
        }
        let current_version = self.protocol(id).ok_or(ValidationError::UnknownProtocol(id))?.version;
        let in_use = self.protocol_version_in_use(id, current_version);
        let Some(protocol) = self.protocols.iter_mut().find(|p| p.id == id) else {
            return Err(ValidationError::UnknownProtocol(id));
        };

        if let ProtocolEdit::Description(description) = edit {
            if protocol.description != description {
                protocol.description = description;
                protocol.modified = now;
            }
            return Ok(ObjectRef::Protocol(id));
        }

        // Work on copies so a rejected edit leaves the protocol untouched, and so we
        // know whether anything really changed before deciding on a new version.
        let name = new_name.unwrap_or_else(|| protocol.name.clone());
        let mut sections = protocol.sections.clone();
        apply_to_sections(&mut sections, edit)?;
        if name == protocol.name && sections == protocol.sections {
            return Ok(ObjectRef::Protocol(id));
        }

        if in_use {
            let old_name = std::mem::replace(&mut protocol.name, name);
            let old_sections = std::mem::replace(&mut protocol.sections, sections);
            protocol.history.push(ProtocolVersion {
                version: protocol.version,
                superseded: now,
                name: old_name,
                sections: old_sections,
            });
            // A new number beyond every stored one, even in a protocol imported with gaps.
            let highest = protocol.history.iter().map(|v| v.version).max().unwrap_or(0).max(protocol.version);
            protocol.version = highest.saturating_add(1);
        } else {
            protocol.name = name;
            protocol.sections = sections;
        }
        protocol.modified = now;
        Ok(ObjectRef::Protocol(id))
    }

    /// What deleting a protocol would mean; all zero for an unknown id.
    pub fn protocol_deletion_impact(&self, id: Uuid) -> ProtocolDeletionImpact {
        ProtocolDeletionImpact {
            interviews: self.interviews_using_protocol(id).count(),
            earlier_versions: self.protocol(id).map_or(0, |p| p.history.len()),
        }
    }

    /// Deletes a protocol with all its versions. Refused while any interview uses it,
    /// because that interview could no longer show what was asked.
    pub fn delete_protocol(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        let protocol = self.protocol(id).ok_or(ValidationError::UnknownProtocol(id))?;
        let interviews = self.interviews_using_protocol(id).count();
        if interviews > 0 {
            return Err(ValidationError::ProtocolInUse { name: protocol.name.clone(), interviews });
        }
        self.protocols.retain(|p| p.id != id);
        Ok(vec![ObjectRef::Protocol(id)])
    }

    /// Copies a built-in template into the study as a new protocol (version 1) with
    /// fresh ids, to be edited freely. The name gets " (2)", " (3)"… if already taken.
    /// For templates that follow the research questions, section N is linked to the
    /// study's research question N where there is one.
    pub fn add_protocol_from_template(&mut self, key: &str, now: Timestamp) -> Result<Uuid, ValidationError> {
        let template = template(key).ok_or_else(|| ValidationError::UnknownTemplate(key.to_string()))?;
        let name = self.free_protocol_name(template.name);
        let sections = template
            .sections
            .iter()
            .enumerate()
            .map(|(index, part)| Section {
                id: Uuid::new_v4(),
                research_question_id: if template.links_research_questions {
                    self.study.research_questions.get(index).map(|q| q.id)
                } else {
                    None
                },
                title: part.title.to_string(),
                question: part.question.to_string(),
                prompts: part
                    .prompts
                    .iter()
                    .map(|text| Prompt { id: Uuid::new_v4(), text: (*text).to_string() })
                    .collect(),
                guidance: part.guidance.to_string(),
                colour: part.colour.map(str::to_string),
            })
            .collect();
        let id = Uuid::new_v4();
        self.protocols.push(Protocol {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            name,
            description: template.summary.to_string(),
            version: 1,
            sections,
            history: Vec::new(),
            template: Some(template.key.to_string()),
        });
        Ok(id)
    }

    fn free_protocol_name(&self, base: &str) -> String {
        let taken = |name: &str| self.protocols.iter().any(|p| same_name(&p.name, name));
        if !taken(base) {
            return base.to_string();
        }
        (2..).map(|n| format!("{base} ({n})")).find(|name| !taken(name)).unwrap_or_else(|| base.to_string())
    }

    /// Checks the protocols of a study as read from a backup: the rules the edits
    /// enforce, plus that every interview's protocol version is stored, so it can be
    /// displayed as it was run. Returns every problem found.
    pub fn validate_protocols(&self) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let mut names = std::collections::HashSet::new();
        for p in &self.protocols {
            if p.study_id != self.study.id {
                errors.push(ValidationError::WrongStudy { kind: "Protocol", id: p.id });
            }
            if p.name.trim().is_empty() {
                errors.push(ValidationError::EmptyProtocolName);
            } else if !names.insert(p.name.trim().to_lowercase()) {
                errors.push(ValidationError::DuplicateProtocolName(p.name.clone()));
            }
            let mut versions = std::collections::HashSet::new();
            for v in p.history.iter().map(|v| v.version).chain([p.version]) {
                if !versions.insert(v) {
                    errors.push(ValidationError::DuplicateId(p.id));
                }
            }
            let mut ids = std::collections::HashSet::new();
            for section in &p.sections {
                if !ids.insert(section.id) {
                    errors.push(ValidationError::DuplicateId(section.id));
                }
                if section.question.trim().is_empty() {
                    errors.push(ValidationError::EmptySectionQuestion);
                }
                if let Err(e) = check_colour(section.colour.clone()) {
                    errors.push(e);
                }
                for prompt in &section.prompts {
                    if !ids.insert(prompt.id) {
                        errors.push(ValidationError::DuplicateId(prompt.id));
                    }
                    if prompt.text.trim().is_empty() {
                        errors.push(ValidationError::EmptyPromptText);
                    }
                }
            }
        }
        for interview in &self.interviews {
            let stored =
                self.protocol(interview.protocol_id).and_then(|p| p.sections_for(interview.protocol_version)).is_some();
            if !stored {
                errors.push(ValidationError::UnknownProtocolVersion {
                    protocol: interview.protocol_id,
                    version: interview.protocol_version,
                });
            }
        }
        errors
    }
}

/// A built-in protocol a study can start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplateInfo {
    /// Stable key, stored in [`Protocol::template`].
    pub key: &'static str,
    pub name: &'static str,
    /// One or two sentences for the template chooser; becomes the protocol's description.
    pub summary: &'static str,
    pub sections: &'static [TemplateSection],
    /// Whether section N answers the study's research question N (linked on copying).
    pub links_research_questions: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplateSection {
    pub title: &'static str,
    pub question: &'static str,
    pub prompts: &'static [&'static str],
    pub guidance: &'static str,
    pub colour: Option<&'static str>,
}

/// The built-in template with this key.
pub fn template(key: &str) -> Option<&'static TemplateInfo> {
    let all: &'static [TemplateInfo] = &TEMPLATES;
    all.iter().find(|t| t.key == key)
}

pub const TEMPLATES: [TemplateInfo; 3] = [
    TemplateInfo {
        key: "four-question",
        name: "Four-question stakeholder protocol",
        summary: "One section for each of four research questions, asked the same way at every case: \
                  how people have found the service, what has got in the way and how it was handled, \
                  help from local agencies other than money, and local leadership in its policy setting.",
        sections: &FOUR_QUESTION,
        links_research_questions: true,
    },
    TemplateInfo {
        key: "cooperative-founder",
        name: "Co-operative care provider: founder and stakeholder interview",
        summary: "Seven topics for the people who started or run a co-operative care service, from \
                  its origins to the networks it relies on.",
        sections: &COOPERATIVE_FOUNDER,
        links_research_questions: false,
    },
    TemplateInfo {
        key: "micro-provider",
        name: "Micro-provider record (four-part framework)",
        summary: "A short, light-touch record of a very small care service under four colour-coded \
                  headings. It asks about charges, involvement, services and workers, and deliberately \
                  nothing about anyone's personal finances or background.",
        sections: &MICRO_PROVIDER,
        links_research_questions: false,
    },
];

const FOUR_QUESTION: [TemplateSection; 4] = [
    TemplateSection {
        title: "Overall experience",
        question: "Tell me what being involved with this service has been like for you.",
        prompts: &[
            "What led you, or the people around you, to arrange care and support this way rather than another?",
            "What difference has it made to you so far, and what do you hope it will change?",
            "If a friend asked whether they should get involved, what would you say to them?",
        ],
        guidance: "Open gently and let the participant lead. Note the position they speak from \
                   (someone supported, a relative, a worker, a board member), since the same events \
                   look different from each. Ask for concrete examples rather than general views.",
        colour: None,
    },
    TemplateSection {
        title: "Barriers and how they are overcome",
        question: "What have been the hardest things to deal with, and what did you do about them?",
        prompts: &[
            "Which of those difficulties are still unresolved, and what is planned for them?",
            "Who or what helped you find a way round a problem?",
            "Knowing what you know now, what would you do differently?",
        ],
        guidance: "Keep solved problems apart from open ones, and record the workaround as well as \
                   the problem: practical solutions are findings in their own right. Let the \
                   participant name difficulties before you suggest any.",
        colour: None,
    },
    TemplateSection {
        title: "Non-financial support from local agencies",
        question: "Leaving money aside, what help have you had from local organisations, and how useful was it?",
        prompts: &[
            "Which kind of help mattered most: advice, training, introductions, a place to meet, something else?",
            "What could those organisations have done better, or sooner?",
            "Was there help you went looking for and could not find?",
            "Who would you go to first if you needed help tomorrow?",
        ],
        guidance: "This section is about help in kind only. If the talk turns to grants or contracts, \
                   note it briefly and steer back. Write down the names of agencies so they can be \
                   compared across cases.",
        colour: None,
    },
    TemplateSection {
        title: "Community leadership and the policy context",
        question: "Who has led this work locally, and how have they worked alongside the council, health services and other established bodies?",
        prompts: &[
            "What kind of leadership has worked well with those bodies, and what has not?",
            "Which local or national decisions have made this work easier or harder?",
            "How do the people who use the service, and their families, take part in decisions?",
        ],
        guidance: "Listen for named people and groups as well as formal roles. Policy can feel \
                   abstract, so ask about particular moments when a decision elsewhere changed what \
                   the service could do. Back this section up with desk research on the local \
                   policy background.",
        colour: None,
    },
];

const COOPERATIVE_FOUNDER: [TemplateSection; 7] = [
    TemplateSection {
        title: "Why it was set up",
        question: "How did the co-operative come about, and what were you hoping to change?",
        prompts: &[
            "Who was involved at the start, and how did you find one another?",
            "Why a co-operative rather than a charity, a company or staying informal?",
            "What did each of the founders bring to it?",
        ],
        guidance: "Build a rough timeline as you go: first idea, first meeting, incorporation, first \
                   person supported. Approximate dates are fine.",
        colour: None,
    },
    TemplateSection {
        title: "Personalised care in practice",
        question: "How do you make sure the support fits each person you work with?",
        prompts: &[
            "Can you describe a time when support was shaped around what someone wanted?",
            "How do the people you support have a say in how the co-operative runs?",
            "Where are the limits on how flexible you can be, and where do they come from?",
        ],
        guidance: "Invite stories, but remind the participant not to name the people they support. \
                   Note whether people who use the service are members, and of what kind.",
        colour: None,
    },
    TemplateSection {
        title: "Working with the local authority",
        question: "What has your relationship with the council been like?",
        prompts: &[
            "How does work come to you: direct payments, commissioned contracts, people paying for themselves?",
            "Did you need to get onto an approved list or framework, and how did that go?",
            "Do the officers you deal with understand what a co-operative is?",
        ],
        guidance: "Keep commissioners apart from social workers and care managers: they are different \
                   routes in. Note any named procurement process or list.",
        colour: None,
    },
    TemplateSection {
        title: "Registration and regulation",
        question: "What did it take to register with the care regulator and to meet its standards?",
        prompts: &[
            "How long did registration take, and what held it up?",
            "What have inspections been like?",
            "Are any requirements a poor fit for a small, member-run organisation?",
        ],
        guidance: "Whether registration is needed depends on the activities (personal care usually \
                   needs it). Record the regulator and the latest inspection rating only if offered; \
                   it can be checked later in public records.",
        colour: None,
    },
    TemplateSection {
        title: "Recruitment and pay",
        question: "How do you find, keep and reward the people who do the care work?",
        prompts: &[
            "How do pay and conditions compare with other providers nearby?",
            "Are workers members, and what does membership give them?",
            "What makes people stay, or leave?",
            "What training and supervision do new workers get?",
        ],
        guidance: "Talk about rates and conditions for the workforce in general; do not ask the \
                   participant about their own pay.",
        colour: None,
    },
    TemplateSection {
        title: "Finance and unpaid work",
        question: "How is the co-operative funded, and how much depends on people giving their time for nothing?",
        prompts: &[
            "Which sources of money have mattered most at each stage?",
            "Who gives unpaid time, and for which tasks?",
            "How long could things carry on as they are?",
        ],
        guidance: "Unpaid work by founders and board members is easy to overlook: ask for rough hours \
                   a week. Treat any figures as the participant's estimates and note them as such.",
        colour: None,
    },
    TemplateSection {
        title: "Networks and support",
        question: "Who have you been able to turn to for advice, contacts or encouragement?",
        prompts: &[
            "Which co-operative or sector bodies have you worked with, and how helpful were they?",
            "Are you in touch with other care co-operatives or small providers?",
            "What support would you want for a group starting out today?",
        ],
        guidance: "Map the network as names come up: organisations and individuals. Close by thanking \
                   the participant and explaining what happens next with the interview record.",
        colour: None,
    },
];

// No text here may ask about personal money matters or background: local organisers
// found such questions intrusive, and a test scans this template for them.
const MICRO_PROVIDER: [TemplateSection; 4] = [
    TemplateSection {
        title: "Sustainable business",
        question: "How does the service charge for what it does?",
        prompts: &[
            "Do people pay by the hour, by the session, a set fee, or in some other way?",
            "Who pays: the person themselves, through a direct payment or personal budget, or someone else?",
            "Have the charges changed since the service began, and why?",
        ],
        guidance: "Record only how the service charges, as a sign that it can keep going. Do not \
                   ask what the provider or their household takes home, or about anyone's personal \
                   finances.",
        colour: Some("#2a7f62"),
    },
    TemplateSection {
        title: "Social participation",
        question: "Who else gives time to the service or takes part in it?",
        prompts: &[
            "How many volunteers help, and what do they do?",
            "Which local groups, networks or events does the service take part in?",
            "Do people who use the service also contribute, for example by helping others?",
        ],
        guidance: "Note volunteers as a number and network activity as a short list. Arrangements \
                   where support flows both ways belong here.",
        colour: Some("#c2571a"),
    },
    TemplateSection {
        title: "Diverse markets",
        question: "What services do you offer, and who are they for?",
        prompts: &[
            "Which of them are new, or not otherwise available nearby?",
            "Which groups do you support, for example older people, people living with dementia, disabled adults or family carers?",
            "Have you started anything because people asked for it?",
        ],
        guidance: "Describe each service in a few words and note client groups, not individuals. \
                   Record nothing that could identify a person who uses the service, and do not ask \
                   about anyone's background.",
        colour: Some("#3b5ba5"),
    },
    TemplateSection {
        title: "Local work opportunities",
        question: "How many people work in the service?",
        prompts: &[
            "How many of them work full time, and how many part time?",
            "Does that include you, the person who runs it?",
            "Has the service created any new posts since it began, or does it plan to?",
        ],
        guidance: "Record counts of full-time and part-time workers, including the founder if they \
                   work in the service. Hours are enough; rates of pay are not part of this record.",
        colour: Some("#8a3f8f"),
    },
];
