//! The XLSX web worker. It receives a workbook as JSON text (the core's
//! `WorkbookData`) and answers with the file's bytes (a `Uint8Array`) or, when the
//! workbook cannot be written, a message (a string). It first sends "ready", once it
//! listens. It holds no data of its own.

use fieldkit_core::survey_export::WorkbookData;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn write(request: &JsValue) -> Result<Vec<u8>, String> {
    let json = request.as_string().ok_or("The workbook request was not text.")?;
    let book: WorkbookData =
        serde_json::from_str(&json).map_err(|e| format!("The workbook request could not be read: {e}"))?;
    fieldkit_sheets::to_xlsx(&book)
}

fn main() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else { return };
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let reply: JsValue = match write(&event.data()) {
            Ok(bytes) => js_sys::Uint8Array::from(bytes.as_slice()).into(),
            Err(message) => JsValue::from_str(&message),
        };
        let _ = replies.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Messages sent before this point are lost: tell the page it may send now.
    let _ = scope.post_message(&JsValue::from_str("ready"));
    // The worker lives as long as the page that started it.
    on_message.forget();
}
