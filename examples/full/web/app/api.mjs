// The app's only way to the server: the public HTTP API at /api/v1, signed in by the
// HttpOnly session cookie the sign-in sets. The app keeps no token: it drops the one the
// sign-in's answer also carries (for clients that are not browsers).

/** A problem the API answered with (RFC 9457), or a network failure. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "unknown";
    this.fields = problem.errors || [];
  }
}

/** Calls the API: `body` is sent as JSON; resolves to the JSON answer (null for 204). */
export function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return send(path, init);
}

/** Sends a file as the raw body of a `POST` (media and assignment uploads), typed as the
 *  browser knows it. */
export function upload(path, file) {
  const type = file.type || "application/octet-stream";
  const init = {
    method: "POST",
    credentials: "same-origin",
    headers: { accept: "application/json", "content-type": type },
    body: file,
  };
  return send(path, init);
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (e) {
    throw new ApiError(0, { detail: "The server cannot be reached. Check your connection and try again." });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json || {});
  return json;
}

/** The app's settings the server gives: the default org's slug. */
export async function settings() {
  const response = await fetch("/app-settings.json", { credentials: "same-origin" });
  return response.json();
}

/** An amount typed in major units ("49.90") in minor units (4990). */
export function minorUnits(typed) {
  return Math.round(Number(typed) * 100);
}

/** Money in minor units as the reader's locale writes it. */
export function price(p) {
  if (!p) return "Free";
  return new Intl.NumberFormat(undefined, { style: "currency", currency: p.currency.toUpperCase() })
    .format(p.amount / 100);
}
