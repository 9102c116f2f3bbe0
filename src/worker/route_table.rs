//! The Worker's routes as data (API section 3): the router dispatches from [`ROUTES`] and
//! the OpenAPI document (`openapi.rs`) is made from it, so the document cannot describe a
//! route the router lacks, nor the router accept one the document leaves out. The demo
//! routes (`/demo/*`, development only) are not part of the API and not in the table; `/`
//! is the demo page's (the `[assets]` binding serves it, see wrangler.toml).

use super::errors::{ApiError, ApiResult};
use super::ident;

/// What a route does; the router maps each to its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `GET /v1/health`.
    Health,
    /// `HEAD /v1/health`.
    HealthHead,
    /// `GET /v1/openapi.json`.
    OpenApi,
    /// `PUT /v1/catalog`.
    PutCatalog,
    /// `GET /v1/catalog`.
    GetCatalog,
    /// `GET /v1/customers`.
    ListCustomers,
    /// `PUT /v1/customers/{id}`.
    PutCustomer,
    /// `GET /v1/customers/{id}`.
    GetCustomer,
    /// `POST /v1/customers/{id}/tokens`.
    MintToken,
    /// `GET /v1/customers/{id}/snapshot`.
    Snapshot,
    /// `GET /v1/customers/{id}/live`.
    Live,
    /// `GET /v1/customers/{id}/usage`.
    History,
    /// `GET /v1/customers/{id}/credits`.
    Credits,
    /// `POST /v1/usage`.
    PostUsage,
    /// `POST /v1/check`.
    Check,
    /// `POST /v1/credits/grants`.
    PostCreditGrant,
    /// `GET /v1/audit`.
    Audit,
    /// `GET /v1/environment`.
    Environment,
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credentials (the route holds no data).
    Anyone,
    /// A server key.
    Server,
    /// A server key or the customer's token.
    ServerOrToken,
}

/// One route: method, path template (`{id}` is a customer id) and access.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// The handler.
    pub op: Op,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// The path template, `{id}` standing for one percent-decoded segment.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The OpenAPI `operationId`.
    pub operation_id: &'static str,
}

const fn route(
    op: Op,
    method: &'static str,
    path: &'static str,
    access: Access,
    operation_id: &'static str,
) -> Route {
    Route {
        op,
        method,
        path,
        access,
        operation_id,
    }
}

/// Every route the Worker answers.
pub const ROUTES: &[Route] = &[
    route(Op::Health, "GET", "/v1/health", Access::Anyone, "health"),
    route(
        Op::HealthHead,
        "HEAD",
        "/v1/health",
        Access::Anyone,
        "healthHead",
    ),
    route(
        Op::OpenApi,
        "GET",
        "/v1/openapi.json",
        Access::Anyone,
        "openapi",
    ),
    route(
        Op::GetCatalog,
        "GET",
        "/v1/catalog",
        Access::Server,
        "getCatalog",
    ),
    route(
        Op::PutCatalog,
        "PUT",
        "/v1/catalog",
        Access::Server,
        "putCatalog",
    ),
    route(
        Op::PostUsage,
        "POST",
        "/v1/usage",
        Access::Server,
        "postUsage",
    ),
    route(Op::Check, "POST", "/v1/check", Access::Server, "check"),
    route(
        Op::PostCreditGrant,
        "POST",
        "/v1/credits/grants",
        Access::Server,
        "postCreditGrant",
    ),
    route(Op::Audit, "GET", "/v1/audit", Access::Server, "getAuditLog"),
    route(
        Op::Environment,
        "GET",
        "/v1/environment",
        Access::Server,
        "getEnvironment",
    ),
    route(
        Op::ListCustomers,
        "GET",
        "/v1/customers",
        Access::Server,
        "listCustomers",
    ),
    route(
        Op::GetCustomer,
        "GET",
        "/v1/customers/{id}",
        Access::Server,
        "getCustomer",
    ),
    route(
        Op::PutCustomer,
        "PUT",
        "/v1/customers/{id}",
        Access::Server,
        "putCustomer",
    ),
    route(
        Op::MintToken,
        "POST",
        "/v1/customers/{id}/tokens",
        Access::Server,
        "mintToken",
    ),
    route(
        Op::Snapshot,
        "GET",
        "/v1/customers/{id}/snapshot",
        Access::ServerOrToken,
        "getSnapshot",
    ),
    route(
        Op::Live,
        "GET",
        "/v1/customers/{id}/live",
        Access::ServerOrToken,
        "live",
    ),
    route(
        Op::History,
        "GET",
        "/v1/customers/{id}/usage",
        Access::Server,
        "getUsageHistory",
    ),
    route(
        Op::Credits,
        "GET",
        "/v1/customers/{id}/credits",
        Access::Server,
        "getCredits",
    ),
];

/// The template's segments, as the router splits a path.
fn template(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/')
}

/// Whether `segments` fit `path`, and the `{id}` segment when it has one.
fn fits<'a>(path: &str, segments: &[&'a str]) -> Option<Option<&'a str>> {
    let mut id = None;
    let mut n = 0;
    for (i, t) in template(path).enumerate() {
        let s = segments.get(i)?;
        if t == "{id}" {
            id = Some(*s);
        } else if t != *s {
            return None;
        }
        n = i + 1;
    }
    (n == segments.len()).then_some(id)
}

/// The route of `method` on the percent-decoded `segments`, with its customer id: 404
/// `not_found` when no template fits, 400 `invalid_customer_id` for a bad id, 405
/// `method_not_allowed` (naming the allowed methods) when the path fits another method.
pub fn resolve<'a>(segments: &[&'a str], method: &str) -> ApiResult<(Op, Option<&'a str>)> {
    let mut allowed: Vec<&str> = Vec::new();
    for r in ROUTES {
        let Some(id) = fits(r.path, segments) else {
            continue;
        };
        if let Some(id) = id {
            ident::customer_id(id)?;
        }
        if r.method == method {
            return Ok((r.op, id));
        }
        // HEAD of the health route is its own entry; only list it where it is.
        if !allowed.contains(&r.method) {
            allowed.push(r.method);
        }
    }
    if allowed.is_empty() {
        return Err(ApiError::not_found("not_found", "no such route"));
    }
    Err(ApiError::new(
        405,
        "method_not_allowed",
        format!("allowed: {}", allowed.join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<&str> {
        template(path).collect()
    }

    fn sample(path: &str) -> String {
        path.replace("{id}", "acme")
    }

    #[test]
    fn every_route_resolves_to_itself_and_no_other_method_passes() {
        for r in ROUTES {
            let path = sample(r.path);
            let (op, id) = resolve(&segments(&path), r.method).unwrap();
            assert_eq!(op, r.op, "{} {}", r.method, r.path);
            assert_eq!(id.is_some(), r.path.contains("{id}"));
            for m in ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "TRACE"] {
                let listed = ROUTES.iter().any(|o| o.path == r.path && o.method == m);
                let got = resolve(&segments(&path), m);
                match got {
                    Ok((op, _)) => assert!(listed, "{m} {path} answered {op:?}, not in ROUTES"),
                    Err(e) => {
                        assert!(!listed, "{m} {path} refused: {}", e.code);
                        assert_eq!(e.status, 405, "{m} {path}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_paths_and_bad_ids() {
        for p in [
            "/v1",
            "/v1/nope",
            "/v1/customers/a/b",
            "/v1/customers/a/usage/x",
            "/x",
        ] {
            assert_eq!(resolve(&segments(p), "GET").unwrap_err().status, 404, "{p}");
        }
        let long = "x".repeat(257);
        let e = resolve(&["v1", "customers", &long], "GET").unwrap_err();
        assert_eq!(e.code, "invalid_customer_id");
        let e = resolve(&["v1", "catalog"], "DELETE").unwrap_err();
        assert_eq!(e.message, "allowed: GET, PUT");
    }

    #[test]
    fn operation_ids_and_routes_are_unique() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert_ne!(a.operation_id, b.operation_id);
                assert!(a.op != b.op && (a.path, a.method) != (b.path, b.method));
            }
        }
    }
}
