// Non-trickle WebRTC signalling: the server takes one offer with every candidate inside and returns one answer.

import { gettext } from "./i18n.js";
import { requestJson } from "./http.js";

// Resolves when ICE gathering completes or after capMs, whichever is first. On networks with an unreachable
// STUN/TURN server gathering can hang for tens of seconds; host candidates gathered so far are usually enough.
export function waitForIceGathering(pc, capMs = 3000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", onChange);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, capMs);
    pc.addEventListener("icegatheringstatechange", onChange);
  });
}

// createOffer → setLocalDescription → gather → POST → setRemoteDescription.
// Returns the requestJson result; `answered` tells whether the remote description was applied.
export async function negotiate(pc, url, { token, gatherCapMs = 3000 } = {}) {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await waitForIceGathering(pc, gatherCapMs);
  if (pc.signalingState === "closed") {
    return { ok: false, status: 0, data: null, error: "closed", networkError: false, retryAfter: null, answered: false };
  }
  const result = await requestJson(url, {
    method: "POST",
    token,
    body: { sdp: pc.localDescription.sdp, type: "offer" },
  });
  if (!result.ok) return { ...result, answered: false };
  const answer = result.data;
  if (!answer || typeof answer.sdp !== "string") {
    return { ...result, ok: false, error: gettext("The server's answer was not understood."), answered: false };
  }
  if (pc.signalingState === "closed") return { ...result, answered: false };
  await pc.setRemoteDescription({ type: answer.type || "answer", sdp: answer.sdp });
  return { ...result, answered: true };
}
