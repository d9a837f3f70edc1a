// Sign-off: the customer signs on the technician's phone (signature_pad), with their name and a
// rating; or the technician sends a confirmation link (share sheet, copy, or a QR code to scan).
import QRCode from "qrcode";
import SignaturePad from "signature_pad";
import { ApiError, change, request } from "../../shared/api.js";
import { chargesTable, money } from "../../shared/charges.js";
import { el, field } from "../../shared/dom.js";
import { clockTime, currentLanguage, t } from "../i18n.js";
import { mayDo } from "../../shared/workflow.js";

/** The canvas at the device's pixel density, so strokes stay sharp (signature_pad's advice). */
function sizeCanvas(canvas, pad) {
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  const data = pad.toData();
  canvas.width = canvas.offsetWidth * ratio;
  canvas.height = canvas.offsetHeight * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  pad.clear();
  pad.fromData(data);
}

async function linkPanel(ctx, job, panel) {
  let link;
  try {
    await ctx.work.sync(); // the completion must reach the server before it can issue a link
    link = await change("POST", `/work-orders/${job.id}/confirmation-link`);
  } catch (error) {
    panel.replaceChildren(
      el("p", { class: "error", role: "alert" }, error instanceof ApiError ? error.message : t("linkNeedsNetwork")),
    );
    return;
  }
  const url = new URL(link.url, location.origin).href;
  const qr = await QRCode.toDataURL(url, { margin: 1, width: 240, errorCorrectionLevel: "M" });
  const copied = el("span", { role: "status" });
  const copy = async () => {
    await navigator.clipboard.writeText(url);
    copied.textContent = t("copied");
  };
  panel.replaceChildren(
    el("p", {}, t("linkReady", { time: clockTime(link.expires_at) })),
    el("img", { src: qr, alt: t("qrCode"), width: 240, height: 240, class: "qr" }),
    el("p", { class: "link" }, el("code", {}, url)),
    el(
      "div",
      { class: "row" },
      navigator.share
        ? el(
            "button",
            { type: "button", on: { click: () => navigator.share({ title: job.number, url }).catch(() => {}) } },
            t("share"),
          )
        : null,
      el("button", { type: "button", class: "secondary", on: { click: copy } }, t("copy")),
      copied,
    ),
  );
}

/** The charges to show the customer before they sign (from the server: the completion must have reached it). */
async function chargesCard(ctx, job, area) {
  let charges;
  try {
    await ctx.work.sync(); // the completion freezes the charges on the server
    charges = await request("GET", `/work-orders/${job.id}/charges`);
  } catch {
    area.replaceChildren(el("p", { class: "meta" }, t("chargesOffline")));
    return;
  }
  if (!charges.chargeable) {
    const why = ["in_warranty", "under_contract"].includes(charges.reason) ? t(`warranty_${charges.reason}`) : null;
    area.replaceChildren(el("p", {}, t("chargesNone"), why ? ` (${why})` : null));
    return;
  }
  const caption = charges.state === "final" ? t("charges") : t("chargesEstimate");
  area.replaceChildren(
    chargesTable(charges, t, currentLanguage(), caption),
    charges.unpriced_skus.length
      ? el("p", { class: "meta" }, t("chargesUnpriced", { skus: charges.unpriced_skus.join(", ") }))
      : null,
    charges.payment ? el("p", { role: "status" }, paymentText(charges)) : paymentForm(ctx, job, charges, area),
  );
}

const PAYMENT_METHODS = ["wechat_pay", "alipay", "cash", "card", "bank_transfer", "other"];

function paymentText(charges) {
  const payment = charges.payment;
  const amount = money(payment.amount, payment.currency, currentLanguage());
  return payment.kind === "paid_on_site"
    ? t("paidOnSite", { amount, method: t(`payment_${payment.method}`) })
    : t("invoicedLater", { amount });
}

/** How the customer pays: on site (method, amount, prefilled with the total) or invoiced later. */
function paymentForm(ctx, job, charges, area) {
  const method = el(
    "select",
    { id: "payment-method" },
    PAYMENT_METHODS.map((code) => el("option", { value: code }, t(`payment_${code}`))),
  );
  const amount = el("input", {
    id: "payment-amount",
    inputmode: "decimal",
    value: (charges.total / 100).toFixed(2),
  });
  const error = el("p", { class: "error", role: "alert" });
  const record = async (body) => {
    await ctx.work.record({
      kind: "payment",
      method: "POST",
      path: `/work-orders/${job.id}/payment`,
      body: { ...body, occurred_at: new Date().toISOString() },
      jobId: job.id,
      number: job.number,
      label: `payment · ${job.number}`,
    });
    const shown = {
      ...charges,
      payment: { ...body, amount: body.amount ?? charges.total, currency: charges.currency },
    };
    area.querySelector(".payment")?.replaceWith(el("p", { role: "status" }, paymentText(shown)));
  };
  const paidOnSite = () => {
    const value = Number(amount.value.replace(",", "."));
    if (!Number.isFinite(value) || value < 0) {
      error.textContent = t("paymentAmountInvalid");
      return amount.focus();
    }
    record({ kind: "paid_on_site", method: method.value, amount: Math.round(value * 100) });
  };
  return el(
    "fieldset",
    { class: "payment" },
    el("legend", {}, t("payment")),
    field("payment-method", t("paymentMethod"), method),
    field("payment-amount", t("paymentAmount", { currency: charges.currency }), amount),
    error,
    el(
      "div",
      { class: "row" },
      el("button", { type: "button", on: { click: paidOnSite } }, t("paidOnSiteButton")),
      el(
        "button",
        { type: "button", class: "secondary", on: { click: () => record({ kind: "invoiced" }) } },
        t("invoiceLaterButton"),
      ),
    ),
  );
}

export async function signoffView(ctx) {
  const job = await ctx.work.job(ctx.id);
  if (!job) return el("section", { class: "pad" }, el("p", {}, t("refused_404")), el("a", { href: "#/" }, t("back")));
  if (!mayDo("signoff", job, ctx.meta)) {
    const done = job.status === "closed" ? t("closedDone") : t(`status_${job.status}`);
    return el(
      "section",
      { class: "pad" },
      el("h2", {}, job.title),
      el("p", { role: "status" }, done),
      el("a", { href: "#/" }, t("back")),
    );
  }
  const canvas = el("canvas", { id: "signature", "aria-label": t("signature"), role: "img", class: "signature" });
  const pad = new SignaturePad(canvas, { penColor: "#101418", minWidth: 1, maxWidth: 3 });
  requestAnimationFrame(() => sizeCanvas(canvas, pad));
  const name = el("input", { id: "signer-name", autocomplete: "off", required: true });
  const rating = el(
    "select",
    { id: "rating" },
    el("option", { value: "" }, t("ratingNone")),
    [5, 4, 3, 2, 1].map((n) => el("option", { value: n }, `${"★".repeat(n)} ${n}/5`)),
  );
  const comment = el("textarea", { id: "comment", rows: 2 });
  const error = el("p", { class: "error", role: "alert" });
  const linkArea = el("div", { class: "card", "aria-live": "polite" });
  const chargesArea = el("section", { class: "card charges-card", "aria-label": t("charges"), "aria-live": "polite" });
  chargesArea.append(el("p", { class: "meta" }, t("chargesLoading")));
  chargesCard(ctx, job, chargesArea);

  const submit = async (event) => {
    event.preventDefault();
    if (!name.value.trim()) {
      error.textContent = t("required");
      return name.focus();
    }
    if (pad.isEmpty()) {
      error.textContent = t("signatureMissing");
      return;
    }
    const body = {
      signer_name: name.value.trim(),
      signature: pad.toDataURL("image/png"),
      occurred_at: new Date().toISOString(),
    };
    if (rating.value) body.rating = Number(rating.value);
    if (comment.value.trim()) body.comment = comment.value.trim();
    await ctx.work.record(
      {
        kind: "signoff",
        method: "POST",
        path: `/work-orders/${job.id}/signoff`,
        body,
        jobId: job.id,
        number: job.number,
        label: `sign-off · ${job.number}`,
      },
      (current) => ({
        ...current,
        status: "closed",
        closed_at: body.occurred_at,
        changedOffline: true,
        events: [...(current.events ?? []), { action: "close", occurred_at: body.occurred_at, pending: true }],
      }),
    );
    ctx.render();
  };
  return el(
    "form",
    { class: "detail signoff", on: { submit } },
    el("a", { href: `#/jobs/${job.id}`, class: "back" }, job.number),
    el("h2", {}, t("signoffTitle")),
    el("p", {}, job.title),
    job.resolution ? el("p", { class: "meta" }, `${t("resolution")}: ${job.resolution}`) : null,
    chargesArea,
    field("signer-name", t("signerName"), name),
    el(
      "div",
      { class: "field" },
      el("span", { class: "label", id: "signature-label" }, t("signature")),
      canvas,
      el("button", { type: "button", class: "secondary", on: { click: () => pad.clear() } }, t("clearSignature")),
    ),
    field("rating", t("rating"), rating),
    field("comment", t("comment"), comment),
    error,
    el("button", { type: "submit" }, t("signOff")),
    el(
      "button",
      { type: "button", class: "secondary", on: { click: () => linkPanel(ctx, job, linkArea) } },
      t("sendLink"),
    ),
    linkArea,
  );
}
signoffView.sticky = true; // a background refresh must not wipe a signature being drawn
