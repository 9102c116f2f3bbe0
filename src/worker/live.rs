//! Live clients of a customer object: hibernatable WebSockets that receive the snapshot
//! (binary postcard message) at once and after every change, and the rules of the
//! channel.
//!
//! - Handshake: the credential may travel in `Sec-WebSocket-Protocol` as
//!   `edge-entitlements, token.<TOKEN>`; the answer names only [`PROTOCOL`] (see
//!   [`Offered`]).
//! - At most [`MAX_CLIENTS`] sockets per customer object: one more gets 429
//!   `too_many_connections` before the upgrade.
//! - Heartbeats: a client sends [`PING`] (default every [`HEARTBEAT_SECONDS`] s); the
//!   runtime answers [`PONG`] without waking the object (auto-response). A socket whose
//!   last auto-response (or, before its first one, its connection) is older than two
//!   heartbeat intervals is closed with [`CLOSE_NO_HEARTBEAT`].
//! - A socket opened with a customer token is closed with [`CLOSE_TOKEN_EXPIRED`] at the
//!   token's expiry; server-key sockets do not expire. Each close by the server follows
//!   a text notice ([`NOTICE_TOKEN_EXPIRED`], [`NOTICE_NO_HEARTBEAT`]).
//! - Catalog changes: the environment object keeps the registry of customers with live
//!   clients; `PUT /v1/catalog` tells each registered object, which pushes a fresh
//!   snapshot or, with no clients left, unregisters itself (lazy cleanup). As a
//!   backstop, the object checks the catalog version on its alarm (see
//!   [`catalog_watch_ms`]).
//!
//! The object's alarm runs these periodic jobs ([`sweep`], the catalog watch) and is set
//! to the earliest next deadline. Times are Unix milliseconds unless named `_seconds`.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use worker::{Env, State, WebSocket};

use super::errors::{ApiError, ApiResult};
use super::ident::CustomerRef;

/// The subprotocol the Worker answers with.
pub const PROTOCOL: &str = "edge-entitlements";

/// The prefix of the subprotocol that carries a credential (`token.<TOKEN>`).
pub const TOKEN_PROTOCOL_PREFIX: &str = "token.";

/// Most live sockets of one customer object. Each socket costs the object a send per
/// change; 64 covers a customer's open tabs and devices with room to spare, while one
/// customer cannot pin thousands of sockets on one object (a Durable Object serves about
/// a thousand requests per second). Clients past the cap poll the snapshot instead.
pub const MAX_CLIENTS: usize = 64;

/// What a client sends as a heartbeat.
pub const PING: &str = "ping";

/// What the runtime answers to [`PING`].
pub const PONG: &str = "pong";

/// Default heartbeat interval of clients, in seconds (the `LIVE_HEARTBEAT_SECONDS` var
/// changes what the server expects).
pub const HEARTBEAT_SECONDS: u64 = 30;

/// Close code: the customer token the socket was opened with has expired.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;

/// Close code: no heartbeat for two intervals (a half-open or silent client).
pub const CLOSE_NO_HEARTBEAT: u16 = 4002;

/// Text message sent just before a [`CLOSE_TOKEN_EXPIRED`] close. The runtime sends the
/// close frame at once but may hold the TCP connection open until the object
/// hibernates, so a client's `close` event can lag by seconds: clients act on this.
pub const NOTICE_TOKEN_EXPIRED: &str = "token-expired";

/// Text message sent just before a [`CLOSE_NO_HEARTBEAT`] close.
pub const NOTICE_NO_HEARTBEAT: &str = "no-heartbeat";

/// Default interval of the catalog watch, in seconds.
pub const CATALOG_WATCH_SECONDS: u64 = 30;

/// What is attached to each socket (kept by the runtime across hibernation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveClient {
    /// Environment.
    pub env: String,
    /// Customer id.
    pub customer: String,
    /// Expiry of the customer token, Unix seconds; `None` for a server key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// When the socket was accepted, Unix ms.
    #[serde(default)]
    pub since_ms: i64,
    /// When the client last asked for a `refresh`, Unix ms (0: never).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refreshed_ms: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The shortest time between two `refresh` answers to one socket, in ms: each costs a
/// catalog pointer read and a snapshot build, and a token holder must not be able to
/// make the object do that in a loop. A faster `refresh` is ignored.
pub const REFRESH_EVERY_MS: i64 = 1000;

impl LiveClient {
    /// The customer of the socket.
    pub fn who(&self) -> CustomerRef {
        CustomerRef {
            env: self.env.clone(),
            customer: self.customer.clone(),
        }
    }
}

/// The subprotocols a client offered.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Offered {
    /// Whether [`PROTOCOL`] was offered (then the answer names it).
    pub protocol: bool,
    /// The credential of a `token.<TOKEN>` subprotocol.
    pub credential: Option<String>,
}

impl Offered {
    /// Reads a `Sec-WebSocket-Protocol` header (comma-separated tokens). A
    /// `token.<TOKEN>` without [`PROTOCOL`], two of them, or an empty one is 400
    /// `invalid_subprotocol`.
    pub fn parse(header: Option<&str>) -> ApiResult<Offered> {
        let mut offered = Offered::default();
        for p in header.unwrap_or("").split(',').map(str::trim) {
            if p == PROTOCOL {
                offered.protocol = true;
            } else if let Some(credential) = p.strip_prefix(TOKEN_PROTOCOL_PREFIX) {
                if credential.is_empty() || offered.credential.is_some() {
                    return Err(bad_subprotocol());
                }
                offered.credential = Some(credential.to_string());
            }
        }
        if offered.credential.is_some() && !offered.protocol {
            return Err(bad_subprotocol());
        }
        Ok(offered)
    }
}

fn bad_subprotocol() -> ApiError {
    ApiError::bad_request(
        "invalid_subprotocol",
        format!("offer the subprotocols `{PROTOCOL}` and one `{TOKEN_PROTOCOL_PREFIX}<token>`"),
    )
}

#[wasm_bindgen]
extern "C" {
    /// The runtime's `DurableObjectState`, for a method workers-rs 0.8.7 does not bind.
    #[wasm_bindgen(extends = js_sys::Object)]
    type HibernationState;

    // When the runtime last answered an auto-response request on `ws` (a `Date`, or
    // null before the first).
    #[wasm_bindgen(method, catch, js_name = getWebSocketAutoResponseTimestamp)]
    fn get_websocket_auto_response_timestamp(
        this: &HibernationState,
        ws: &worker::web_sys::WebSocket,
    ) -> Result<Option<js_sys::Date>, JsValue>;
}

/// Makes the runtime answer [`PING`] with [`PONG`] on every socket, without waking
/// the object. A failure is logged: clients then get their `pong` from
/// `websocket_message` instead.
pub fn set_auto_response(state: &State) {
    let set = worker::worker_sys::WebSocketRequestResponsePair::new(PING, PONG)
        .and_then(|pair| state.as_raw().set_websocket_auto_response(&pair));
    if set.is_err() {
        worker::console_error!("the WebSocket auto-response could not be set");
    }
}

/// When the runtime last answered a [`PING`] of `ws`, Unix ms.
pub fn last_auto_response_ms(state: &State, ws: &WebSocket) -> Option<i64> {
    state
        .as_raw()
        .unchecked_ref::<HibernationState>()
        .get_websocket_auto_response_timestamp(ws.as_ref())
        .ok()
        .flatten()
        .map(|d| d.get_time() as i64)
}

/// The object's open sockets (none when the runtime refuses to list them). A socket the
/// object closed stays listed, in the closing state, until the runtime releases it
/// (seconds later): it is no client any more, counts for no cap and gets no deadline.
pub fn sockets(state: &State) -> Vec<WebSocket> {
    state
        .as_raw()
        .get_websockets()
        .map(|v| {
            v.into_iter()
                .filter(|ws| ws.ready_state() == worker::web_sys::WebSocket::OPEN)
                .map(WebSocket::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the object has connected clients.
pub fn has_clients(state: &State) -> bool {
    !sockets(state).is_empty()
}

/// Accepts `ws` as a hibernatable socket with its attachment.
pub fn accept(state: &State, ws: &WebSocket, client: &LiveClient) -> ApiResult<()> {
    state
        .as_raw()
        .accept_websocket(ws.as_ref())
        .map_err(|_| ApiError::internal("the runtime refused the WebSocket"))?;
    ws.serialize_attachment(client)?;
    Ok(())
}

/// The attachment of `ws` (`None` for a socket without one).
pub fn client_of(ws: &WebSocket) -> Option<LiveClient> {
    ws.deserialize_attachment::<LiveClient>().ok().flatten()
}

/// Sends `bytes` to every connected client; a failing socket is closed and skipped.
pub fn broadcast(state: &State, bytes: &[u8]) {
    for ws in sockets(state) {
        send(&ws, bytes);
    }
}

/// Sends `bytes` to one client.
pub fn send(ws: &WebSocket, bytes: &[u8]) {
    if ws.send_with_bytes(bytes).is_err() {
        let _ = ws.close(Some(1011), Some("send failed"));
    }
}

/// The deadlines of one socket: `(heartbeat, token expiry)`, Unix ms.
pub fn deadlines(
    client: &LiveClient,
    last_pong_ms: Option<i64>,
    heartbeat_ms: i64,
) -> (i64, Option<i64>) {
    let seen = last_pong_ms.unwrap_or(0).max(client.since_ms);
    let expiry = client
        .exp
        .map(|s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX));
    (seen.saturating_add(2 * heartbeat_ms), expiry)
}

/// What a sweep leaves: a customer of the open sockets and their earliest deadline.
pub struct Swept {
    /// The customer of the object, from an open socket.
    pub who: Option<CustomerRef>,
    /// The earliest heartbeat or token deadline among the open sockets.
    pub next: Option<i64>,
}

/// Closes the sockets past a deadline at `now_ms` (token expiry first, then heartbeat);
/// returns what stays open.
pub fn sweep(state: &State, now_ms: i64, heartbeat_ms: i64) -> Swept {
    scan(state, Some(now_ms), heartbeat_ms)
}

/// The earliest heartbeat or token deadline among the sockets, closing none.
pub fn next_deadline(state: &State, heartbeat_ms: i64) -> Option<i64> {
    scan(state, None, heartbeat_ms).next
}

/// Sends `notice`, then closes with `code` (errors ignored: the socket may be closing).
fn close(ws: &WebSocket, notice: &str, code: u16, reason: &str) {
    let _ = ws.send_with_str(notice);
    let _ = ws.close(Some(code), Some(reason));
}

fn scan(state: &State, close_at: Option<i64>, heartbeat_ms: i64) -> Swept {
    let mut swept = Swept {
        who: None,
        next: None,
    };
    for ws in sockets(state) {
        let Some(client) = client_of(&ws) else {
            continue;
        };
        let (heartbeat, expiry) =
            deadlines(&client, last_auto_response_ms(state, &ws), heartbeat_ms);
        if let Some(now) = close_at {
            if expiry.is_some_and(|e| e <= now) {
                close(
                    &ws,
                    NOTICE_TOKEN_EXPIRED,
                    CLOSE_TOKEN_EXPIRED,
                    "token expired",
                );
                continue;
            }
            if heartbeat <= now {
                close(&ws, NOTICE_NO_HEARTBEAT, CLOSE_NO_HEARTBEAT, "no heartbeat");
                continue;
            }
        }
        let earliest = expiry.map_or(heartbeat, |e| e.min(heartbeat));
        swept.next = Some(swept.next.map_or(earliest, |n| n.min(earliest)));
        if swept.who.is_none() {
            swept.who = Some(client.who());
        }
    }
    swept
}

fn seconds_var(env: &Env, name: &str, default: u64) -> i64 {
    let seconds = env
        .var(name)
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .unwrap_or(default);
    i64::try_from(seconds * 1000).unwrap_or(30_000)
}

/// The catalog watch interval in ms: the `CATALOG_WATCH_SECONDS` var (1 to 3600), else 30 s.
pub fn catalog_watch_ms(env: &Env) -> i64 {
    seconds_var(env, "CATALOG_WATCH_SECONDS", CATALOG_WATCH_SECONDS)
}

/// The clients' heartbeat interval in ms: the `LIVE_HEARTBEAT_SECONDS` var (1 to 3600),
/// else 30 s. A socket silent for twice this long is closed.
pub fn heartbeat_ms(env: &Env) -> i64 {
    seconds_var(env, "LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocols() {
        assert_eq!(Offered::parse(None).unwrap(), Offered::default());
        let o = Offered::parse(Some("edge-entitlements, token.eet1.abc.def")).unwrap();
        assert!(o.protocol);
        assert_eq!(o.credential.as_deref(), Some("eet1.abc.def"));
        let plain = Offered::parse(Some("edge-entitlements")).unwrap();
        assert!(plain.protocol && plain.credential.is_none());
        for bad in [
            "token.eet1.a.b",
            "edge-entitlements, token.",
            "edge-entitlements, token.a, token.b",
        ] {
            let e = Offered::parse(Some(bad)).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (400, "invalid_subprotocol"));
        }
    }

    #[test]
    fn deadlines_follow_pongs_and_expiry() {
        let c = LiveClient {
            env: "e".into(),
            customer: "c".into(),
            exp: Some(100),
            since_ms: 10_000,
            refreshed_ms: 0,
        };
        assert_eq!(deadlines(&c, None, 1000), (12_000, Some(100_000)));
        assert_eq!(deadlines(&c, Some(50_000), 1000), (52_000, Some(100_000)));
        let server = LiveClient { exp: None, ..c };
        assert_eq!(deadlines(&server, Some(5), 1000).1, None);
    }

    #[test]
    fn old_attachments_still_read() {
        let old: LiveClient = serde_json::from_str(r#"{"env":"e","customer":"c"}"#).unwrap();
        assert_eq!((old.exp, old.since_ms), (None, 0));
    }
}
