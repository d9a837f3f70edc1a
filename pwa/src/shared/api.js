// The one module that talks to the API, for every front end: it keeps the CSRF token of the cookie
// session (the staff's, or the portal customer's) and gives every change an Idempotency-Key, so that a
// request repeated after a lost answer applies once. Changes made in the technician app go through the
// outbox (technician/outbox.js), which calls `send` here. The customer's pages and the console's
// polling read answers as they come (`exchange`), status codes included.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? "http_error";
    this.fields = body?.error?.fields ?? {};
  }
}

let csrfToken = null;

export function newIdempotencyKey() {
  return crypto.randomUUID();
}

/** The customer portal's session token (the staff's comes with logIn and currentUser). */
export function keepCsrfToken(token) {
  csrfToken = token;
}

async function call(method, path, { json, form, idempotencyKey, offlineSince, ifNoneMatch, fetchImpl = fetch } = {}) {
  const headers = { Accept: "application/json" };
  if (ifNoneMatch) headers["If-None-Match"] = ifNoneMatch;
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (method !== "GET" && idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (method !== "GET" && offlineSince) headers["X-Offline-Since"] = offlineSince; // see technician/outbox.js replay
  const response = await fetchImpl(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: form ?? (json === undefined ? undefined : JSON.stringify(json)),
  });
  const body = response.status === 204 || response.status === 304 ? null : await response.json().catch(() => null);
  return { response, body };
}

/** One request; resolves to {ok, status, body} whatever the status (throws only when the network fails). */
export async function exchange(method, path, options) {
  const { response, body } = await call(method, path, options);
  return { ok: response.ok, status: response.status, body };
}

/** A read that the server answers "304 Not Modified" (no body) while `etag`, that of the copy held, is
 * current: resolves to {status, body, etag} with the answer's ETag. */
export async function readIfChanged(path, etag, options = {}) {
  const { response, body } = await call("GET", path, { ...options, ifNoneMatch: etag });
  return { status: response.status, body, etag: response.headers.get("ETag") };
}

export async function request(method, path, body, { idempotencyKey, fetchImpl } = {}) {
  const result = await exchange(method, path, { json: body, idempotencyKey, fetchImpl });
  if (!result.ok) throw new ApiError(result.status, result.body);
  return result.body;
}

/** A change to the server: always with an Idempotency-Key (a new one unless the caller replays). */
export function change(method, path, body, options = {}) {
  return request(method, path, body, { idempotencyKey: newIdempotencyKey(), ...options });
}

function formOf(entry) {
  const form = new FormData();
  form.append("file", entry.photo.blob, entry.photo.name);
  if (entry.occurredAt) form.append("occurred_at", entry.occurredAt);
  for (const [name, value] of Object.entries(entry.fields ?? {})) form.append(name, value); // e.g. a forwarded photo's
  return form;
}

/**
 * Send one outbox entry with its own Idempotency-Key; resolves to {ok, status, body} and throws
 * only when the network fails. A missing or stale CSRF token (a new session, or a replay from the
 * service worker, which has none yet) is fetched and the request tried once more.
 */
export async function send(entry, { fetchImpl } = {}) {
  const attempt = () =>
    exchange(entry.method, entry.path, {
      json: entry.photo ? undefined : entry.body,
      form: entry.photo ? formOf(entry) : undefined,
      idempotencyKey: entry.key,
      offlineSince: entry.offlineSince,
      fetchImpl,
    });
  if (!csrfToken) await currentUser({ fetchImpl });
  let result = await attempt();
  if (result.status === 403 && result.body?.error?.code === "csrf_failed") {
    await currentUser({ fetchImpl });
    result = await attempt();
  }
  return result;
}

export async function logIn(email, password, options) {
  const data = await request("POST", "/auth/login", { email, password }, options);
  csrfToken = data.csrf_token;
  return data.user;
}

/** The signed-in user, or null: the session cookie survives app restarts, the token is fetched again. */
export async function currentUser(options) {
  try {
    const data = await request("GET", "/auth/me", undefined, options);
    csrfToken = data.csrf_token;
    return data.user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function logOut(options) {
  await request("POST", "/auth/logout", undefined, options);
  csrfToken = null;
}
