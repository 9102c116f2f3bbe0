//! The API error: one type, one JSON shape (`{ "error": { code, message, details? } }`),
//! one conversion to a response. Handlers return `ApiResult` and never build error bodies.

use serde_json::{json, Value};
use worker::{Headers, Response};

/// An HTTP error with a stable machine-readable `code`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable code (snake_case), e.g. `invalid_catalog`.
    pub code: String,
    /// Human-readable message (lowercase, no final period).
    pub message: String,
    /// Structured details, e.g. every violation of a catalog.
    pub details: Option<Value>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error without details.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            details: None,
        }
    }

    /// 400: the body is not JSON or a parameter is malformed.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(400, code, message)
    }

    /// 401: missing or bad credentials.
    pub fn unauthorized(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(401, code, message)
    }

    /// 403: valid credentials, not for this route, customer or environment.
    pub fn forbidden(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(403, code, message)
    }

    /// 404.
    pub fn not_found(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(404, code, message)
    }

    /// 404 for a customer that has never been `PUT`.
    pub fn customer_not_found(customer_id: &str) -> ApiError {
        ApiError::not_found(
            "customer_not_found",
            format!("customer `{customer_id}` does not exist in this environment"),
        )
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "internal_error", message)
    }

    /// A core error (`invalid_catalog`, `invalid_customer`, `invalid_argument`...) as a 422
    /// whose details are every violation (`[{ path, message }]`).
    pub fn from_core(err: &crate::Error) -> ApiError {
        ApiError::from_core_with_status(422, err)
    }

    /// A core error with a chosen status.
    pub fn from_core_with_status(status: u16, err: &crate::Error) -> ApiError {
        ApiError {
            status,
            code: err.code.as_str().to_string(),
            message: err.message(),
            details: serde_json::to_value(&err.violations).ok(),
        }
    }

    /// Adds details.
    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let (Some(details), Value::Object(map)) = (&self.details, &mut error) {
            map.insert("details".into(), details.clone());
        }
        json!({ "error": error })
    }

    /// The HTTP response.
    pub fn to_response(&self) -> worker::Result<Response> {
        json_response(self.status, &self.body())
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> ApiError {
        ApiError::internal(format!("runtime error: {err}"))
    }
}

impl From<worker::KvError> for ApiError {
    fn from(err: worker::KvError) -> ApiError {
        ApiError::internal(format!("kv error: {err}"))
    }
}

/// A JSON response with a status.
pub fn json_response(status: u16, value: &Value) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::from_bytes(value.to_string().into_bytes())?
        .with_status(status)
        .with_headers(headers))
}

/// A JSON response, errors mapped to 500.
pub fn json_ok(status: u16, value: &Value) -> ApiResult<Response> {
    json_response(status, value).map_err(ApiError::from)
}
