// `EntitlementsClient.connect()`: keeps a client's snapshot current from the Worker.
//
// 1. Answers at once from the last snapshot persisted (localStorage when present), so a
//    reload answers before the network does.
// 2. Fetches the snapshot (`GET /v1/customers/{id}/snapshot`, If-None-Match).
// 3. Follows the live WebSocket (`GET /v1/customers/{id}/live`): every binary message is
//    a snapshot, applied as it comes. The token travels in the subprotocols
//    (`edge-entitlements`, `token.<TOKEN>`), never in the URL. Every
//    `heartbeatIntervalMs` (30 s) it sends `ping`; with no answer within
//    `heartbeatTimeoutMs` (10 s) the socket counts as dead (half-open) and is replaced.
// 4. While disconnected: keeps answering from the last snapshot (trials, promotions and
//    usage periods still roll over locally), reconnects with exponential backoff and
//    jitter, and polls the snapshot endpoint with If-None-Match meanwhile. That is also
//    what a refused upgrade leads to (429 when the customer has too many connections:
//    browsers do not show a refused upgrade's status). When the Worker closes the socket
//    because the token expired (text `token-expired`, then close code 4001), it asks the
//    token function for a fresh token and reconnects at once.
//
// This module imports nothing; the package entry attaches it as a static method.

const PREFIX = "edge-entitlements:snapshot:";

/** The subprotocol the Worker answers with; the token rides in a second one. */
const PROTOCOL = "edge-entitlements";
/** Close code of a socket whose token expired. */
const CLOSE_TOKEN_EXPIRED = 4001;
/**
 * Text messages the Worker sends just before it closes a socket (4001, 4002): the close
 * frame comes at once, but the runtime may keep the connection open for seconds after it,
 * delaying the `close` event, so the client acts on these.
 */
const NOTICE_TOKEN_EXPIRED = "token-expired";
const NOTICE_NO_HEARTBEAT = "no-heartbeat";
/** A token fits in a subprotocol when it is an RFC 7230 token (customer tokens always are). */
const SUBPROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function defaultStorage() {
  try {
    const s = globalThis.localStorage;
    if (s && typeof s.getItem === "function") {
      return s;
    }
  } catch {
    // Access to localStorage can throw (privacy modes, sandboxed frames).
  }
  return null;
}

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    out[i] = s.charCodeAt(i);
  }
  return out;
}

/**
 * Connects a new client of class `Client` to the Worker at `options.url`.
 * Resolves once the persisted or fetched snapshot is applied, or, when neither is
 * available yet (the Worker is unreachable), with a client answering fallbacks that
 * keeps trying. Rejects on 401/403 (a wrong token is a configuration error).
 */
export async function connectLive(Client, options) {
  const {
    url,
    customerId,
    token,
    entitlementsFallback,
    now,
    WebSocket: WS = globalThis.WebSocket,
    fetch: doFetch = globalThis.fetch?.bind(globalThis),
    storage = defaultStorage(),
    pollIntervalMs = 30_000,
    minBackoffMs = 250,
    maxBackoffMs = 30_000,
    heartbeatIntervalMs = 30_000,
    heartbeatTimeoutMs = 10_000,
    onStatus,
  } = options ?? {};
  if (typeof url !== "string" || typeof customerId !== "string" || customerId === "") {
    throw new TypeError("connect needs { url, customerId, token }");
  }
  if (typeof doFetch !== "function") {
    throw new TypeError("connect needs fetch (pass options.fetch in this runtime)");
  }
  const base = url.replace(/\/+$/, "");
  const path = `/v1/customers/${encodeURIComponent(customerId)}`;
  const key = `${PREFIX}${base}${path}`;
  const client = new Client({ entitlementsFallback, now });

  let etag = null;
  let socket = null;
  let closed = false;
  let paused = false;
  let attempt = 0;
  let reconnectTimer = null;
  let pollTimer = null;
  let heartbeatTimer = null;
  let silenceTimer = null;
  let status = "connecting";

  const setStatus = (next) => {
    if (next !== status) {
      status = next;
      if (typeof onStatus === "function") {
        try {
          onStatus(next);
        } catch (e) {
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    }
  };

  // The Worker's ETag is the snapshot version in quotes (`"42"`), the same for the
  // binary and JSON forms, so the version held gives the If-None-Match to send.
  const apply = (bytes) => {
    try {
      const applied = client.applySnapshot(bytes);
      if (applied && storage) {
        try {
          storage.setItem(key, toBase64(bytes));
        } catch {
          // Full or unavailable storage only costs the offline start.
        }
      }
      const version = client.snapshotInfo?.version;
      etag = version === undefined ? null : `"${version}"`;
      return applied;
    } catch {
      // Corrupt bytes are ignored: the snapshot held stays in force.
      return false;
    }
  };

  // 1. The persisted snapshot, if any.
  if (storage) {
    try {
      const saved = storage.getItem(key);
      if (saved) {
        apply(fromBase64(saved));
      }
    } catch {
      // A damaged entry is as good as none.
    }
  }

  // The token: a string, or a function returning one (or a promise of one), called
  // before each request and reconnect so that an expiring token can be renewed.
  const currentToken = async () => (typeof token === "function" ? await token() : token);

  // 2. The snapshot over HTTP. Returns true on 200/304, false on network or 5xx errors.
  const fetchSnapshot = async (initial = false) => {
    const headers = { Accept: "application/octet-stream" };
    let t;
    try {
      t = await currentToken();
    } catch {
      return false;
    }
    if (t) {
      headers.Authorization = `Bearer ${t}`;
    }
    if (etag && client.snapshotInfo) {
      headers["If-None-Match"] = etag;
    }
    let res;
    try {
      res = await doFetch(`${base}${path}/snapshot`, { headers, cache: "no-store" });
    } catch {
      return false;
    }
    if (closed || (paused && !initial)) {
      // Cut or closed while the request was in flight: what it brings is not wanted.
      return true;
    }
    if (res.status === 304) {
      return true;
    }
    if (res.status === 401 || res.status === 403) {
      const err = new Error(`edge-entitlements: the Worker refused the token (${res.status})`);
      err.status = res.status;
      throw err;
    }
    if (!res.ok) {
      return false;
    }
    let body;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch {
      return false;
    }
    if (!closed && !(paused && !initial)) {
      apply(body);
    }
    return true;
  };

  const stopPolling = () => {
    if (pollTimer !== null) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  };
  const startPolling = () => {
    if (pollTimer === null && !closed && !paused) {
      pollTimer = setInterval(() => {
        fetchSnapshot().catch(() => {});
      }, pollIntervalMs);
    }
  };

  const scheduleReconnect = (now = false) => {
    if (closed || paused || reconnectTimer !== null) {
      return;
    }
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** attempt);
    const delay = now ? 0 : ceiling / 2 + Math.random() * (ceiling / 2);
    attempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      openSocket();
    }, delay);
  };

  // 3. The live stream.
  const openSocket = () => {
    if (closed || paused) {
      return;
    }
    if (typeof WS !== "function") {
      // No WebSocket in this runtime: polling only.
      setStatus("reconnecting");
      startPolling();
      return;
    }
    currentToken().then(openSocketWith, () => {
      setStatus("reconnecting");
      startPolling();
      scheduleReconnect();
    });
  };
  // Heartbeats: a `ping` every interval; any message (the `pong`, a snapshot) within
  // the timeout proves the socket alive.
  const stopHeartbeat = () => {
    if (heartbeatTimer !== null) {
      clearInterval(heartbeatTimer);
      heartbeatTimer = null;
    }
    if (silenceTimer !== null) {
      clearTimeout(silenceTimer);
      silenceTimer = null;
    }
  };
  const startHeartbeat = (ws) => {
    stopHeartbeat();
    heartbeatTimer = setInterval(() => {
      if (socket !== ws) return;
      try {
        ws.send("ping");
      } catch {
        lost(ws, false);
        return;
      }
      if (silenceTimer === null) {
        silenceTimer = setTimeout(() => {
          silenceTimer = null;
          if (socket === ws) lost(ws, false); // half-open: no answer
        }, heartbeatTimeoutMs);
      }
    }, heartbeatIntervalMs);
  };

  // The socket `ws` is gone (closed by either side, or found dead): follow by polling
  // and reconnect, at once when the token expired (`renew`), else with backoff.
  const lost = (ws, renew) => {
    if (socket !== ws) {
      return; // cut on purpose, or replaced by a newer socket
    }
    socket = null;
    stopHeartbeat();
    try {
      ws.close();
    } catch {
      // Already closing.
    }
    if (!closed && !paused) {
      setStatus("reconnecting");
      startPolling();
      // A fresh copy right away: changes may have happened while the socket was down.
      fetchSnapshot().catch(() => {});
      scheduleReconnect(renew && typeof token === "function");
    }
  };

  const openSocketWith = (t) => {
    if (closed || paused) {
      return;
    }
    // The token goes in the subprotocols, never the URL (URLs end up in logs). A
    // credential that cannot travel there (not a customer token) is not sent over the
    // WebSocket at all: the client follows by polling, which sends it in a header.
    if (t && !SUBPROTOCOL_TOKEN.test(t)) {
      setStatus("reconnecting");
      startPolling();
      return;
    }
    const protocols = t ? [PROTOCOL, `token.${t}`] : [PROTOCOL];
    const wsUrl = `${base.replace(/^http/, "ws")}${path}/live`;
    let ws;
    try {
      ws = new WS(wsUrl, protocols);
    } catch {
      setStatus("reconnecting");
      startPolling();
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (socket !== ws) return;
      stopPolling();
      setStatus("live");
      startHeartbeat(ws);
    };
    ws.onmessage = (event) => {
      if (socket !== ws) return; // a socket cut by disconnect()/close()
      if (silenceTimer !== null) {
        clearTimeout(silenceTimer);
        silenceTimer = null;
      }
      const data = event.data;
      if (typeof data === "string") {
        if (data === NOTICE_TOKEN_EXPIRED || data === NOTICE_NO_HEARTBEAT) {
          lost(ws, data === NOTICE_TOKEN_EXPIRED);
        }
        return; // otherwise `pong`
      }
      // The backoff starts over only once the Worker has really answered (a socket that
      // opens and closes at once keeps backing off).
      attempt = 0;
      if (data instanceof ArrayBuffer) {
        apply(new Uint8Array(data));
      } else if (ArrayBuffer.isView(data)) {
        apply(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } else if (data && typeof data.arrayBuffer === "function") {
        // A Blob, where binaryType was not honoured.
        data.arrayBuffer().then(
          (buf) => socket === ws && apply(new Uint8Array(buf)),
          () => {},
        );
      }
    };
    ws.onclose = (event) => {
      // `lost` ignores a socket already given up on a notice.
      lost(ws, event?.code === CLOSE_TOKEN_EXPIRED);
    };
    ws.onerror = () => {
      // onclose follows and does the work.
    };
  };

  const hadSnapshot = await fetchSnapshot(true);
  if (!hadSnapshot) {
    setStatus("reconnecting");
  }
  openSocket();

  const stopAll = () => {
    stopPolling();
    stopHeartbeat();
    if (reconnectTimer !== null) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    if (socket) {
      const ws = socket;
      socket = null;
      try {
        ws.close();
      } catch {
        // Already closing.
      }
    }
  };

  Object.defineProperties(client, {
    /** `"connecting"`, `"live"`, `"reconnecting"`, `"offline"` (paused) or `"closed"`. */
    connectionStatus: { get: () => status, enumerable: true },
    /** Stops following the Worker for good. */
    close: {
      value() {
        closed = true;
        stopAll();
        setStatus("closed");
      },
    },
    /** Cuts the connection on purpose (answers go on from the snapshot held). */
    disconnect: {
      value() {
        if (closed) return;
        paused = true;
        stopAll();
        setStatus("offline");
      },
    },
    /** Follows the Worker again after `disconnect()`. */
    reconnect: {
      value() {
        if (closed || !paused) return;
        paused = false;
        attempt = 0;
        setStatus("connecting");
        fetchSnapshot().catch(() => {});
        openSocket();
      },
    },
  });
  return client;
}
