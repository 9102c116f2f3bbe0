//! The Cloudflare Worker face (feature `worker`): HTTP API, Durable Object, KV.
