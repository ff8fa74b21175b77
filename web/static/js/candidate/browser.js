// Which browser the candidate is in, from its user agent: the advice differs (WeChat and WeCom's in-app browsers
// on iPhone have no camera API; desktop browsers do).

export function identifyBrowser(ua = navigator.userAgent || "") {
  const ios = /iPhone|iPad|iPod/i.test(ua) || (/Macintosh/i.test(ua) && navigator.maxTouchPoints > 1);
  const android = /Android/i.test(ua);
  let name = "other";
  if (/wxwork/i.test(ua)) name = "wecom";
  else if (/MicroMessenger/i.test(ua)) name = "wechat";
  else if (/EdgA?\//.test(ua)) name = "edge";
  else if (/Firefox\/|FxiOS/.test(ua)) name = "firefox";
  else if (/Chrome\/|CriOS/.test(ua)) name = "chrome";
  else if (/Safari\//.test(ua)) name = "safari";
  return { name, ios, android, mobile: ios || android || /Mobile/i.test(ua) };
}
