//! One tab edits at a time. The same study open in two tabs or windows (a home-screen
//! app and a browser tab, say) would otherwise write over each other's edits with
//! stale copies. The tab that holds the Web Lock `fieldkit-editor` opens storage;
//! another one says so and can take over: it asks over a `BroadcastChannel`, the
//! holder writes out everything pending and lets go, and the new tab opens then.

use std::cell::RefCell;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const LOCK_NAME: &str = "fieldkit-editor";
const CHANNEL: &str = "fieldkit-tabs";
const RELEASE: &str = "release";

thread_local! {
    /// Resolving it releases the lock this page holds.
    static HELD: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static CHANNEL_KEEP: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

fn locks() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    Reflect::get(&navigator, &"locks".into()).ok().filter(|l| !l.is_undefined() && !l.is_null())
}

/// Tries to become the tab that edits. Some(true): this tab holds the lock; Some(false):
/// another tab does; None: the browser has no Web Locks (then every tab edits, as before).
pub async fn try_take() -> Option<bool> {
    let locks = locks()?;
    let request = Reflect::get(&locks, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let granted = Promise::new(&mut |resolve, _| {
        let on_lock = Closure::once_into_js(move |lock: JsValue| -> JsValue {
            if lock.is_null() {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
                return JsValue::UNDEFINED;
            }
            let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
            // The lock is held until this promise settles (see `release`).
            Promise::new(&mut |hold, _| HELD.with(|h| *h.borrow_mut() = Some(hold))).into()
        });
        let _ = request.call3(&locks, &LOCK_NAME.into(), &options, &on_lock);
    });
    Some(JsFuture::from(granted).await.ok()?.as_bool().unwrap_or(false))
}

/// Lets go of the lock, so that another tab can open storage.
pub fn release() {
    if let Some(hold) = HELD.with(|h| h.borrow_mut().take()) {
        let _ = hold.call0(&JsValue::NULL);
    }
}

/// Calls `on_asked` whenever another tab asks this one to let go.
pub fn listen(on_asked: impl Fn() + 'static) {
    if CHANNEL_KEEP.with(|c| c.borrow().is_some()) {
        return;
    }
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else { return };
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        if ev.data().as_string().as_deref() == Some(RELEASE) {
            on_asked();
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // Both live as long as the page.
    handler.forget();
    CHANNEL_KEEP.with(|c| *c.borrow_mut() = Some(channel));
}

/// Asks the tab that edits to let go, then waits (up to ten seconds) for the lock.
pub async fn take_over() -> bool {
    if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
        let _ = channel.post_message(&RELEASE.into());
        channel.close();
    }
    for _ in 0..50 {
        if try_take().await != Some(false) {
            return true;
        }
        crate::browser::sleep_ms(200).await;
    }
    false
}
