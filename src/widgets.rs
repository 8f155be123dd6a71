//! Labelled form fields that save as the user types. Each shows its own
//! validation message next to the field; a rejected value is never saved.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A unique element id, so every label can point at its field.
pub fn field_id(prefix: &str) -> String {
    format!("{prefix}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// Puts the saved value back into an input or textarea after a rejected edit.
fn restore(ev: &web_sys::FocusEvent, value: &str) {
    let Some(target) = ev.target() else { return };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    }
}

/// A labelled password field for a passphrase or recovery key, bound to `value`.
/// Never saved as the user types: it is read when its form is sent.
#[component]
pub fn SecretField(
    id: &'static str,
    label: &'static str,
    /// `new-password` or `current-password`, for password managers.
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="password" autocomplete=autocomplete
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}

#[component]
pub fn TextField<F>(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_edit: F,
    #[prop(optional)] multiline: bool,
    #[prop(optional, into)] hint: Option<String>,
    /// Id of a `<datalist>` of suggestions.
    #[prop(optional, into)]
    suggestions: Option<String>,
    #[prop(optional, into)] input_type: Option<String>,
) -> impl IntoView
where
    F: Fn(String) -> Result<(), String> + 'static,
{
    let id = field_id("field");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = RwSignal::new(None::<String>);
    let on_edit = std::rc::Rc::new(on_edit);
    let handle = {
        let on_edit = on_edit.clone();
        move |text: String| match on_edit(text) {
            Ok(()) => drop(error.try_set(None)),
            Err(e) => drop(error.try_set(Some(e))),
        }
    };
    // Blur also fires while the field is being removed from the page, after its
    // signals are gone: every access here must tolerate that. Leaving the field shows
    // the saved value (trimmed, or the old one if the new one was refused).
    let on_blur = move |ev: web_sys::FocusEvent| {
        let Some(saved) = value.try_get_untracked() else { return };
        restore(&ev, &saved);
        if let Some(Some(e)) = error.try_get_untracked()
            && !e.ends_with("The saved value was kept.")
        {
            let _ = error.try_set(Some(format!("{e} The saved value was kept.")));
        }
    };
    // The model's value goes into the field except while the user is typing in it:
    // the core tidies what it stores (trims names), and writing that back under the
    // cursor would eat the space just typed.
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let area_ref = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        let text = value.get();
        let focused = leptos::prelude::document().active_element().map(wasm_bindgen::JsValue::from);
        let is_focused = |el: &wasm_bindgen::JsValue| focused.as_ref().is_some_and(|f| f == el);
        if let Some(el) = input_ref.get()
            && !is_focused(el.as_ref())
            && el.value() != text
        {
            el.set_value(&text);
        }
        if let Some(el) = area_ref.get()
            && !is_focused(el.as_ref())
            && el.value() != text
        {
            el.set_value(&text);
        }
    });
    let has_hint = hint.is_some();
    let described = move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if error.with(|e| e.is_some()) {
            ids.push(error_id.clone());
        }
        ids.join(" ")
    };
    let hint_view = hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> });
    let field = if multiline {
        let handle = handle.clone();
        view! {
            <textarea
                id=id.clone()
                rows="4"
                node_ref=area_ref
                aria-invalid=move || if error.with(|e| e.is_some()) { "true" } else { "false" }
                aria-describedby=described.clone()
                on:input=move |ev| handle(event_target_value(&ev))
                on:blur=on_blur
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type=input_type.unwrap_or_else(|| "text".into())
                list=suggestions
                autocomplete="off"
                node_ref=input_ref
                aria-invalid=move || if error.with(|e| e.is_some()) { "true" } else { "false" }
                aria-describedby=described
                on:input=move |ev| handle(event_target_value(&ev))
                on:blur=on_blur
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            {hint_view}
            {field}
            <FieldError id=format!("{id}-error") error=error/>
        </div>
    }
}

#[component]
fn FieldError(id: String, error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(|e| e.is_some())>
            <p class="field-error" id=id.clone() role="alert">{move || error.get()}</p>
        </Show>
    }
}

#[component]
pub fn SelectField<F>(
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    /// (value, label) pairs; the first is usually the empty choice.
    #[prop(into)]
    options: Signal<Vec<(String, String)>>,
    on_edit: F,
) -> impl IntoView
where
    F: Fn(String) -> Result<(), String> + 'static,
{
    let id = field_id("select");
    let error = RwSignal::new(None::<String>);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                on:change=move |ev| match on_edit(event_target_value(&ev)) {
                    Ok(()) => drop(error.try_set(None)),
                    Err(e) => drop(error.try_set(Some(e))),
                }
            >
                {move || {
                    let current = value.get();
                    options
                        .get()
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = v == current;
                            view! { <option value=v selected=selected>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <FieldError id=format!("{id}-error") error=error/>
        </div>
    }
}

#[component]
pub fn CheckField<F>(#[prop(into)] label: String, #[prop(into)] checked: Signal<bool>, on_edit: F) -> impl IntoView
where
    F: Fn(bool) -> Result<(), String> + 'static,
{
    let id = field_id("check");
    let error = RwSignal::new(None::<String>);
    view! {
        <div class="check">
            <input
                type="checkbox"
                id=id.clone()
                prop:checked=move || checked.get()
                on:change=move |ev| {
                    match on_edit(event_target_checked(&ev)) {
                        Ok(()) => drop(error.try_set(None)),
                        Err(e) => drop(error.try_set(Some(e))),
                    }
                    // The box shows what the study says, also when the edit was refused
                    // or waits for a confirmation.
                    let input: Option<web_sys::HtmlInputElement> =
                        ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into(t).ok());
                    if let (Some(input), Some(now)) = (input, checked.try_get_untracked()) {
                        input.set_checked(now);
                    }
                }
            />
            <label for=id.clone()>{label}</label>
            <FieldError id=format!("{id}-error") error=error/>
        </div>
    }
}

/// A one-line form to add something by name: typing then Enter or the button.
#[component]
pub fn AddByName<F>(#[prop(into)] label: String, #[prop(into)] button: String, on_add: F) -> impl IntoView
where
    F: Fn(String) -> Result<(), String> + 'static,
{
    let id = field_id("add");
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match on_add(text.get_untracked()) {
            Ok(()) => {
                text.set(String::new());
                error.try_set(None);
            }
            Err(e) => drop(error.try_set(Some(e))),
        }
    };
    view! {
        <form class="add-row" on:submit=submit>
            <div class="field grow">
                <label for=id.clone()>{label}</label>
                <input id=id.clone() type="text" autocomplete="off" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))/>
            </div>
            <button type="submit">{button}</button>
            <FieldError id=format!("{id}-error") error=error/>
        </form>
    }
}

/// Rows drawn at once when a long list opens: more than a tablet's screenful.
const FIRST_ROWS: usize = 60;
/// Rows added after each painted frame, few enough to keep each task short.
const MORE_ROWS: usize = 100;

/// The rows of a long list to draw now: a first screenful at once, then more after
/// each painted frame until all are drawn (in a task after the frame, not in its
/// animation callback, so that each batch never delays the frame showing the last). So a list of thousands shows at once and
/// the page stays responsive while the rest is added (draw the result with a keyed
/// `<For>`, which only appends). Finding in the page works once all are drawn.
pub fn drawn_rows<T>(rows: Memo<Vec<T>>) -> Memo<Vec<T>>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let shown = RwSignal::new(FIRST_ROWS);
    Effect::new(move |_| {
        if shown.get() < rows.with(Vec::len) {
            request_animation_frame(move || {
                set_timeout(
                    move || {
                        let _ = shown.try_update(|n| *n += MORE_ROWS);
                    },
                    std::time::Duration::ZERO,
                );
            });
        }
    });
    Memo::new(move |_| {
        let n = shown.get();
        rows.with(|r| r.iter().take(n).cloned().collect())
    })
}

/// Whether the `<details>` a `toggle` event came from is now open: for drawing what
/// it holds only once it is opened.
pub fn details_opened(ev: &web_sys::Event) -> bool {
    ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open())
}
