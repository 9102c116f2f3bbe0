//! Request bodies: the size limit (413), JSON syntax (400) and shape (422).

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::Request;

use super::errors::{ApiError, ApiResult};

/// The largest request body accepted, in bytes (1 MiB). Larger bodies get 413 before
/// anything is parsed or stored. A catalog of a few thousand entitlements fits easily;
/// a Durable Object storage value is capped at 2 MiB anyway.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Past the limit the rest of the body is still read (and discarded) up to this many
/// bytes, so that the client receives its 413 instead of a reset connection.
const DRAIN_LIMIT_BYTES: usize = 32 * 1024 * 1024;

/// Reads the body as UTF-8 text, refusing more than [`MAX_BODY_BYTES`] (413).
pub async fn read_text(req: &mut Request) -> ApiResult<String> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    if let Ok(mut stream) = req.stream() {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            seen += chunk.len();
            if seen <= MAX_BODY_BYTES {
                bytes.extend_from_slice(&chunk);
            } else if seen > DRAIN_LIMIT_BYTES {
                break;
            }
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("malformed_json", "request body is not valid UTF-8"))
}

fn too_large() -> ApiError {
    ApiError::new(
        413,
        "body_too_large",
        format!("request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// 400 unless `text` is well-formed JSON (of any shape).
pub fn check_syntax(text: &str) -> ApiResult<()> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| {
            ApiError::bad_request(
                "malformed_json",
                format!("request body is not valid JSON: {e}"),
            )
        })
}

/// Parses `text` into `T`: 400 when it is not JSON, 422 `invalid_request` (with the
/// path of the offending field) when it does not have the expected shape.
pub fn parse<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    check_syntax(text)?;
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let mut message = e.into_inner().to_string();
        if let Some(at) = message.rfind(" at line ") {
            message.truncate(at);
        }
        invalid_request(&path, &message)
    })
}

/// 422 `invalid_request` with one violation.
pub fn invalid_request(path: &str, message: &str) -> ApiError {
    ApiError::new(422, "invalid_request", message.to_string())
        .with_details(serde_json::json!([{ "path": path, "message": message }]))
}

/// Reads and parses a JSON body (size limit, syntax, shape).
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let text = read_text(req).await?;
    parse(&text)
}
