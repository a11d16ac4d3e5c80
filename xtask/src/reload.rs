//! The browser side of the dev loop: leptos' `AutoReload` script (rendered when the server runs
//! with `LEPTOS_WATCH` set) opens `ws://{host}:{reload_port}/live_reload` and reloads the page when
//! it receives `{"all": true}`. This is that socket.

use crate::log;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use tungstenite::{Message, WebSocket};

#[derive(Clone, Default)]
pub struct Reloader {
    clients: Arc<Mutex<Vec<WebSocket<TcpStream>>>>,
}

impl Reloader {
    /// Listens on `addr` in a background thread.
    pub fn start(addr: SocketAddr) -> std::io::Result<Reloader> {
        let listener = TcpListener::bind(addr)?;
        let reloader = Reloader::default();
        let clients = reloader.clients.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                match tungstenite::accept(stream) {
                    Ok(socket) => {
                        if let Ok(mut list) = clients.lock() {
                            list.push(socket);
                        }
                    }
                    Err(error) => log(&format!("reload socket: handshake failed: {error}")),
                }
            }
        });
        Ok(reloader)
    }

    /// Tells every open page to reload; drops the sockets that are gone.
    pub fn reload_all(&self) {
        let Ok(mut list) = self.clients.lock() else {
            return;
        };
        let before = list.len();
        list.retain_mut(|socket| {
            socket
                .send(Message::text(r#"{"all":true}"#))
                .and_then(|()| socket.flush())
                .is_ok()
        });
        if before > 0 {
            log(&format!("reloaded {} browser tab(s)", list.len()));
        }
    }
}
