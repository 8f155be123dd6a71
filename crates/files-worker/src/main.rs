//! The files web worker: builds and reads the zip-based files, off the main bundle.
//!
//! It first posts "ready" (messages sent before it listens would be lost). Then each
//! message is `[task, payload]` and each reply `[ok, value]`:
//! - `["xlsx", workbook JSON]` → the XLSX bytes;
//! - `["qdpx", backup JSON]` / `["qdc", backup JSON]` → the REFI-QDA file's bytes;
//! - `["report_docx", report JSON]` → the study report as a .docx;
//! - `["import", file bytes]` → `[backup JSON, import report]` for a .qdpx, .qde or .qdc;
//! - on failure `[false, message]`. It holds no data of its own.

use fieldkit_core::Timestamp;
use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::tabular::WorkbookData;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn bytes(data: Vec<u8>) -> JsValue {
    js_sys::Uint8Array::from(data.as_slice()).into()
}

fn text(payload: &JsValue) -> Result<String, String> {
    payload.as_string().ok_or_else(|| "The request was not text.".to_string())
}

fn study(payload: &JsValue) -> Result<fieldkit_core::StudyData, String> {
    Ok(Backup::parse(text(payload)?.as_bytes()).map_err(|e| e.to_string())?.into_study())
}

fn handle(task: &str, payload: &JsValue) -> Result<JsValue, String> {
    match task {
        "xlsx" => {
            let book: WorkbookData = serde_json::from_str(&text(payload)?)
                .map_err(|e| format!("The workbook request could not be read: {e}"))?;
            fieldkit_sheets::to_xlsx(&book).map(bytes)
        }
        "qdpx" => fieldkit_interop::export_qdpx(&study(payload)?).map(bytes).map_err(|e| e.to_string()),
        "qdc" => {
            fieldkit_interop::export_qdc(&study(payload)?).map(|x| bytes(x.into_bytes())).map_err(|e| e.to_string())
        }
        "report_docx" => {
            let report: fieldkit_core::report::Report = serde_json::from_str(&text(payload)?)
                .map_err(|e| format!("The report request could not be read: {e}"))?;
            fieldkit_interop::report_docx::report_docx(&report).map(bytes).map_err(|e| e.to_string())
        }
        "import" => {
            let file = payload.dyn_ref::<js_sys::Uint8Array>().ok_or("The file to import was not bytes.")?.to_vec();
            let now = Timestamp::from_millis(js_sys::Date::now() as i64);
            let imported = fieldkit_interop::import_file(&file, None, now).map_err(|e| e.to_string())?;
            let backup = Backup::of(&imported.data, true, now).to_json();
            Ok(js_sys::Array::of2(&JsValue::from_str(&backup), &JsValue::from_str(&imported.report.to_string())).into())
        }
        "document_text" => {
            let pair = js_sys::Array::from(payload);
            let name = pair.get(0).as_string().ok_or("The document's name was not sent.")?;
            let file =
                pair.get(1).dyn_into::<js_sys::Uint8Array>().map_err(|_| "The document was not bytes.")?.to_vec();
            let read = fieldkit_interop::documents::read_document(&name, &file).map_err(|e| e.to_string())?;
            Ok(js_sys::Array::of2(&JsValue::from_str(&read.text), &JsValue::from_str(&read.note().join("\n"))).into())
        }
        other => Err(format!("Unknown task “{other}”.")),
    }
}

fn main() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else { return };
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let request = js_sys::Array::from(&event.data());
        let task = request.get(0).as_string().unwrap_or_default();
        let reply = match handle(&task, &request.get(1)) {
            Ok(value) => js_sys::Array::of2(&JsValue::TRUE, &value),
            Err(message) => js_sys::Array::of2(&JsValue::FALSE, &JsValue::from_str(&message)),
        };
        let _ = replies.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page that started it.
    on_message.forget();
    // Messages sent before this point are lost: tell the page it may send now.
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
