// The customer's confirmation page at /confirm/{token}: what was done, a signature, a rating, and
// two choices (confirm, or not solved). No login: the signed token in the address is the credential.
// Everything is served by OnSite itself (no third-party requests); text is inserted as text.
import SignaturePad from "signature_pad";
import { el } from "../dom.js";
import catalogues from "./strings.js";

const language = (navigator.languages ?? []).some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
const strings = catalogues[language];
const t = (key, values = {}) => strings[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
const when = (iso) => (iso ? new Date(iso).toLocaleString(language, { dateStyle: "medium", timeStyle: "short" }) : "—");
const root = document.getElementById("app");
const token = decodeURIComponent(location.pathname.split("/").pop());
const api = `/api/v1/confirm/${encodeURIComponent(token)}`;

function message(text, kind = "info") {
  root.replaceChildren(el("h1", {}, t("title")), el("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text));
}

/** A link that worked once: used, expired, or moot (the job was signed on the technician's phone). */
async function gone(response) {
  const reason = (await response.json().catch(() => null))?.error?.reason;
  message(t({ expired: "expired", moot: "moot" }[reason] ?? "used"), "error");
}

function summary(order) {
  const parts = order.logs.flatMap((log) => log.parts);
  const notes = order.logs.filter((log) => log.text);
  return el(
    "section",
    { class: "summary" },
    el("p", {}, t("intro", { technician: order.technician_name ?? "", title: order.title, number: order.number })),
    el("dl", {}, el("dt", {}, t("arrived")), el("dd", {}, when(order.arrived_at)), el("dt", {}, t("completed")), el("dd", {}, when(order.completed_at))),
    el("h2", {}, t("resolution")),
    el("p", { class: "resolution" }, order.resolution ?? "—"),
    parts.length ? [el("h2", {}, t("parts")), el("ul", {}, parts.map((p) => el("li", {}, `${p.qty} × ${p.name} (${p.sku})`)))] : null,
    notes.length ? [el("h2", {}, t("notes")), el("ul", {}, notes.map((n) => el("li", {}, n.text)))] : null,
  );
}

function form(order, expiresAt) {
  const name = el("input", { id: "signer-name", autocomplete: "name", required: true });
  const canvas = el("canvas", { id: "signature", "aria-label": t("signature"), role: "img", class: "signature" });
  const pad = new SignaturePad(canvas, { penColor: "#101418" });
  const rating = el("select", { id: "rating" }, el("option", { value: "" }, t("ratingNone")), [5, 4, 3, 2, 1].map((n) => el("option", { value: n }, `${"★".repeat(n)} ${n}/5`)));
  const comment = el("textarea", { id: "comment", rows: 3 });
  const error = el("p", { class: "error", role: "alert" });
  pad.addEventListener("beginStroke", () => (error.textContent = "")); // signing answers "please sign"
  const buttons = [];

  const answer = async (accepted) => {
    error.textContent = "";
    if (!name.value.trim()) {
      error.textContent = t("needName");
      return name.focus();
    }
    if (accepted && pad.isEmpty()) {
      error.textContent = t("needSignature");
      return;
    }
    const body = { accepted, signer_name: name.value.trim() };
    if (!pad.isEmpty()) body.signature = pad.toDataURL("image/png");
    if (rating.value) body.rating = Number(rating.value);
    if (comment.value.trim()) body.comment = comment.value.trim();
    buttons.forEach((b) => (b.disabled = true));
    try {
      const response = await fetch(api, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
      if (response.ok) return message(t(accepted ? "thanksConfirmed" : "thanksDisputed", { number: order.number }));
      if (response.status === 410) return gone(response);
      if (response.status === 404) return message(t("invalid"), "error");
      const problem = await response.json().catch(() => null);
      error.textContent = problem?.error?.message ?? t("failed");
    } catch {
      error.textContent = t("failed");
    }
    buttons.forEach((b) => (b.disabled = false));
  };
  buttons.push(
    el("button", { type: "button", on: { click: () => answer(true) } }, t("confirm")),
    el("button", { type: "button", class: "secondary", on: { click: () => answer(false) } }, t("notSolved")),
  );
  requestAnimationFrame(() => {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
  });
  return el(
    "form",
    { on: { submit: (e) => e.preventDefault() } },
    el("label", { for: "signer-name" }, t("signerName")),
    name,
    el("span", { class: "label" }, t("signature")),
    canvas,
    el("button", { type: "button", class: "link", on: { click: () => pad.clear() } }, t("clearSignature")),
    el("label", { for: "rating" }, t("rating")),
    rating,
    el("label", { for: "comment" }, t("comment")),
    comment,
    error,
    el("div", { class: "choices" }, buttons),
    el("p", { class: "meta" }, t("expires", { time: when(expiresAt) })),
  );
}

async function start() {
  document.documentElement.lang = language;
  document.title = t("title");
  message(t("loading"));
  let response;
  try {
    response = await fetch(api, { headers: { Accept: "application/json" } });
  } catch {
    return message(t("failed"), "error");
  }
  if (response.status === 410) return gone(response);
  if (!response.ok) return message(t("invalid"), "error");
  const { work_order: order, expires_at: expiresAt } = await response.json();
  root.replaceChildren(el("h1", {}, t("title")), summary(order), form(order, expiresAt));
}

start();
