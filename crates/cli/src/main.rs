//! `fieldkit`: the command-line tool over the core, for analysts who gather backups
//! from several tablets on a laptop, and for scripted checks and benchmarks.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

mod couch;
mod sealing;

use fieldkit_core::coding::export as coding_export;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::demo::{DemoSize, demo_exported_at, demo_study};
use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::exchange::merge::merge_with_defaults;
use fieldkit_core::protection::envelope::EncryptedBackup;
use fieldkit_core::summary::Summary;
use fieldkit_core::surveys::Survey;
use fieldkit_core::surveys::export as survey_export;
use fieldkit_core::{StudyData, Timestamp};

const USAGE: &str = "\
fieldkit — command-line tool for fieldkit study backups

Usage:
  fieldkit summary FILE                       print counts for a study (backup or .qdpx) as JSON
  fieldkit demo [--size small|reference] -o OUT
                                              write a generated demo study backup
  fieldkit export FORMAT FILE -o OUT [--survey NAME]
                                              export a backup in another format
                                              FORMAT: json (normalised backup),
                                              interviews-csv (one row per answer or speaker turn),
                                              responses-wide-csv (one row per survey response),
                                              responses-long-csv (one row per answered item),
                                              responses-codebook-csv (one row per wide column),
                                              responses-xlsx (data, codebook and value labels),
                                              segments-csv (one row per coded segment and code),
                                              codebook-csv, codebook-json (one entry per code),
                                              matrix-csv, matrix-xlsx (framework matrix synopses;
                                              the workbook adds the supporting quotes)
                                              qdpx (REFI-QDA project), qdc (REFI-QDA codebook)
                                              --survey: which survey (default: the first)
                                              --rows cases|participants, --columns themes|questions:
                                              the matrix's rows and columns (default: cases, themes)
                                              agreement-csv (agreement between coders per code and
                                              source, and per code; --coders A,B: whom to compare,
                                              default every coder), cooccurrence-csv (every two
                                              codes that overlap; --within N: or are at most N
                                              characters apart), report-html, report-docx (the study
                                              report: study, method in figures, themes with counts by
                                              case and ticked quotes, framework matrix; pseudonyms only)
  fieldkit import FILE -o OUT.json           read a .qdpx, .qde, .qdc or backup into a new study
                                              backup; the import report goes to standard error
  fieldkit merge A B -o OUT.json             merge B (a backup or .qdpx from another tablet or
                                              program) into A; prints the merge summary as JSON.
                                              Conflicts (one object edited on both sides) are
                                              settled without asking: memos, coded segments and
                                              documents are kept both ways, anything else keeps
                                              A's version; each is listed in the summary with
                                              \"by_default\": true
  fieldkit export backup-encrypted FILE -o OUT --passphrase-file P
                                              write FILE as an encrypted backup (AES-256-GCM, key
                                              from the passphrase by PBKDF2-SHA256, 600,000 rounds)
  fieldkit pull URL DB -o OUT.json           write the team's study in CouchDB database DB on the
                                              server at URL as a backup; conflicts and anything left
                                              out are reported on standard error
  fieldkit push FILE URL DB                  publish FILE to database DB (created if the account may),
                                              or bring it up to date: writes only what changed, never
                                              over a change made on the server since FILE was pulled
                                              (both versions are kept as a conflict); prints what it
                                              wrote as JSON
  fieldkit text FILE                         print the plain text read from a .docx, .odt or .html
                                              file (one line per paragraph, as fieldkit imports it);
                                              what was left out (tracked deletions, comments,
                                              images) goes to standard error
  fieldkit --help | --version

Every FILE may be an encrypted backup: give --passphrase-file P (the passphrase is the
file's first line), or type it when asked on the terminal. A wrong passphrase or a
changed file ends with exit code 1.
pull and push take the server account from FIELDKIT_USER and FIELDKIT_PASSWORD, or ask
on the terminal; wrong credentials end with exit code 1.
OUT may be - for standard output. Errors go to standard error with a non-zero exit.";

/// A failure to report: the message, and whether it was a usage mistake (exit 2) or not (exit 1).
struct Failure {
    message: String,
    usage: bool,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), usage: true }
}

fn failure(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), usage: false }
}

/// Splits arguments into positionals and `-o/--output`, `--size`, `--survey` options.
struct Args {
    positional: Vec<String>,
    output: Option<String>,
    size: Option<String>,
    survey: Option<String>,
    rows: Option<String>,
    columns: Option<String>,
    passphrase_file: Option<String>,
    coders: Option<String>,
    within: Option<String>,
}

fn parse_args(raw: Vec<String>) -> Result<Args, Failure> {
    let mut args = Args {
        positional: Vec::new(),
        output: None,
        size: None,
        survey: None,
        rows: None,
        columns: None,
        passphrase_file: None,
        coders: None,
        within: None,
    };
    let mut iter = raw.into_iter();
    while let Some(arg) = iter.next() {
        let mut value_of = |name: &str| iter.next().ok_or_else(|| usage(format!("{name} needs a value")));
        match arg.as_str() {
            "-o" | "--output" => args.output = Some(value_of("-o")?),
            "--size" => args.size = Some(value_of("--size")?),
            "--survey" => args.survey = Some(value_of("--survey")?),
            "--rows" => args.rows = Some(value_of("--rows")?),
            "--columns" => args.columns = Some(value_of("--columns")?),
            "--passphrase-file" => args.passphrase_file = Some(value_of("--passphrase-file")?),
            "--coders" => args.coders = Some(value_of("--coders")?),
            "--within" => args.within = Some(value_of("--within")?),
            _ if arg.starts_with("--coders=") => args.coders = Some(arg["--coders=".len()..].to_string()),
            _ if arg.starts_with("--within=") => args.within = Some(arg["--within=".len()..].to_string()),
            _ if arg.starts_with("--passphrase-file=") => {
                args.passphrase_file = Some(arg["--passphrase-file=".len()..].to_string())
            }
            _ if arg.starts_with("--rows=") => args.rows = Some(arg["--rows=".len()..].to_string()),
            _ if arg.starts_with("--columns=") => args.columns = Some(arg["--columns=".len()..].to_string()),
            _ if arg.starts_with("--output=") => args.output = Some(arg["--output=".len()..].to_string()),
            _ if arg.starts_with("--size=") => args.size = Some(arg["--size=".len()..].to_string()),
            _ if arg.starts_with("--survey=") => args.survey = Some(arg["--survey=".len()..].to_string()),
            _ if arg.starts_with('-') && arg != "-" => return Err(usage(format!("unknown option {arg}"))),
            _ => args.positional.push(arg),
        }
    }
    Ok(args)
}

/// The passphrase file given on the command line, for every encrypted FILE read.
static PASSPHRASE_FILE: OnceLock<Option<String>> = OnceLock::new();

/// The passphrase: the first line of --passphrase-file, or typed on the terminal.
fn passphrase(purpose: &str) -> Result<String, Failure> {
    if let Some(Some(file)) = PASSPHRASE_FILE.get() {
        let text = fs::read_to_string(file).map_err(|e| failure(format!("cannot read {file}: {e}")))?;
        let line = text.lines().next().unwrap_or_default().to_string();
        if line.is_empty() {
            return Err(failure(format!("{file} is empty: its first line should be the passphrase")));
        }
        return Ok(line);
    }
    rpassword::prompt_password(format!("Passphrase {purpose}: "))
        .map_err(|_| failure(format!("a passphrase is needed {purpose}: give --passphrase-file P")))
}

/// A file's bytes, decrypted first if it is an encrypted backup.
fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    let bytes = fs::read(path).map_err(|e| failure(format!("cannot read {path}: {e}")))?;
    if !EncryptedBackup::looks_like(&bytes) {
        return Ok(bytes);
    }
    let passphrase = passphrase(&format!("for {path}"))?;
    sealing::decrypt_backup(&bytes, &passphrase).map_err(|e| failure(format!("{path}: {e}")))
}

fn read_backup(path: &str) -> Result<StudyData, Failure> {
    let bytes = read_input(path)?;
    Backup::parse(&bytes).map(Backup::into_study).map_err(|e| failure(format!("{path}: {e}")))
}

fn now() -> Timestamp {
    let ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    Timestamp::from_millis(ms)
}

/// Any study file: a backup, a .qdpx, .qde or .qdc (told apart by content), with the
/// import report for REFI-QDA files. `base`: the study it will be merged into.
fn read_any(path: &str, base: Option<&StudyData>) -> Result<fieldkit_interop::Imported, Failure> {
    let bytes = read_input(path)?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let refi = bytes.starts_with(b"PK") || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if !refi {
        // Anything else is read as a backup, for the backup's own messages.
        Backup::parse(&bytes).map_err(|e| failure(format!("{path}: {e}")))?;
    }
    fieldkit_interop::import_file(&bytes, base, now()).map_err(|e| failure(format!("{path}: {e}")))
}

fn read_backup_file(path: &str) -> Result<Backup, Failure> {
    let bytes = read_input(path)?;
    Backup::parse(&bytes).map_err(|e| failure(format!("{path}: {e}")))
}

/// Writes to a temporary file beside the target and renames it, so a crash never
/// leaves half a file where a good one was.
fn write_output(out: &str, bytes: &[u8]) -> Result<(), Failure> {
    if out == "-" {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(bytes)
            .and_then(|_| stdout.flush())
            .map_err(|e| failure(format!("cannot write to standard output: {e}")));
    }
    let target = PathBuf::from(out);
    let file_name =
        target.file_name().ok_or_else(|| usage(format!("{out} is not a file name")))?.to_string_lossy().into_owned();
    let tmp = target.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = fs::write(&tmp, bytes).and_then(|_| fs::rename(&tmp, &target));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(failure(format!("cannot write {}: {e}", Path::new(out).display())));
    }
    Ok(())
}

/// The survey to export: the one named (exactly, else ignoring case), or the first.
fn pick_survey<'a>(data: &'a StudyData, name: Option<&str>) -> Result<&'a Survey, Failure> {
    let first = data.surveys.first().ok_or_else(|| failure("this study has no survey to export"))?;
    let Some(name) = name else { return Ok(first) };
    let wanted = name.trim();
    data.surveys
        .iter()
        .find(|s| s.name == name)
        .or_else(|| data.surveys.iter().find(|s| s.name.trim().to_lowercase() == wanted.to_lowercase()))
        .ok_or_else(|| {
            let known: Vec<String> = data.surveys.iter().map(|s| format!("'{}'", s.name)).collect();
            failure(format!("no survey named '{name}' (this study has {})", known.join(", ")))
        })
}

const EXPORT_FORMATS: &str = "json, backup-encrypted, qdpx, qdc, interviews-csv, responses-wide-csv, responses-long-csv, responses-codebook-csv, \
     responses-xlsx, segments-csv, codebook-csv, codebook-json, matrix-csv, matrix-xlsx, agreement-csv, cooccurrence-csv, report-html, report-docx";

/// The matrix's rows and columns from `--rows` and `--columns`.
fn matrix_shape(args: &Args) -> Result<(MatrixRows, MatrixColumns), Failure> {
    let rows = match args.rows.as_deref() {
        None | Some("cases") => MatrixRows::Cases,
        Some("participants") => MatrixRows::Participants,
        Some(other) => return Err(usage(format!("unknown --rows '{other}' (cases or participants)"))),
    };
    let columns = match args.columns.as_deref() {
        None | Some("themes") => MatrixColumns::Themes,
        Some("questions") => MatrixColumns::Questions,
        Some(other) => return Err(usage(format!("unknown --columns '{other}' (themes or questions)"))),
    };
    Ok((rows, columns))
}

fn need_output(args: &Args) -> Result<&str, Failure> {
    args.output.as_deref().ok_or_else(|| usage("missing -o OUT (use -o - for standard output)"))
}

fn run(raw: Vec<String>) -> Result<(), Failure> {
    let Some(command) = raw.first().cloned() else {
        return Err(usage("no command given"));
    };
    let args = parse_args(raw[1..].to_vec())?;
    let _ = PASSPHRASE_FILE.set(args.passphrase_file.clone());
    match command.as_str() {
        "--help" | "-h" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        "--version" | "-V" => {
            println!("fieldkit {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        "summary" => {
            let [file] = args.positional.as_slice() else {
                return Err(usage("summary takes one FILE"));
            };
            let summary = Summary::of(&read_any(file, None)?.data);
            let json = serde_json::to_string(&summary).map_err(|e| failure(e.to_string()))?;
            println!("{json}");
            Ok(())
        }
        "demo" => {
            if !args.positional.is_empty() {
                return Err(usage("demo takes no FILE; use -o OUT"));
            }
            let size = match args.size.as_deref() {
                None => DemoSize::Small,
                Some(text) => {
                    DemoSize::parse(text).ok_or_else(|| usage(format!("unknown size '{text}' (small or reference)")))?
                }
            };
            let out = need_output(&args)?;
            let backup = Backup::of(&demo_study(size), false, demo_exported_at());
            write_output(out, backup.to_json().as_bytes())
        }
        "export" => {
            let [format, file] = args.positional.as_slice() else {
                return Err(usage("export takes FORMAT FILE -o OUT"));
            };
            let out = need_output(&args)?;
            if format.starts_with("responses-") {
                let export = match format.as_str() {
                    "responses-wide-csv" => survey_export::responses_wide_csv,
                    "responses-long-csv" => survey_export::responses_long_csv,
                    "responses-codebook-csv" => survey_export::responses_codebook_csv,
                    "responses-xlsx" => fieldkit_sheets::responses_xlsx,
                    other => return Err(usage(format!("unknown export format '{other}' (known: {EXPORT_FORMATS})"))),
                };
                let data = read_backup(file)?;
                let survey = pick_survey(&data, args.survey.as_deref())?.id;
                let bytes = export(&data, survey).map_err(failure)?;
                return write_output(out, &bytes);
            }
            if args.survey.is_some() {
                return Err(usage("--survey only applies to the responses-… exports"));
            }
            if (args.rows.is_some() || args.columns.is_some()) && !format.starts_with("matrix-") {
                return Err(usage("--rows and --columns only apply to the matrix-… exports"));
            }
            if args.coders.is_some() && format != "agreement-csv" {
                return Err(usage("--coders only applies to agreement-csv"));
            }
            if args.within.is_some() && format != "cooccurrence-csv" {
                return Err(usage("--within only applies to cooccurrence-csv"));
            }
            match format.as_str() {
                "json" => {
                    // Normalised: canonical order and layout, same export time and contents.
                    let backup = read_backup_file(file)?;
                    let include = backup.includes_identifying_details;
                    let at = backup.exported_at;
                    let normalised = Backup::of(&backup.into_study(), include, at);
                    write_output(out, normalised.to_json().as_bytes())
                }
                "backup-encrypted" => {
                    if args.passphrase_file.is_none() {
                        return Err(usage("backup-encrypted needs --passphrase-file P"));
                    }
                    let backup = read_backup_file(file)?;
                    let passphrase = passphrase("for the encrypted backup")?;
                    let envelope =
                        sealing::encrypt_backup(backup.to_json().as_bytes(), &passphrase).map_err(failure)?;
                    write_output(out, envelope.to_json().as_bytes())
                }
                "qdpx" => {
                    let bytes =
                        fieldkit_interop::export_qdpx(&read_backup(file)?).map_err(|e| failure(e.to_string()))?;
                    write_output(out, &bytes)
                }
                "qdc" => {
                    let xml = fieldkit_interop::export_qdc(&read_backup(file)?).map_err(|e| failure(e.to_string()))?;
                    write_output(out, xml.as_bytes())
                }
                "interviews-csv" => {
                    let data = read_backup(file)?;
                    let csv = fieldkit_core::fieldwork::export::interviews_csv(&data).map_err(failure)?;
                    write_output(out, &csv)
                }
                "segments-csv" | "codebook-csv" | "codebook-json" => {
                    let export = match format.as_str() {
                        "segments-csv" => coding_export::segments_csv,
                        "codebook-csv" => coding_export::codebook_csv,
                        _ => coding_export::codebook_json,
                    };
                    let bytes = export(&read_backup(file)?).map_err(failure)?;
                    write_output(out, &bytes)
                }
                "agreement-csv" => {
                    let coders = args.coders.as_deref().map(|list| {
                        list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect::<Vec<_>>()
                    });
                    let data = read_backup(file)?;
                    write_output(out, &coding_export::agreement_csv(&data, coders).map_err(failure)?)
                }
                "cooccurrence-csv" => {
                    let within = match args.within.as_deref() {
                        None => 0,
                        Some(text) => text
                            .parse::<usize>()
                            .map_err(|_| usage(format!("--within takes a number of characters, not '{text}'")))?,
                    };
                    let data = read_backup(file)?;
                    write_output(out, &coding_export::cooccurrence_csv(&data, within).map_err(failure)?)
                }
                "report-html" | "report-docx" => {
                    let data = read_backup(file)?;
                    let report = fieldkit_core::report::study_report(&data, &Default::default());
                    if format == "report-html" {
                        write_output(out, fieldkit_core::report::html::report_html(&report).as_bytes())
                    } else {
                        let bytes =
                            fieldkit_interop::report_docx::report_docx(&report).map_err(|e| failure(e.to_string()))?;
                        write_output(out, &bytes)
                    }
                }
                "matrix-csv" | "matrix-xlsx" => {
                    let (rows, columns) = matrix_shape(&args)?;
                    let data = read_backup(file)?;
                    let bytes = if format == "matrix-csv" {
                        coding_export::matrix_csv(&data, rows, columns)
                    } else {
                        fieldkit_sheets::matrix_xlsx(&data, rows, columns)
                    };
                    write_output(out, &bytes.map_err(failure)?)
                }
                other => Err(usage(format!("unknown export format '{other}' (known: {EXPORT_FORMATS})"))),
            }
        }
        "import" => {
            let [file] = args.positional.as_slice() else {
                return Err(usage("import takes one FILE -o OUT.json"));
            };
            let out = need_output(&args)?;
            let imported = read_any(file, None)?;
            eprint!("{}", imported.report);
            let backup = Backup::of(&imported.data, false, now());
            write_output(out, backup.to_json().as_bytes())
        }
        "merge" => {
            let [a, b] = args.positional.as_slice() else {
                return Err(usage("merge takes two files A B -o OUT.json"));
            };
            let out = need_output(&args)?;
            let base = read_any(a, None)?;
            if base.report.file_kind != fieldkit_interop::FileKind::Backup {
                eprint!("{}", base.report);
            }
            let base = base.data;
            let incoming = read_any(b, Some(&base))?;
            if incoming.report.file_kind != fieldkit_interop::FileKind::Backup {
                eprint!("{}", incoming.report);
            }
            let merged = merge_with_defaults(&base, &incoming.data).map_err(|e| failure(e.to_string()))?;
            let summary = serde_json::to_string_pretty(&merged.summary).map_err(|e| failure(e.to_string()))?;
            let backup = Backup::of(&merged.data, !merged.data.identities.is_empty(), now());
            write_output(out, backup.to_json().as_bytes())?;
            if out == "-" {
                eprintln!("{summary}");
                return Ok(());
            }
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(format!("{summary}\n").as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| failure(format!("cannot write the summary to standard output: {e}")))
        }
        "text" => {
            let [file] = args.positional.as_slice() else {
                return Err(usage("text takes one FILE (.docx, .odt or .html)"));
            };
            let bytes = fs::read(file).map_err(|e| failure(format!("cannot read {file}: {e}")))?;
            let read = fieldkit_interop::documents::read_document(file, &bytes).map_err(|e| failure(e.to_string()))?;
            for line in read.note() {
                eprintln!("{line}");
            }
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(format!("{}\n", read.text).as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| failure(format!("cannot write to standard output: {e}")))
        }
        "pull" => {
            let [url, db] = args.positional.as_slice() else {
                return Err(usage("pull takes URL DB -o OUT.json"));
            };
            let out = need_output(&args)?;
            let (json, report) = couch::pull(url, db, now()).map_err(failure)?;
            write_output(out, json.as_bytes())?;
            eprint!("{report}");
            Ok(())
        }
        "push" => {
            let [file, url, db] = args.positional.as_slice() else {
                return Err(usage("push takes FILE URL DB"));
            };
            let backup = read_backup_file(file)?;
            let summary = couch::push(backup, url, db).map_err(failure)?;
            println!("{}", serde_json::to_string_pretty(&summary).map_err(|e| failure(e.to_string()))?);
            Ok(())
        }
        other => Err(usage(format!("unknown command '{other}'"))),
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, usage }) => {
            eprintln!("fieldkit: {message}");
            if usage {
                eprintln!("Run 'fieldkit --help' for usage.");
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
