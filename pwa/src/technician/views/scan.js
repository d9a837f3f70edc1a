// Scan an asset's QR label with the camera: the browser's BarcodeDetector where it has one, jsQR
// (from npm) on the video's frames otherwise. A label's link opens the asset's history; the code
// can also be typed (no camera, or a torn label).
import { el, field } from "../../shared/dom.js";
import { t } from "../i18n.js";
import { labelToken } from "./asset.js";

const FRAME_MS = 150;
let active = null; // the camera stream while the scan screen is open

export function stopCamera() {
  if (!active) return;
  active.stop();
  active = null;
}

async function detector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const native = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => (await native.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // Not usable here: jsQR below.
    }
  }
  const { default: jsQR } = await import("jsqr");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height)?.data ?? null;
  };
}

async function startCamera(video, status, found) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    status.textContent = t("scanNoCamera");
    return;
  }
  let running = true;
  active = {
    stop() {
      running = false;
      stream.getTracks().forEach((track) => track.stop());
    },
  };
  video.srcObject = stream;
  await video.play().catch(() => {});
  const read = await detector();
  status.textContent = t("scanLooking");
  while (running) {
    const text = await read(video).catch(() => null);
    if (text) {
      const token = labelToken(text);
      if (token) {
        stopCamera();
        return found(token);
      }
      status.textContent = t("scanNotALabel");
    }
    await new Promise((resolve) => setTimeout(resolve, FRAME_MS));
  }
}

export async function scanView(ctx) {
  stopCamera();
  const status = el("p", { role: "status", id: "scan-status" }, t("scanStarting"));
  const video = el("video", {
    class: "scanner",
    "aria-label": t("scanCamera"),
    props: { muted: true, playsInline: true },
  });
  const open = (token) => ctx.go(`#/asset/${token}`);
  const code = el("input", { id: "scan-code", type: "text", autocomplete: "off", spellcheck: "false" });
  const typed = el(
    "form",
    {
      on: {
        submit: (event) => {
          event.preventDefault();
          const token = labelToken(code.value) ?? (code.value.trim() || null);
          if (token) {
            stopCamera();
            open(token);
          }
        },
      },
    },
    field("scan-code", t("scanTyped"), code),
    el("button", { type: "submit" }, t("scanOpen")),
  );
  startCamera(video, status, open);
  return el("main", {}, el("h2", {}, t("scanTitle")), el("p", {}, t("scanHint")), video, status, typed);
}
// The camera stays on across background redraws (a sync must not restart it).
scanView.sticky = true;
