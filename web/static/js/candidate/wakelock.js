// Keeps a phone's screen on during the interview: a locked screen stops the camera on most phones.
// Best effort: the Screen Wake Lock API is missing in older browsers and WeChat's webview.

export function holdWakeLock() {
  if (!("wakeLock" in navigator)) return { release() {} };
  let sentinel = null;
  let active = true;

  const acquire = async () => {
    if (!active || document.visibilityState !== "visible") return;
    try {
      sentinel = await navigator.wakeLock.request("screen");
    } catch {
      sentinel = null; // low battery, or not allowed: nothing to do
    }
  };
  // The browser drops the lock whenever the page is hidden; take it again on return.
  const onVisibility = () => {
    if (document.visibilityState === "visible") acquire();
  };
  document.addEventListener("visibilitychange", onVisibility);
  acquire();

  return {
    release() {
      active = false;
      document.removeEventListener("visibilitychange", onVisibility);
      if (sentinel) sentinel.release().catch(() => {});
      sentinel = null;
    },
  };
}
