// The Worker's API with the server key as a Bearer credential (never in the URL).
import { currentKey } from "./session.js";

/** A non-2xx answer: `status`, `code`, `details` ([{ path, message }]) from the error body. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code ?? null;
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

/**
 * One request. `key` overrides the session's (the sign-in probe). Answers the parsed
 * body; throws ApiError on a non-2xx status.
 */
export async function request(method, path, { body, key = currentKey(), query } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  const headers = { accept: "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const get = (path, options) => request("GET", path, options);
export const put = (path, body) => request("PUT", path, { body });
export const post = (path, body) => request("POST", path, { body });

const enc = encodeURIComponent;

/** The current catalog `{ catalog, catalogVersion }`, or `null` when there is none yet. */
export async function getCatalog() {
  try {
    return await get("/v1/catalog");
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** One page of the customer registry: `{ customers, cursor }` (cursor absent on the last). */
export async function listCustomers({ prefix, cursor, limit } = {}) {
  const page = await get("/v1/customers", { query: { prefix, cursor, limit } });
  return { customers: page.customers ?? [], cursor: page.cursor ?? page.next ?? null };
}

/** Every customer id of the environment, page by page. */
export async function* allCustomerIds({ limit = 200 } = {}) {
  let cursor = null;
  do {
    const page = await listCustomers({ cursor, limit });
    for (const c of page.customers) yield c.id;
    cursor = page.cursor;
  } while (cursor);
}

export const getCustomer = (id) => get(`/v1/customers/${enc(id)}`);
export const getUsage = (id, featureId) => get(`/v1/customers/${enc(id)}/usage`, { query: { featureId } });
export const getCredits = (id) => get(`/v1/customers/${enc(id)}/credits`);
export const getAudit = ({ customerId, cursor, limit } = {}) => get("/v1/audit", { query: { customerId, cursor, limit } });
