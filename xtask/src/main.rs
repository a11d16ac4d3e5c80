//! Orderline's build step, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! It does for this workspace what `cargo leptos` does, with nothing to install beyond the Rust
//! toolchain and the `wasm32-unknown-unknown` target:
//!
//! - `build [--release]`: the server binary, the `frontend` crate compiled to wasm, wasm-bindgen
//!   run as a library (pinned to the wasm-bindgen of Cargo.lock) and the site laid out in
//!   `target/site` (`pkg/orderline.js`, `pkg/orderline_bg.wasm`, `pkg/orderline.css`, the files of
//!   `public/`), with gzip copies the server sends to browsers that accept them.
//! - `serve`: `build`, run the server, and on every saved change rebuild what changed, restart
//!   the server and reload the open browser tabs.
//! - `dist`: an optimised server with the optimised site (wasm-opt, content-hashed names, gzip and
//!   brotli) embedded: `target/dist/orderline` is the whole application.

mod dist;
mod reload;
mod serve;
mod site;

use anyhow::{bail, Result};
use std::path::PathBuf;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask build [--release] | serve | dist";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    let started = Instant::now();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["build"] => site::build(&root, site::Profile::Dev)?,
        ["build", "--release"] => site::build(&root, site::Profile::Release)?,
        ["serve"] => return serve::run(&root),
        ["dist"] => dist::run(&root)?,
        _ => bail!("{USAGE}"),
    }
    log(&format!("done in {:.1} s", started.elapsed().as_secs_f64()));
    Ok(())
}

/// The workspace root: the parent of this crate's folder.
fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match manifest.parent() {
        Some(root) => Ok(root.to_path_buf()),
        None => bail!("xtask is not inside a workspace"),
    }
}

/// One progress line, in the style of the other scripts.
pub fn log(message: &str) {
    eprintln!("\x1b[1;34m[xtask]\x1b[0m {message}");
}
