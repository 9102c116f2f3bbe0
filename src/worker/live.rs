//! Live clients of a customer object: hibernatable WebSockets that receive the
//! snapshot (binary postcard message) at once and after every change.
//!
//! Catalog changes: a customer object registers itself in KV (`{env}/live/{customer}`,
//! see [`super::catalog_store`]) when a client connects; `PUT /v1/catalog` lists that
//! prefix and tells each registered object, which pushes a fresh snapshot, or removes
//! its registration when it has no clients left (lazy cleanup). As a backstop, an
//! object with clients checks the catalog version on an alarm (see [`catalog_watch_ms`]).

use worker::{Env, State, WebSocket};

/// Whether the object has connected clients.
pub fn has_clients(state: &State) -> bool {
    !state.get_websockets().is_empty()
}

/// Sends `bytes` to every connected client; a failing socket is closed and skipped.
pub fn broadcast(state: &State, bytes: &[u8]) {
    for ws in state.get_websockets() {
        send(&ws, bytes);
    }
}

/// Sends `bytes` to one client.
pub fn send(ws: &WebSocket, bytes: &[u8]) {
    if ws.send_with_bytes(bytes).is_err() {
        let _ = ws.close(Some(1011), Some("send failed"));
    }
}

/// Default interval of the catalog watch alarm, in seconds.
pub const CATALOG_WATCH_SECONDS: u64 = 30;

/// The catalog watch interval in ms: the `CATALOG_WATCH_SECONDS` var (1 to 3600), else 30 s.
pub fn catalog_watch_ms(env: &Env) -> i64 {
    let seconds = env
        .var("CATALOG_WATCH_SECONDS")
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .unwrap_or(CATALOG_WATCH_SECONDS);
    i64::try_from(seconds * 1000).unwrap_or(30_000)
}
