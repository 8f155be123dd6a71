//! A study's shell: loading it, the save status, and the section tabs.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::{SaveState, StudyCtx, Topic};
use crate::browser;

pub fn use_study() -> Option<StudyCtx> {
    use_context::<StudyCtx>()
}

#[derive(Clone, Debug, PartialEq)]
enum Loading {
    Busy,
    Failed(String),
    Open,
}

/// Loads the study named in the URL and provides it to the tabs and detail screens.
#[component]
pub fn StudyShell() -> impl IntoView {
    let ctx = use_ctx();
    let params = use_params_map();
    // A memo, so moving between the study's own pages (which changes other params) does not reload it.
    let study_id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| Uuid::parse_str(&id).ok())));
    let state = RwSignal::new(Loading::Busy);
    let owner = Owner::current();
    let syncing = sync_stops_on_cleanup();

    Effect::new(move |_| {
        let Some(id) = study_id.get() else {
            state.set(Loading::Failed("This address does not name a study.".into()));
            return;
        };
        // A study saved whole a moment ago (an import) opens as it is in memory.
        if let Some(data) = ctx.take_handed_over(id) {
            if let Some(owner) = owner.clone() {
                let study = owner.with(|| {
                    let study = StudyCtx::new(ctx, data);
                    provide_context(study);
                    study
                });
                resume_sync(ctx, study, syncing, false);
            }
            state.set(Loading::Open);
            return;
        }
        let Some(repo) = ctx.repo() else { return };
        let owner = owner.clone();
        state.set(Loading::Busy);
        spawn_local(async move {
            // A large study decodes in chunks, yielding to the page between them.
            match repo.load_in_steps(id, browser::now(), |_, _| browser::sleep_ms(0)).await {
                Ok(loaded) => {
                    for p in &loaded.problems {
                        ctx.error(p.message());
                    }
                    if let Some(owner) = owner {
                        let study = owner.with(|| {
                            let study = StudyCtx::new(ctx, loaded.data);
                            provide_context(study);
                            study
                        });
                        resume_sync(ctx, study, syncing, false);
                    }
                    let _ = state.try_set(Loading::Open);
                }
                Err(e) => drop(state.try_set(Loading::Failed(e.to_string()))),
            }
        });
    });

    view! {
        {move || match state.get() {
            Loading::Busy => view! { <p class="muted">"Opening the study…"</p> }.into_any(),
            Loading::Failed(e) => view! {
                <section class="panel error-panel" role="alert">
                    <h1>"This study cannot be opened"</h1>
                    <p>{e}</p>
                    <A href="/">"Back to your studies"</A>
                </section>
            }.into_any(),
            Loading::Open => view! { <StudyFrame/> }.into_any(),
        }}
    }
}

/// Where `resume_sync` notes the study it started syncing, which is stopped when
/// the calling view closes (the sync's code is loaded only if it started).
pub fn sync_stops_on_cleanup() -> StoredValue<Option<StudyCtx>> {
    let syncing = StoredValue::new(None::<StudyCtx>);
    on_cleanup(move || {
        if let Some(Some(study)) = syncing.try_get_value() {
            spawn_local(async move {
                let _ = crate::parts::sync_stop(study).await;
            });
        }
    });
    syncing
}

/// Starts team sync for a study that syncs on this device. `quiet`: in participant
/// mode, where nothing of the sync is shown (it still sends the answers).
pub fn resume_sync(ctx: crate::app::Ctx, study: StudyCtx, syncing: StoredValue<Option<StudyCtx>>, quiet: bool) {
    spawn_local(async move {
        let Some(settings) = ctx.device_note(&format!("sync:{}", study.id())).await else { return };
        if settings.is_empty() {
            return;
        }
        let _ = syncing.try_set_value(Some(study));
        let problem = match crate::parts::sync_resume(ctx, study, settings).await {
            Ok(future) => future.await.err(),
            Err(missing) => Some(missing.to_string()),
        };
        if let Some(e) = problem
            && !quiet
        {
            ctx.error(format!("Team sync could not start: {e}"));
        }
    });
}

#[component]
fn StudyFrame() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let base = format!("/study/{}", study.id());
    // The undo list of coding actions lives as long as the study is open.
    provide_context(crate::screens::coding::Coder::new());
    view! {
        <div class="study-head">
            <p class="crumbs"><A href="/">"Studies"</A></p>
            <h1 class="study-title">{move || study.read(&[Topic::Study], |d| d.study.title.clone())}</h1>
            <SaveIndicator state=study.save_state/>
        </div>
        {move || study.read_only.get().map(|why| view! {
            <p class="warning read-only" role="alert">{why}</p>
        })}
        <nav class="tabs" aria-label="Study sections">
            <A href=base.clone() exact=true>"Overview"</A>
            <A href=format!("{base}/cases")>"Cases"</A>
            <A href=format!("{base}/participants")>"Participants"</A>
            <A href=format!("{base}/protocols")>"Protocols"</A>
            <A href=format!("{base}/interviews")>"Interviews"</A>
            <A href=format!("{base}/surveys")>"Surveys"</A>
            <A href=format!("{base}/coding")>"Coding"</A>
        </nav>
        <Outlet/>
    }
    .into_any()
}

#[component]
fn SaveIndicator(state: RwSignal<SaveState>) -> impl IntoView {
    view! {
        <p class="save-state" role="status" data-state=move || match state.get() {
            SaveState::Saved => "saved",
            SaveState::Pending => "pending",
            SaveState::Failed(_) => "failed",
        }>
            {move || match state.get() {
                SaveState::Saved => "✓ All changes saved on this device".to_string(),
                SaveState::Pending => "Saving…".to_string(),
                SaveState::Failed(_) => "⚠ Not saved yet — retrying".to_string(),
            }}
        </p>
    }
}
