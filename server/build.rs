//! Embeds the site into the binary when `ORDERLINE_EMBED_SITE` names a site folder (set by
//! `cargo xtask dist`, which also sets `ORDERLINE_EMBED_OUTPUT_NAME`). Writes a table of
//! `EmbeddedFile`s (see `src/http/assets.rs`), each with its gzip and brotli copies when the folder
//! has them. Without the variable nothing is embedded and the server reads the site from disk.

#![allow(clippy::expect_used)] // a build script fails loudly: that is its error report

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(embedded_site)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=ORDERLINE_EMBED_SITE");
    println!("cargo::rerun-if-env-changed=ORDERLINE_EMBED_OUTPUT_NAME");
    let Ok(site) = std::env::var("ORDERLINE_EMBED_SITE") else {
        return;
    };
    let output_name = std::env::var("ORDERLINE_EMBED_OUTPUT_NAME")
        .expect("ORDERLINE_EMBED_OUTPUT_NAME must be set with ORDERLINE_EMBED_SITE");
    let site = PathBuf::from(site);
    let mut files = Vec::new();
    collect(&site, &mut files);
    files.sort();

    let mut code = String::new();
    let _ = writeln!(code, "pub const OUTPUT_NAME: &str = {output_name:?};");
    code.push_str("pub static FILES: &[EmbeddedFile] = &[\n");
    for file in &files {
        let name = file.to_string_lossy();
        if name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        println!("cargo::rerun-if-changed={name}");
        let relative = file.strip_prefix(&site).expect("inside the site folder");
        let url_path = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
        let bytes = std::fs::read(file).expect("readable site file");
        let immutable = relative
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(output_name.as_str()))
            && relative.starts_with("pkg");
        let variant = |ext: &str| {
            let path = PathBuf::from(format!("{name}.{ext}"));
            if path.exists() {
                println!("cargo::rerun-if-changed={}", path.display());
                format!("Some(include_bytes!({:?}))", path.display().to_string())
            } else {
                "None".to_owned()
            }
        };
        let _ = writeln!(
            code,
            "    EmbeddedFile {{ path: {url_path:?}, content_type: {:?}, etag: {:?}, immutable: {immutable}, \
             raw: include_bytes!({:?}), gzip: {}, brotli: {} }},",
            content_type(file),
            format!("\"{:016x}\"", fnv1a(&bytes)),
            file.display().to_string(),
            variant("gz"),
            variant("br"),
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_site.rs");
    std::fs::write(out, code).expect("write embedded_site.rs");
    println!("cargo::rustc-cfg=embedded_site");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the site folder of ORDERLINE_EMBED_SITE") {
        let entry = entry.expect("a readable folder entry");
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// FNV-1a: a stable fingerprint for the ETag (no dependency needed in a build script).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
