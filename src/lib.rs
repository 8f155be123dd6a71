//! fieldkit's Leptos app: thin screens over the core, IndexedDB storage, and the
//! browser glue (downloads, persistence, service worker registration in index.html).

pub mod browser;
pub mod protection;
pub mod storage;
pub mod tabs;

mod app;
mod autosave;
mod parts;
mod screens;
mod sync;
mod widgets;

pub use app::App;
