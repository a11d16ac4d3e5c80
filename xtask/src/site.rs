//! The build: server binary, wasm front end, wasm-bindgen, and the site folder the server serves.

use crate::log;
use anyhow::{bail, Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The name the server expects for the JS, wasm and CSS files (`LEPTOS_OUTPUT_NAME`).
pub const OUTPUT_NAME: &str = "orderline";
/// The wasm target folder: separate from `target/` so the server and the wasm build run at once
/// (two cargo processes on one target folder wait for each other's lock).
pub const WASM_TARGET_DIR: &str = "target/front";
pub const SITE_DIR: &str = "target/site";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    fn server_dir(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }

    fn wasm_dir(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "wasm-release",
        }
    }
}

/// What a change needs rebuilt.
#[derive(Clone, Copy, Default, Debug)]
pub struct Parts {
    pub server: bool,
    pub wasm: bool,
    /// The style sheet and the public assets (cheap; always redone with the others).
    pub assets: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        server: true,
        wasm: true,
        assets: true,
    };
}

/// Builds everything into `target/` and lays out `target/site`.
pub fn build(root: &Path, profile: Profile) -> Result<()> {
    build_parts(root, profile, Parts::ALL)
}

/// Builds the given parts; the server and the wasm compile at the same time.
pub fn build_parts(root: &Path, profile: Profile, parts: Parts) -> Result<()> {
    let site = root.join(SITE_DIR);
    let server = parts.server.then(|| spawn_server_build(profile));
    if parts.wasm {
        build_wasm(profile)?;
        bindgen(root, profile, &site.join("pkg"))?;
    }
    if let Some(child) = server {
        let started = Instant::now();
        let status = child?.wait()?;
        if !status.success() {
            bail!("the server build failed");
        }
        log(&format!(
            "server built (waited {:.1} s after the wasm)",
            started.elapsed().as_secs_f64()
        ));
    }
    if parts.assets || parts.wasm {
        copy_assets(root, &site)?;
    }
    Ok(())
}

fn spawn_server_build(profile: Profile) -> Result<std::process::Child> {
    let mut cargo = cargo();
    cargo.args(["build", "--package", "server", "--bin", "orderline"]);
    if profile == Profile::Release {
        cargo.arg("--release");
    }
    log("building the server");
    Ok(cargo.spawn()?)
}

pub fn build_wasm(profile: Profile) -> Result<()> {
    let started = Instant::now();
    let mut cargo = cargo();
    cargo.args([
        "build",
        "--package",
        "frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--target-dir",
        WASM_TARGET_DIR,
    ]);
    if profile == Profile::Release {
        cargo.args(["--profile", "wasm-release"]);
    }
    log("building the wasm front end");
    if !cargo.status()?.success() {
        bail!(
            "the wasm build failed (is the target installed? rustup target add wasm32-unknown-unknown)"
        );
    }
    log(&format!(
        "wasm built in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// The compiled (not yet bound) wasm of the front end.
pub fn compiled_wasm(root: &Path, profile: Profile) -> PathBuf {
    root.join(WASM_TARGET_DIR)
        .join("wasm32-unknown-unknown")
        .join(profile.wasm_dir())
        .join("frontend.wasm")
}

/// The server binary a build produced.
pub fn server_binary(root: &Path, profile: Profile) -> PathBuf {
    root.join("target")
        .join(profile.server_dir())
        .join("orderline")
}

/// Runs wasm-bindgen (web target) on the compiled wasm, writing `{OUTPUT_NAME}.js` and
/// `{OUTPUT_NAME}_bg.wasm` into `pkg`: the names leptos' `HydrationScripts` loads.
pub fn bindgen(root: &Path, profile: Profile, pkg: &Path) -> Result<()> {
    let started = Instant::now();
    let input = compiled_wasm(root, profile);
    fs::create_dir_all(pkg)?;
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&input)
        .out_name(OUTPUT_NAME)
        .web(true)
        .context("wasm-bindgen web target")?
        .typescript(false)
        .debug(profile == Profile::Dev)
        .keep_debug(false);
    bindgen
        .generate(pkg)
        .with_context(|| format!("wasm-bindgen on {}", input.display()))?;
    let wasm = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let js = pkg.join(format!("{OUTPUT_NAME}.js"));
    if profile == Profile::Dev {
        // Debug wasm is large (about 14 MB); a fast gzip copy makes it 3 to 4 MB on the wire.
        for file in [&wasm, &js] {
            gzip_copy(file, 1)?;
        }
    }
    log(&format!(
        "wasm-bindgen done in {:.1} s ({} KB wasm)",
        started.elapsed().as_secs_f64(),
        fs::metadata(&wasm)?.len() / 1024
    ));
    Ok(())
}

/// Copies `style/main.css` to `pkg/{OUTPUT_NAME}.css` and the files of `public/` to the site root.
pub fn copy_assets(root: &Path, site: &Path) -> Result<()> {
    let pkg = site.join("pkg");
    fs::create_dir_all(&pkg)?;
    fs::copy(
        root.join("style/main.css"),
        pkg.join(format!("{OUTPUT_NAME}.css")),
    )
    .context("copying style/main.css")?;
    copy_dir(&root.join("public"), site)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Writes `file.gz` next to `file` (the name tower-http's precompressed serving looks for).
pub fn gzip_copy(file: &Path, level: u32) -> Result<PathBuf> {
    let data = fs::read(file)?;
    let target = PathBuf::from(format!("{}.gz", file.display()));
    let mut encoder =
        flate2::write::GzEncoder::new(fs::File::create(&target)?, flate2::Compression::new(level));
    encoder.write_all(&data)?;
    encoder.finish()?;
    Ok(target)
}

/// `cargo` from the environment cargo gave us (the same toolchain as this xtask).
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}
