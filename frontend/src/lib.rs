#![recursion_limit = "256"]
//! The browser entry point: hydrates the server-rendered HTML into the interactive app.
//! Everything else lives in the `app` crate; this crate only exists so the wasm build has its own `cdylib`.

/// Called by the script cargo-leptos injects into the page once the wasm module has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
