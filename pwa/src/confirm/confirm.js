// The customer's confirmation page at /confirm/{token}: who did the work and whom to call, what was
// done (the fix, the parts, the time), a signature, a rating, and two choices (confirm, or not
// solved); a copy of the record to keep. No login: the signed token in the address is the credential.
// Everything is served by OnSite itself (no third-party requests); text is inserted as text.
import SignaturePad from "signature_pad";
import { exchange } from "../shared/api.js";
import { chargesTable, money } from "../shared/charges.js";
import { el } from "../shared/dom.js";
import { currentLanguage, dateTime, translator } from "../shared/i18n.js";
import { receiptImage } from "./receipt.js";
import catalogues from "./strings.js";

const language = currentLanguage();
const { t } = translator(catalogues);
const when = (iso) => (iso ? dateTime(iso) : "—");
const root = document.getElementById("app");
const token = decodeURIComponent(location.pathname.split("/").pop());
const api = `/confirm/${encodeURIComponent(token)}`;
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || null;
// In the page itself (not only in the API's answer), so a used or expired link still says whom to call.
const company = { name: meta("onsite-company") ?? "OnSite", phone: meta("onsite-company-phone") };

/** "Call Cool Breeze Service: +86 21 5555 0100", the number a tel: link; nothing without a number. */
function contact() {
  if (!company.phone) return null;
  const dial = company.phone.replace(/[^\d+]/g, "");
  const call = el("a", { href: `tel:${dial}` }, company.phone);
  return el("p", { class: "contact" }, t("call", { company: company.name }), " ", call);
}

function page(...content) {
  root.replaceChildren(el("p", { class: "company" }, company.name), el("h1", {}, t("title")), ...content, contact());
}

function message(text, kind = "info") {
  page(el("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text));
}

/** A link that worked once: used, expired, or moot (the job was signed on the technician's phone). */
function gone(answer) {
  const reason = answer.body?.error?.reason;
  message(t({ expired: "expired", moot: "moot" }[reason] ?? "used"), "error");
}

function duration(minutes) {
  const hours = Math.floor(minutes / 60);
  if (!hours) return t("minutes", { minutes });
  return minutes % 60 ? t("hoursMinutes", { hours, minutes: minutes % 60 }) : t("hours", { hours });
}

/** What the customer is shown: the fix texts and the parts (the API leaves internal notes out). */
function work(order) {
  return {
    fixes: order.logs.filter((log) => log.kind === "fix" && log.text).map((log) => log.text),
    parts: order.logs.flatMap((log) => log.parts).map((p) => t("part", { qty: p.qty, name: p.name, sku: p.sku })),
  };
}

/** A heading and its list, named by it; nothing when there is nothing to list. */
function list(heading, items) {
  if (!items.length) return null;
  return [
    el("h2", {}, heading),
    el(
      "ul",
      { "aria-label": heading },
      items.map((text) => el("li", {}, text)),
    ),
  ];
}

function summary(order) {
  const { fixes, parts } = work(order);
  return el(
    "section",
    { class: "summary", "aria-label": t("summary") },
    el("p", {}, t("intro", { technician: order.technician_name ?? "", title: order.title, number: order.number })),
    el(
      "dl",
      {},
      el("dt", {}, t("arrived")),
      el("dd", {}, when(order.arrived_at)),
      el("dt", {}, t("completed")),
      el("dd", {}, when(order.completed_at)),
      order.minutes_logged ? [el("dt", {}, t("timeSpent")), el("dd", {}, duration(order.minutes_logged))] : null,
    ),
    el("h2", {}, t("resolution")),
    el("p", { class: "resolution" }, order.resolution ?? "—"),
    list(t("work"), fixes),
    list(t("parts"), parts),
    order.charges ? [el("h2", {}, t("charges")), chargesTable(order.charges, t, language, t("chargesCaption"))] : null,
  );
}

/** The charges on the receipt: one line each, then the total. */
function chargeLines(charges) {
  if (!charges) return [];
  const amount = (value) => money(value, charges.currency, language);
  const name = (line) =>
    line.kind === "callout"
      ? t("chargeCallout")
      : line.kind === "labour"
        ? t("chargeLabour", { minutes: line.quantity })
        : t("chargePart", { name: line.description, sku: line.sku, qty: line.quantity });
  return [
    { style: "heading", text: t("charges") },
    ...charges.lines.map((line) => ({ style: "text", text: `· ${name(line)}: ${amount(line.amount)}` })),
    { style: "text", text: `${t("chargeTotal")}: ${amount(charges.total)}` },
  ];
}

/** The receipt's lines: the same facts as the page, plus the customer's answer once given. */
function receiptBlocks(order, outcome) {
  const { fixes, parts } = work(order);
  const item = (text) => ({ style: "text", text: `· ${text}` });
  const section = (heading, lines) => (lines.length ? [{ style: "heading", text: heading }, ...lines.map(item)] : []);
  const answer = outcome
    ? t(outcome.accepted ? "copyConfirmed" : "copyDisputed", { name: outcome.signer, time: when(outcome.at) })
    : t("copyUnconfirmed");
  return [
    { style: "company", text: company.name },
    company.phone ? { style: "meta", text: t("call", { company: company.name }) + " " + company.phone } : null,
    { style: "title", text: `${order.number} · ${order.title}` },
    { style: "text", text: order.customer_name },
    order.address ? { style: "meta", text: order.address } : null,
    { style: "text", text: `${t("technician")}: ${order.technician_name ?? "—"}` },
    { style: "text", text: `${t("arrived")}: ${when(order.arrived_at)}` },
    { style: "text", text: `${t("completed")}: ${when(order.completed_at)}` },
    order.minutes_logged ? { style: "text", text: `${t("timeSpent")}: ${duration(order.minutes_logged)}` } : null,
    { style: "heading", text: t("resolution") },
    { style: "text", text: order.resolution ?? "—" },
    ...section(t("work"), fixes),
    ...section(t("parts"), parts),
    ...chargeLines(order.charges),
    { style: "heading", text: answer },
  ].filter(Boolean);
}

/** "Keep a copy": the record as a picture to press and hold (saves it, WeChat included), and a download. */
function keepCopy(order, outcome = null) {
  const area = el("div", { class: "copy", "aria-live": "polite" });
  const show = () => {
    const image = receiptImage(receiptBlocks(order, outcome));
    const name = `${order.number}-${outcome ? "confirmed" : "record"}.png`;
    area.replaceChildren(
      el("p", {}, t("copyHint")),
      el("img", { src: image, alt: t("copyAlt", { number: order.number }), class: "receipt" }),
      el("a", { href: image, download: name, class: "button" }, t("copyDownload")),
    );
  };
  const button = el("button", { type: "button", class: "secondary keep-button", on: { click: show } }, t("keepCopy"));
  return el("section", { class: "keep", "aria-label": t("keepCopy") }, button, area);
}

/** After the customer's answer: the thanks, and the record still there to keep. */
function answered(order, outcome) {
  const thanks = t(outcome.accepted ? "thanksConfirmed" : "thanksDisputed", { number: order.number });
  page(el("p", { class: "message", role: "status" }, thanks), keepCopy(order, outcome), summary(order));
}

function form(order, expiresAt) {
  const name = el("input", { id: "signer-name", autocomplete: "name", required: true });
  const canvas = el("canvas", { id: "signature", "aria-label": t("signature"), role: "img", class: "signature" });
  const pad = new SignaturePad(canvas, { penColor: "#101418" });
  const rating = el(
    "select",
    { id: "rating" },
    el("option", { value: "" }, t("ratingNone")),
    [5, 4, 3, 2, 1].map((n) => el("option", { value: n }, `${"★".repeat(n)} ${n}/5`)),
  );
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
      const sent = await exchange("POST", api, { json: body });
      if (sent.ok) return answered(order, { accepted, signer: body.signer_name, at: new Date().toISOString() });
      if (sent.status === 410) return gone(sent);
      if (sent.status === 404) return message(t("invalid"), "error");
      error.textContent = sent.body?.error?.message ?? t("failed");
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
  let answer;
  try {
    answer = await exchange("GET", api);
  } catch {
    return message(t("failed"), "error");
  }
  if (answer.status === 410) return gone(answer);
  if (!answer.ok) return message(t("invalid"), "error");
  const { work_order: work, expires_at: expiresAt, charges } = answer.body;
  const order = { ...work, charges };
  page(summary(order), keepCopy(order), form(order, expiresAt));
}

start();
