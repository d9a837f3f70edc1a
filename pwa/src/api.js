// The one module that talks to the API: it keeps the CSRF token of the cookie session and gives
// every change an Idempotency-Key, so that a request repeated after a lost answer applies once.

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

export async function request(method, path, body, { idempotencyKey, fetchImpl = fetch } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (method !== "GET" && idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetchImpl(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** A change to the server: always with an Idempotency-Key (a new one unless the caller replays). */
export function change(method, path, body, options = {}) {
  return request(method, path, body, { idempotencyKey: newIdempotencyKey(), ...options });
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
