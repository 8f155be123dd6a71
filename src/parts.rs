//! The app's parts: screens that a visit loads only when it first opens them.
//!
//! In the split build (`make build`, feature `split`) each part is its own wasm
//! file, cut out of the app by wasm-split at the `wasm_split` points below and
//! fetched the first time one of its screens is drawn. Without the feature (wasm
//! tests, `cargo check`) the same functions are plain async calls, so every test
//! drives the same code paths apart from the fetch.
//!
//! A part that cannot be fetched (offline before it was cached, a failed
//! download) shows a message with *Try again* in place of the screen; the rest of
//! the app keeps working. wasm_split_helpers retries a failed load from scratch.

use leptos::prelude::*;

/// A part could not be fetched or started.
#[derive(Debug, Clone, Copy)]
pub struct PartMissing;

/// What the user is told when an operation needed a part that could not be loaded.
impl std::fmt::Display for PartMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "this part of fieldkit is not saved on this device yet and the network is not reachable. \
             Nothing was changed; try again when you are online.",
        )
    }
}

impl From<leptos::wasm_split::SplitLoaderError> for PartMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PartMissing
    }
}

/// Declares, for each `fn name(args) -> T { body }` under `part { … }`, an async
/// `name(args) -> Result<T, PartMissing>` that loads the part (in the split
/// build) and then runs the body there. Everything a part's functions reach that
/// the main module does not is cut out into the part's own wasm file (or into a
/// chunk shared by the parts that need it).
macro_rules! parts {
    ($($part:ident { $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block)+ })+) => { $( $(
        #[cfg(feature = "split")]
        #[leptos::wasm_split::wasm_split($part, wasm_split_path = ::leptos::wasm_split, fallible)]
        pub fn $name($($arg: $ty),*) -> Result<$ret, PartMissing> {
            fn body($($arg: $ty),*) -> $ret $body
            Ok(body($($arg),*))
        }
        #[cfg(not(feature = "split"))]
        pub async fn $name($($arg: $ty),*) -> Result<$ret, PartMissing> {
            fn body($($arg: $ty),*) -> $ret $body
            Ok(body($($arg),*))
        }
    )+ )+ };
}

use fieldkit_core::StudyData;
use fieldkit_core::demo::DemoSize;
use fieldkit_core::protection::Keyring;

/// A future made inside a part (its code stays in the part).
pub type LocalFuture<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

use crate::autosave::StudyCtx;
use crate::screens::fieldwork::{account, documents, interviews, protocols, runner};
use crate::screens::study::{case, participant};
use crate::screens::surveys::respond;
use crate::screens::{coding, merge, storage, surveys};

parts! {
    // Few parts on purpose: wasm-split puts code shared by several parts into a
    // chunk per combination of parts, and each chunk is one more file to fetch and
    // start. With a part per screen group (17) a section took 100-200 files and
    // 0.3-0.5 s to open the first time; with these six it takes a handful.
    fieldwork {
        fn cases_tab() -> AnyView { case::CasesTab().into_any() }
        fn case_screen() -> AnyView { case::CaseScreen().into_any() }
        fn participants_tab() -> AnyView { participant::ParticipantsTab().into_any() }
        fn participant_screen() -> AnyView { participant::ParticipantScreen().into_any() }
        fn document_screen() -> AnyView { documents::DocumentScreen().into_any() }
        fn protocols_tab() -> AnyView { protocols::ProtocolsTab().into_any() }
        fn protocol_screen() -> AnyView { protocols::ProtocolScreen().into_any() }
        fn interviews_tab() -> AnyView { interviews::InterviewsTab().into_any() }
        fn interview_screen() -> AnyView { runner::InterviewScreen().into_any() }
        fn account_screen() -> AnyView { account::AccountScreen().into_any() }
    }
    coding_part {
        fn coding_tab() -> AnyView { coding::CodingTab().into_any() }
        fn code_screen() -> AnyView { coding::CodeScreen().into_any() }
        fn matrix_screen() -> AnyView { coding::MatrixScreen().into_any() }
        fn agreement_screen() -> AnyView { coding::AgreementScreen().into_any() }
        fn cooccurrence_screen() -> AnyView { coding::CooccurrenceScreen().into_any() }
        fn review_screen() -> AnyView { coding::ReviewScreen().into_any() }
        fn report_screen() -> AnyView { coding::ReportScreen().into_any() }
        fn charts_screen() -> AnyView { coding::ChartsScreen().into_any() }
        fn across_screen() -> AnyView { coding::AcrossScreen().into_any() }
        fn source_screen() -> AnyView { coding::SourceScreen().into_any() }
    }
    surveys_part {
        fn surveys_tab() -> AnyView { surveys::SurveysTab().into_any() }
        fn survey_screen() -> AnyView { surveys::SurveyScreen().into_any() }
        fn response_screen() -> AnyView { surveys::ResponseScreen().into_any() }
        fn survey_builder() -> AnyView { surveys::SurveyBuilder().into_any() }
    }
    participant_part {
        fn participant_mode() -> AnyView { respond::ParticipantMode().into_any() }
    }
    // Team sync (and PouchDB, which it loads as a script): only on devices that sync.
    sync_part {
        fn sync_screen() -> AnyView { crate::screens::sync::SyncScreen().into_any() }
        fn join_screen() -> AnyView { crate::screens::sync::JoinScreen().into_any() }
        // A study that syncs on this device starts syncing when it opens.
        fn sync_resume(ctx: crate::app::Ctx, study: StudyCtx, settings: String) -> LocalFuture<Result<(), String>> {
            Box::pin(crate::sync::resume(ctx, study, settings))
        }
        fn sync_stop(study: StudyCtx) -> () { crate::sync::stop_for(study) }
    }
    tools {
        fn storage_screen() -> AnyView { storage::StorageScreen().into_any() }
        fn merge_review(file: send_wrapper::SendWrapper<web_sys::File>) -> AnyView {
            merge::MergeReview(merge::MergeReviewProps { file }).into_any()
        }
        fn demo_study(size: DemoSize) -> StudyData { fieldkit_core::demo::demo_study(size) }
        fn parse_backup(bytes: Vec<u8>) -> Result<StudyData, String> {
            fieldkit_core::exchange::backup::Backup::parse(&bytes).map(|b| b.into_study()).map_err(|e| e.to_string())
        }
        // Finishing a protection change a closed page left half done: rare, so its
        // code waits here rather than in the first visit.
        fn finish_protection_change(ctx: crate::app::Ctx, keyring: Keyring) -> LocalFuture<Result<Option<Keyring>, String>> {
            Box::pin(crate::screens::protection::run_rewrite(ctx, None, keyring))
        }
        fn encrypt_backup(plain: Vec<u8>, passphrase: String) -> LocalFuture<Result<String, String>> {
            Box::pin(async move { crate::protection::encrypt_backup(&plain, &passphrase).await })
        }
        fn decrypt_backup(envelope: Vec<u8>, passphrase: String) -> LocalFuture<Result<Vec<u8>, String>> {
            Box::pin(async move { crate::protection::decrypt_backup(&envelope, &passphrase).await })
        }
        fn backup_json(study: StudyCtx, identifying: bool, now: fieldkit_core::Timestamp) -> Option<(String, String)> {
            study.try_untracked(|d| {
                let date = now.date().map(|d| d.to_string()).unwrap_or_default();
                let json = fieldkit_core::exchange::backup::Backup::of(d, identifying, now).to_json();
                (json, format!("{}-backup-{date}.json", crate::browser::file_stem(&d.study.title)))
            })
        }
    }
}

/// Draws what `load` gives once its part is loaded: at once when it already is,
/// a short note while it is fetched, and a message with *Try again* if it fails.
pub fn lazy<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, PartMissing>> + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        let load = load.clone();
        Suspend::new(send_wrapper::SendWrapper::new(async move {
            match load().await {
                Ok(view) => view,
                Err(PartMissing) => view! {
                    <section class="panel error-panel part-missing" role="alert">
                        <h2>"This part of fieldkit could not be loaded"</h2>
                        <p>"It has not been saved on this device yet and the network is not reachable, \
                            or the download failed. Your work is safe, and the rest of fieldkit still works."</p>
                        <button on:click=move |_| attempt.update(|n| *n += 1)>"Try again"</button>
                    </section>
                }
                .into_any(),
            }
        }))
    }
}
