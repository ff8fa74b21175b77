// Retry timing shared by every reconnecting thing on these pages.

// 1 s, 2 s, 4 s … capped: a restarting server gets room to breathe, a flaky phone link is retried soon.
export function backoffMs(attempt, { baseMs = 1000, maxMs = 15000 } = {}) {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
}

// Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms, or null if absent/bad.
export function parseRetryAfter(header, now = Date.now()) {
  if (!header) return null;
  const trimmed = String(header).trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
