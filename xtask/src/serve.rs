//! The dev loop: build, run the server, and on every saved change rebuild only what the change
//! touches, restart the server and reload the browser. A failed build leaves the running server
//! as it was and waits for the next change.

use crate::log;
use crate::reload::Reloader;
use crate::site::{self, Parts, Profile};
use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The folders a change is watched in, and what a change there needs rebuilt.
const WATCHED: &[(&str, Parts)] = &[
    (
        "app",
        Parts {
            server: true,
            wasm: true,
            assets: false,
        },
    ),
    (
        "frontend",
        Parts {
            server: false,
            wasm: true,
            assets: false,
        },
    ),
    (
        "server",
        Parts {
            server: true,
            wasm: false,
            assets: false,
        },
    ),
    (
        "migration",
        Parts {
            server: true,
            wasm: false,
            assets: false,
        },
    ),
    (
        "style",
        Parts {
            server: false,
            wasm: false,
            assets: true,
        },
    ),
    (
        "public",
        Parts {
            server: false,
            wasm: false,
            assets: true,
        },
    ),
];

pub fn run(root: &Path) -> Result<()> {
    site::build(root, Profile::Dev)?;
    let site_addr: SocketAddr = std::env::var("LEPTOS_SITE_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .context("LEPTOS_SITE_ADDR must be host:port")?;
    let reload_port: u16 = std::env::var("LEPTOS_RELOAD_PORT")
        .unwrap_or_else(|_| "3001".into())
        .parse()
        .context("LEPTOS_RELOAD_PORT must be a port number")?;
    let reloader = Reloader::start(SocketAddr::new(site_addr.ip(), reload_port))
        .with_context(|| format!("cannot listen for browser reloads on port {reload_port}"))?;

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                let _ = tx.send(event.paths);
            }
        }
    })?;
    for (folder, _) in WATCHED {
        watcher.watch(&root.join(folder), RecursiveMode::Recursive)?;
    }

    let mut server = Some(start_server(root, site_addr, reload_port)?);
    log("watching app/, frontend/, server/, migration/, style/, public/ (Ctrl-C stops)");
    while let Ok(first) = rx.recv() {
        // Editors write a file in several steps: gather what arrives in the next 150 ms.
        let mut paths = first;
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(150)) {
            paths.extend(more);
        }
        let parts = parts_for(root, &paths);
        if !(parts.server || parts.wasm || parts.assets) {
            continue;
        }
        let started = Instant::now();
        log(&format!("change: {}", describe(root, &paths)));
        match site::build_parts(root, Profile::Dev, parts) {
            Ok(()) => {
                if parts.server {
                    if let Some(old) = server.take() {
                        stop(old);
                    }
                    server = Some(start_server(root, site_addr, reload_port)?);
                    wait_until_listening(site_addr);
                }
                reloader.reload_all();
                log(&format!(
                    "rebuilt and running again in {:.1} s",
                    started.elapsed().as_secs_f64()
                ));
            }
            Err(error) => log(&format!(
                "build failed, the previous server keeps running: {error:#}"
            )),
        }
        // Drop the events our own build caused (none in the watched folders, but be safe).
        while rx.try_recv().is_ok() {}
    }
    if let Some(old) = server {
        stop(old);
    }
    Ok(())
}

/// What the changed paths need rebuilt; editor temporary files are ignored.
fn parts_for(root: &Path, paths: &[PathBuf]) -> Parts {
    let mut parts = Parts::default();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let Some(top) = relative.components().next() else {
            continue;
        };
        for (folder, needs) in WATCHED {
            if top.as_os_str() == *folder {
                parts.server |= needs.server;
                parts.wasm |= needs.wasm;
                parts.assets |= needs.assets;
            }
        }
    }
    parts
}

fn describe(root: &Path, paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .filter_map(|p| p.strip_prefix(root).ok())
        .map(|p| p.display().to_string())
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

fn start_server(root: &Path, site_addr: SocketAddr, reload_port: u16) -> Result<Child> {
    let binary = site::server_binary(root, Profile::Dev);
    let mut command = Command::new(&binary);
    command
        .env("LEPTOS_SITE_ADDR", site_addr.to_string())
        .env("LEPTOS_SITE_ROOT", site::SITE_DIR)
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_OUTPUT_NAME", site::OUTPUT_NAME)
        .env("LEPTOS_RELOAD_PORT", reload_port.to_string())
        // Makes leptos' <AutoReload> render the reload script.
        .env("LEPTOS_WATCH", "true");
    command
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

/// Asks the server to stop (SIGTERM: it finishes requests in flight), then makes sure.
fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits (up to 10 s) for the new server to accept connections before the browsers reload.
fn wait_until_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
