//! The release build: one `orderline` binary with the whole site inside.
//!
//! The wasm is built with the `wasm-release` profile, bound, and shrunk with `wasm-opt` (from the
//! npm `binaryen` package in `xtask/npm`, installed with `npm ci` on first use). The JS, wasm and
//! CSS get one content hash in their names (`orderline-<hash>.js`, ...), so browsers may keep them
//! for a year; every text and wasm file gets gzip and brotli copies made here, once. The server is
//! then compiled with `ORDERLINE_EMBED_SITE` pointing at that folder: its build script embeds
//! every file (see `server/build.rs`).

use crate::log;
use crate::site::{self, Profile, OUTPUT_NAME};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const DIST_DIR: &str = "target/dist";

pub fn run(root: &Path) -> Result<()> {
    let dist = root.join(DIST_DIR);
    let work = dist.join("work");
    let site_dir = dist.join("site");
    for dir in [&work, &site_dir] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    let pkg = site_dir.join("pkg");
    fs::create_dir_all(&pkg)?;

    // 1. The wasm: compile, bind, optimise.
    let started = Instant::now();
    site::build_wasm(Profile::Release)?;
    site::bindgen(root, Profile::Release, &work)?;
    let bound_wasm = work.join(format!("{OUTPUT_NAME}_bg.wasm"));
    let raw_size = fs::metadata(&bound_wasm)?.len();
    wasm_opt(root, &bound_wasm)?;
    log(&format!(
        "wasm: {} KB after wasm-bindgen, {} KB after wasm-opt ({:.1} s in all)",
        raw_size / 1024,
        fs::metadata(&bound_wasm)?.len() / 1024,
        started.elapsed().as_secs_f64()
    ));

    // 2. One content hash for the three files that go together.
    let js = fs::read(work.join(format!("{OUTPUT_NAME}.js")))?;
    let wasm = fs::read(&bound_wasm)?;
    let css = fs::read(root.join("style/main.css"))?;
    let mut hasher = Sha256::new();
    for part in [&js, &wasm, &css] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let name = format!("{OUTPUT_NAME}-{hash}");
    fs::write(pkg.join(format!("{name}.js")), &js)?;
    fs::write(pkg.join(format!("{name}_bg.wasm")), &wasm)?;
    fs::write(pkg.join(format!("{name}.css")), &css)?;
    if work.join("snippets").exists() {
        bail!("wasm-bindgen wrote JS snippets; the embedded site does not carry them yet");
    }
    site::copy_assets(root, &site_dir)?;
    // copy_assets also wrote the unhashed CSS; the embedded site uses the hashed one only.
    fs::remove_file(pkg.join(format!("{OUTPUT_NAME}.css")))?;

    // 3. Precompress.
    let started = Instant::now();
    for file in files(&site_dir)? {
        if compressible(&file) {
            site::gzip_copy(&file, 9)?;
            brotli_copy(&file)?;
        }
    }
    log(&format!(
        "gzip and brotli copies made in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    // 4. The server, with the site inside.
    let started = Instant::now();
    let status = site::cargo()
        .args([
            "build",
            "--release",
            "--package",
            "server",
            "--bin",
            "orderline",
        ])
        .env("ORDERLINE_EMBED_SITE", &site_dir)
        .env("ORDERLINE_EMBED_OUTPUT_NAME", &name)
        .status()?;
    if !status.success() {
        bail!("the server build failed");
    }
    let binary = dist.join("orderline");
    fs::copy(site::server_binary(root, Profile::Release), &binary)?;
    // Symbols are most of the file; backtraces keep function names without them.
    match Command::new("strip").arg(&binary).status() {
        Ok(status) if status.success() => {}
        _ => log("strip is not available: the binary keeps its symbols"),
    }
    log(&format!(
        "server built in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let size = |path: PathBuf| fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let wasm_path = pkg.join(format!("{name}_bg.wasm"));
    log(&format!(
        "{}: {:.1} MB; wasm {} KB raw, {} KB gzip, {} KB brotli",
        binary.display(),
        size(binary.clone()) as f64 / 1_048_576.0,
        size(wasm_path.clone()) / 1024,
        size(PathBuf::from(format!("{}.gz", wasm_path.display()))) / 1024,
        size(PathBuf::from(format!("{}.br", wasm_path.display()))) / 1024,
    ));
    log("copy that one file to a server and run it (see README, Deployment)");
    Ok(())
}

/// Runs `wasm-opt -Oz` in place, installing the pinned npm `binaryen` on first use.
fn wasm_opt(root: &Path, wasm: &Path) -> Result<()> {
    let npm_dir = root.join("xtask/npm");
    let tool = npm_dir.join("node_modules/.bin/wasm-opt");
    if !tool.exists() {
        log("installing wasm-opt (npm binaryen, once)");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&npm_dir)
            .status()
            .context("npm is needed for wasm-opt (the binaryen package)")?;
        if !status.success() {
            bail!("npm ci in xtask/npm failed");
        }
    }
    let output = wasm.with_extension("opt.wasm");
    // The features rustc enables by default for wasm32-unknown-unknown.
    let status = Command::new(&tool)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-bulk-memory-opt",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&output)
        .status()
        .with_context(|| format!("running {}", tool.display()))?;
    if !status.success() {
        bail!("wasm-opt failed");
    }
    fs::rename(&output, wasm)?;
    Ok(())
}

fn brotli_copy(file: &Path) -> Result<()> {
    let data = fs::read(file)?;
    let target = PathBuf::from(format!("{}.br", file.display()));
    let mut out = fs::File::create(target)?;
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut data.as_slice(), &mut compressed, &params)?;
    out.write_all(&compressed)?;
    Ok(())
}

fn compressible(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("js" | "wasm" | "css" | "svg" | "html" | "json" | "txt")
    )
}

fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            out.extend(files(&entry.path())?);
        } else {
            out.push(entry.path());
        }
    }
    Ok(out)
}
