// Inviting the candidate from the dashboard: the QR code of the candidate link (drawn by the server) and the
// invitation text in the room's language, copied for a WeChat or WeCom chat.

import { requestJson } from "../lib/http.js";
import { gettext } from "../lib/i18n.js";

export function setUpInvite({ card, qr, copyButton, textEl, statusEl, qrUrl, invitationUrl, token }) {
  if (!card || !invitationUrl) return;
  qr.src = qrUrl;
  let text = "";
  requestJson(invitationUrl, { token, timeoutMs: 10000 }).then((result) => {
    if (!result.ok || !result.data) {
      statusEl.textContent = gettext("The invitation could not be loaded: %(error)s.", { error: result.error });
      return;
    }
    text = result.data.text;
    textEl.textContent = text;
    copyButton.disabled = false;
  });
  copyButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      statusEl.textContent = gettext("Copied: paste it into the WeChat or WeCom chat with the candidate.");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(textEl);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      statusEl.textContent = gettext("Select the text above and copy it.");
    }
  });
}
