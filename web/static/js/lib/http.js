// One fetch wrapper that never throws: callers decide retry vs. give up from a plain result object,
// which keeps the reconnect state machines readable.

const DEFAULT_TIMEOUT_MS = 20000;

/**
 * @returns {Promise<{ok: boolean, status: number, data: any, error: string|null,
 *                    networkError: boolean, retryAfter: string|null}>}
 *   status 0 and networkError true when the request never got an HTTP answer.
 */
export async function requestJson(url, { method = "GET", body, token, csrf, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const headers = { Accept: "application/json" };
  // The page's own token is the right credential for the endpoints it was given; URLs may carry it too.
  if (token) headers.Authorization = `Bearer ${token}`;
  // Admin pages authenticate with a session cookie: state changes echo its CSRF value (server/requests.py).
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";

  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    });
  } catch (err) {
    return { ok: false, status: 0, data: null, error: String(err && err.message ? err.message : err),
      networkError: true, retryAfter: null };
  } finally {
    if (timer) clearTimeout(timer);
  }

  let data = null;
  const text = await response.text().catch(() => "");
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null; // a proxy's HTML error page, for instance
    }
  }
  let error = null;
  if (!response.ok) {
    error = data && typeof data.error === "string" ? data.error : `${response.status} ${response.statusText}`.trim();
  }
  return { ok: response.ok, status: response.status, data, error, networkError: false,
    retryAfter: response.headers.get("Retry-After") };
}
