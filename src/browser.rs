//! Small wrappers over browser APIs the screens need: the clock, persistent storage
//! and its estimate, downloading a file, reading a picked file.

use fieldkit_core::Timestamp;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub fn now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    let storage = web_sys::window()?.navigator().storage();
    // Older browsers have no navigator.storage at all.
    (!JsValue::from(storage.clone()).is_undefined()).then_some(storage)
}

/// What the storage screen shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StorageInfo {
    pub persistent: Option<bool>,
    pub used_bytes: Option<f64>,
    pub quota_bytes: Option<f64>,
}

async fn promise_value(promise: Result<js_sys::Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}

/// Asks the browser to keep our data even under storage pressure. Returns whether it is persistent.
pub async fn request_persistence() -> Option<bool> {
    let manager = storage_manager()?;
    if promise_value(manager.persisted()).await?.as_bool() == Some(true) {
        return Some(true);
    }
    promise_value(manager.persist()).await?.as_bool()
}

pub async fn storage_info() -> StorageInfo {
    let Some(manager) = storage_manager() else {
        return StorageInfo::default();
    };
    let persistent = promise_value(manager.persisted()).await.and_then(|v| v.as_bool());
    let estimate = promise_value(manager.estimate()).await;
    let field = |name: &str| {
        estimate.as_ref().and_then(|e| js_sys::Reflect::get(e, &JsValue::from_str(name)).ok()).and_then(|v| v.as_f64())
    };
    StorageInfo { persistent, used_bytes: field("usage"), quota_bytes: field("quota") }
}

/// "1.2 MB": sizes as people read them.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{value:.0} {}", UNITS[0]) } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Offers `contents` to the user as a downloaded file.
pub fn download(filename: &str, mime: &str, contents: &str) -> Result<(), String> {
    download_bytes(filename, mime, contents.as_bytes())
}

thread_local! {
    /// Set while this device's data is protected: plain files ask before they leave.
    static PLAIN_EXPORT_GUARD: std::cell::Cell<Option<crate::app::Ctx>> = const { std::cell::Cell::new(None) };
}

/// Makes every plain download ask first (Some, while protection is on) or not (None).
pub fn guard_plain_exports(ctx: Option<crate::app::Ctx>) {
    PLAIN_EXPORT_GUARD.with(|g| g.set(ctx));
}

/// Offers bytes (e.g. a workbook) to the user as a downloaded file. While the
/// device's data is protected it first says that the file leaves the protection.
pub fn download_bytes(filename: &str, mime: &str, contents: &[u8]) -> Result<(), String> {
    let Some(ctx) = PLAIN_EXPORT_GUARD.with(|g| g.get()) else { return save_file(filename, mime, contents) };
    let (name, mime, bytes) = (filename.to_string(), mime.to_string(), contents.to_vec());
    ctx.ask(crate::app::Confirm {
        title: "This file will not be protected".into(),
        body: format!(
            "“{name}” will be saved in plain text, outside fieldkit's protection: anyone who gets the file can \
             read it. Keep it somewhere safe, and delete it when you no longer need it."
        ),
        action: "Download anyway".into(),
        on_confirm: Box::new(move || {
            if let Err(e) = save_file(&name, &mime, &bytes) {
                ctx.error(e);
            }
        }),
    });
    Ok(())
}

/// Saves a file that stays protected (an encrypted backup): no question asked.
pub fn download_protected(filename: &str, mime: &str, contents: &[u8]) -> Result<(), String> {
    save_file(filename, mime, contents)
}

/// Waits about `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn save_file(filename: &str, mime: &str, contents: &[u8]) -> Result<(), String> {
    let fail = |e: JsValue| format!("The download could not start: {}", js_error_text(&e));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| "no anchor element".to_string())?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    // Revoke later: revoking at once can cancel the download in some browsers.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// Waits until the next frame has been painted, so a long job can show its progress
/// between steps and the page stays responsive.
pub async fn painted() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let then = resolve.clone();
        let after = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(then.unchecked_ref(), 0);
            }
        });
        if window.request_animation_frame(after.unchecked_ref()).is_err() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Reads a file the user picked, as bytes.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("The file could not be read: {}", js_error_text(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

pub fn js_error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// A file name that is safe on every system, from a study title.
pub fn file_stem(title: &str) -> String {
    let stem: String = title.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let stem = stem.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    let stem: String = stem.chars().take(60).collect();
    if stem.is_empty() { "study".into() } else { stem }
}

/// "2026-11-23 16:34" in the device's own time zone.
pub fn local_time(t: Timestamp) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(t.millis() as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Where trunk puts the files worker (see index.html); worker files are not hashed.
const FILES_WORKER: &str = "/fieldkit-files-worker_loader.js";

/// Runs one task in the files web worker (XLSX and REFI-QDA live there, so the main
/// bundle does not carry them), started for this one task and ended after it.
pub async fn in_worker(task: &str, payload: JsValue) -> Result<JsValue, String> {
    let fail = |e: JsValue| js_error_text(&e);
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(FILES_WORKER, &options).map_err(fail)?;
    // The worker says "ready" once its wasm has loaded and it listens: a message sent
    // before that would be dropped.
    let ready = JsFuture::from(next_message(&worker)).await;
    let reply = match ready {
        Ok(_) => match worker.post_message(&js_sys::Array::of2(&JsValue::from_str(task), &payload)) {
            Ok(()) => JsFuture::from(next_message(&worker)).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    worker.terminate();
    let reply = reply.map_err(|e| {
        let text = js_error_text(&e);
        if text.contains("Event") { "the file worker could not be started".to_string() } else { text }
    })?;
    let reply = js_sys::Array::from(&reply);
    let value = reply.get(1);
    if reply.get(0).as_bool() == Some(true) {
        Ok(value)
    } else {
        Err(value.as_string().unwrap_or_else(|| "The file worker did not answer.".into()))
    }
}

fn as_bytes(value: JsValue) -> Result<Vec<u8>, String> {
    value.dyn_into::<js_sys::Uint8Array>().map(|b| b.to_vec()).map_err(|_| "The file worker sent no file.".to_string())
}

/// A workbook as XLSX bytes, written in the files worker.
pub async fn xlsx(book: &fieldkit_core::tabular::WorkbookData) -> Result<Vec<u8>, String> {
    let json = serde_json::to_string(book).map_err(|e| format!("The workbook could not be prepared: {e}"))?;
    let reply = in_worker("xlsx", JsValue::from_str(&json))
        .await
        .map_err(|e| format!("The workbook could not be written: {e}"))?;
    as_bytes(reply)
}

/// A REFI-QDA project (`qdpx`) or codebook (`qdc`) of a study (given as its backup JSON).
pub async fn refi_qda(task: &str, backup_json: &str) -> Result<Vec<u8>, String> {
    let reply = in_worker(task, JsValue::from_str(backup_json))
        .await
        .map_err(|e| format!("The file could not be written: {e}"))?;
    as_bytes(reply)
}

/// The study report as a .docx, written in the files worker.
pub async fn report_docx(report: &fieldkit_core::report::Report) -> Result<Vec<u8>, String> {
    let json = serde_json::to_string(report).map_err(|e| format!("The report could not be prepared: {e}"))?;
    let reply = in_worker("report_docx", JsValue::from_str(&json))
        .await
        .map_err(|e| format!("The report could not be written: {e}"))?;
    as_bytes(reply)
}

/// Opens an HTML page (an account, the study report) in a new tab, from which the
/// browser prints it or saves it as PDF.
pub fn open_html_page(html: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(html));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/html;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| js_error_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
    let window = web_sys::window().ok_or("no window")?;
    match window.open_with_url_and_target(&url, "_blank") {
        Ok(Some(_)) => Ok(()),
        _ => Err("The browser blocked the new tab. Allow pop-ups for fieldkit to print it.".into()),
    }
}

/// Whether a file is a word-processor document read in the files worker (.docx,
/// .odt, .html) rather than plain text.
pub fn is_word_document(name: &str) -> bool {
    let lower = name.to_lowercase();
    [".docx", ".odt", ".html", ".htm", ".xhtml"].iter().any(|ext| lower.ends_with(ext))
}

/// The files an upload of a transcript or document accepts.
pub const TEXT_UPLOADS: &str = ".txt,.md,.docx,.odt,.html,.htm,text/plain,text/markdown,text/html,\
     application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.oasis.opendocument.text";

/// Reads an uploaded transcript or document as text: plain text here, a .docx,
/// .odt or .html file in the files worker. Returns the text (checked like pasted
/// text) and the import note (what the file held that is not in the text).
pub async fn read_text_upload(file: &web_sys::File) -> Result<(String, Vec<String>), String> {
    use fieldkit_core::fieldwork::transcript::{check_pasted_text, read_text_file};
    let bytes = read_file(file).await?;
    let name = file.name();
    if !is_word_document(&name) {
        return read_text_file(&bytes, &name).map(|t| (t, Vec::new())).map_err(|e| e.to_string());
    }
    let payload = js_sys::Array::of2(&JsValue::from_str(&name), &js_sys::Uint8Array::from(bytes.as_slice()));
    let reply = in_worker("document_text", payload.into()).await?;
    let pair = js_sys::Array::from(&reply);
    let (Some(text), Some(note)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
        return Err("The file worker sent no text.".into());
    };
    let text = check_pasted_text(&text).map_err(|e| format!("“{name}”: {e}"))?;
    Ok((text, note.lines().filter(|l| !l.is_empty()).map(|l| format!("“{name}”: {l}")).collect()))
}

/// Reads a .qdpx, .qde or .qdc file into a study: (backup JSON, import report).
pub async fn import_refi_qda(bytes: &[u8]) -> Result<(String, String), String> {
    let reply = in_worker("import", js_sys::Uint8Array::from(bytes).into()).await?;
    let pair = js_sys::Array::from(&reply);
    match (pair.get(0).as_string(), pair.get(1).as_string()) {
        (Some(backup), Some(report)) => Ok((backup, report)),
        _ => Err("The file worker sent no study.".into()),
    }
}

/// The worker's next message (or its next error) as a promise.
fn next_message(worker: &web_sys::Worker) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, reject| {
        let on_message = wasm_bindgen::closure::Closure::once_into_js(move |e: web_sys::MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &e.data());
        });
        let on_error = wasm_bindgen::closure::Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        worker.set_onerror(Some(on_error.unchecked_ref()));
    })
}

/// Removes a localStorage setting.
pub fn remove_local_setting(key: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
}

/// A small per-device setting that holds nothing typed (e.g. the matrix's view) from
/// localStorage, which protection does not cover: anything typed goes in a device
/// note (`Ctx::device_note`) instead.
pub fn local_setting(key: &str) -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

pub fn set_local_setting(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Offers a file that is still being made (in the files worker) as a download once
/// it is ready; a failure is shown to the user.
pub fn download_when_ready(
    ctx: crate::app::Ctx,
    name: String,
    mime: &'static str,
    file: impl std::future::Future<Output = Result<Vec<u8>, String>> + 'static,
) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = file.await.and_then(|bytes| download_bytes(&name, mime, &bytes)) {
            ctx.error(format!("The export failed: {e}"));
        }
    });
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The file chosen in a file input's `change` event. The input is cleared, so
/// choosing the same file again fires again.
pub fn picked_file(ev: &web_sys::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// Reads a chosen backup (.json) into a study; the message names the file.
pub async fn read_backup(file: &web_sys::File) -> Result<fieldkit_core::StudyData, String> {
    let bytes = read_file(file).await?;
    fieldkit_core::exchange::backup::Backup::parse(&bytes)
        .map(|b| b.into_study())
        .map_err(|e| format!("“{}” cannot be read: {e}", file.name()))
}

/// Goes to `path` inside the app from code that outlived the router it started
/// under (the router follows the history's popstate, as for the back button).
pub fn go_to(path: &str) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
        if let Ok(event) = web_sys::Event::new("popstate") {
            let _ = window.dispatch_event(&event);
        }
    }
}

/// A chart's SVG (with `width` and `height` attributes, as fieldkit draws them) as
/// PNG bytes at twice its size, drawn by the browser itself through a canvas.
pub async fn svg_to_png(svg: &str) -> Result<Vec<u8>, String> {
    let size = |name: &str| -> Option<u32> {
        let at = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        svg[at..].split('"').next()?.parse().ok()
    };
    let (Some(width), Some(height)) = (size("width"), size("height")) else {
        return Err("The chart has no size to draw it at.".into());
    };
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&JsValue::from_str(svg)), &options)
        .map_err(|e| js_error_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
    let image = web_sys::HtmlImageElement::new().map_err(|e| js_error_text(&e))?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    image.set_src(&url);
    let result = JsFuture::from(loaded).await;
    let _ = web_sys::Url::revoke_object_url(&url);
    result.map_err(|_| "The browser could not draw the chart.".to_string())?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|e| js_error_text(&e))?
        .dyn_into()
        .map_err(|_| "no canvas".to_string())?;
    canvas.set_width(width * 2);
    canvas.set_height(height * 2);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(|e| js_error_text(&e))?
        .ok_or("no canvas")?
        .dyn_into()
        .map_err(|_| "no canvas".to_string())?;
    context.scale(2.0, 2.0).map_err(|e| js_error_text(&e))?;
    context.draw_image_with_html_image_element(&image, 0.0, 0.0).map_err(|e| js_error_text(&e))?;
    let data_url = canvas.to_data_url_with_type("image/png").map_err(|e| js_error_text(&e))?;
    let encoded = data_url.split_once(',').map(|(_, b)| b).ok_or("The browser made no image.")?;
    let binary = web_sys::window().ok_or("no window")?.atob(encoded).map_err(|e| js_error_text(&e))?;
    // atob gives one character per byte.
    Ok(binary.chars().map(|c| c as u32 as u8).collect())
}
