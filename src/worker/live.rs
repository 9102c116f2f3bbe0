//! Live clients of a customer object: hibernatable WebSockets that receive the
//! snapshot (binary postcard message) at once and after every change.
//!
//! Catalog changes: a customer object registers itself in KV (`{env}/live/{customer}`,
//! see [`super::catalog_store`]) when a client connects; `PUT /v1/catalog` lists that
//! prefix and tells each registered object, which pushes a fresh snapshot, or removes
//! its registration when it has no clients left (lazy cleanup).

use worker::{State, WebSocket};

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
