// Changes the server refused (most often: the job was reassigned while the phone was offline).
// Each shows what it held (the note's words, the parts, the photo, the action) in the app's
// language, why it was refused, and what the technician can do with it: copy it, send it to the
// dispatcher (who sees it on the job's timeline), or delete it after saying so explicitly.
// Nothing the technician typed is lost without that explicit choice.
import { el } from "../../shared/dom.js";
import { t } from "../i18n.js";
import { dismiss } from "../outbox.js";

const LOG_KINDS = new Set(["note", "fix", "part"]);
const feedback = new Map(); // entry seq → the last word on it (copied, could not send ...)
let sentNotice = null; // "sent to the dispatcher": shown until the technician moves on
globalThis.addEventListener?.("hashchange", () => {
  sentNotice = null;
});

/** The job number of an entry (entries made before `number` was stored carry it in their label). */
export function numberOf(entry) {
  return entry.number ?? entry.label?.split(" · ")[1] ?? "";
}

/** What kind of change an entry is: note, fix, part, photo, action, signoff, or its outbox kind. */
export function changeKind(entry) {
  if (entry.kind === "log" && LOG_KINDS.has(entry.body?.kind)) return entry.body.kind;
  return entry.kind;
}

export function actionOf(entry) {
  return entry.action ?? entry.path?.match(/\/actions\/(\w+)$/)?.[1] ?? "";
}

const partLine = (p) => `${p.qty} × ${p.name} (${p.sku})`;

/** The entry's content as lines of text in the app's language (for the screen and the clipboard). */
export function contentLines(entry) {
  const body = entry.body ?? {};
  const kind = changeKind(entry);
  if (kind === "note" || kind === "fix") {
    return [body.text, body.minutes ? t("minutesShort", { count: body.minutes }) : null].filter(Boolean);
  }
  if (kind === "part") return (body.parts ?? []).map(partLine);
  if (kind === "action") {
    return [
      body.reason ? `${t("reason")}: ${body.reason}` : null,
      body.resolution ? `${t("resolution")}: ${body.resolution}` : null,
      body.first_time_fix === undefined ? null : body.first_time_fix ? t("firstTimeFix") : t("notFirstTimeFix"),
    ].filter(Boolean);
  }
  if (kind === "signoff") {
    return [
      `${t("signerName")}: ${body.signer_name}`,
      body.rating ? `${t("rating")}: ${body.rating}/5` : null,
      body.comment ? `${t("comment")}: ${body.comment}` : null,
    ].filter(Boolean);
  }
  return [];
}

/** "Note · WO-000402", "Action: Arrive · WO-000402" ... in the app's language. */
export function changeTitle(entry) {
  const kind = changeKind(entry);
  const number = numberOf(entry);
  const action = t(`action_${actionOf(entry)}`);
  const what = kind === "action" ? t("refusedKind_action", { action }) : t(`refusedKind_${kind}`);
  if (what === `refusedKind_${kind}`) return entry.label ?? kind; // a kind without words of its own
  return number ? `${what} · ${number}` : what;
}

/** Whether the dispatcher can be sent this change: it belongs to a job and carries content. */
export function forwardable(entry) {
  return entry.jobId != null && ["note", "fix", "part", "photo", "action", "signoff"].includes(changeKind(entry));
}

function refusalText(entry) {
  const { status, message } = entry.error;
  if ([404, 409, 410].includes(status)) return t(`refused_${status}`);
  if (status === 422) return t("refused_422", { message });
  return t("refused_other", { status, message });
}

function contentBlock(entry) {
  const lines = contentLines(entry);
  const blob = entry.photo?.blob;
  const thumbnail = () => el("img", { src: URL.createObjectURL(blob), alt: t("refusedPhoto"), width: 96, height: 96 });
  const photo = blob ? thumbnail() : null;
  const drawn = entry.body?.signature;
  const signature = drawn ? el("img", { src: drawn, alt: t("signature"), class: "signature-thumb" }) : null;
  if (!lines.length && !photo && !signature) return null;
  return el(
    "div",
    { class: "content" },
    lines.map((line) => el("p", {}, line)),
    photo,
    signature,
  );
}

/** Copy the change's words; where the clipboard API is missing or refused, select them instead. */
async function copyContent(entry, block) {
  const text = [changeTitle(entry), ...contentLines(entry)].join("\n");
  try {
    await navigator.clipboard.writeText(text);
    return t("copied");
  } catch {
    const selection = globalThis.getSelection?.();
    selection?.selectAllChildren(block);
    return t("copySelected");
  }
}

function dismissDialog(ctx, entry) {
  const kind = changeKind(entry);
  const lost = t(`lost_${kind}`) === `lost_${kind}` ? t("lost_other") : t(`lost_${kind}`);
  const dialog = el(
    "dialog",
    { "aria-labelledby": "dismiss-title", "aria-describedby": "dismiss-lost" },
    el(
      "form",
      { method: "dialog" },
      el("h2", { id: "dismiss-title" }, t("dismissTitle", { what: changeTitle(entry) })),
      el("p", { id: "dismiss-lost" }, lost),
      el(
        "div",
        { class: "row" },
        el("button", { value: "delete" }, t("deleteForGood")),
        el("button", { value: "keep", class: "secondary" }, t("keep")),
      ),
    ),
  );
  dialog.addEventListener("close", async () => {
    dialog.remove();
    if (dialog.returnValue !== "delete") return;
    await dismiss(ctx.db, entry.seq);
    feedback.delete(entry.seq);
    ctx.render();
  });
  document.body.append(dialog);
  dialog.showModal();
}

async function sendToDispatcher(ctx, entry) {
  feedback.set(entry.seq, t("forwarding"));
  ctx.render();
  const result = await ctx.work.forwardRefused(entry);
  if (result.ok) {
    feedback.delete(entry.seq);
    sentNotice = t("forwarded", { what: changeTitle(entry) });
  } else {
    const why = result.offline ? t("forwardOffline") : t("forwardFailed", { message: result.message ?? "" });
    feedback.set(entry.seq, why);
  }
  ctx.render();
}

const button = (label, click, attributes = {}) => el("button", { type: "button", ...attributes, on: { click } }, label);

function refusedItem(ctx, entry) {
  const block = contentBlock(entry);
  const said = feedback.get(entry.seq);
  const sending = said === t("forwarding");
  const copy = async () => {
    feedback.set(entry.seq, await copyContent(entry, block));
    await ctx.render();
    const fresh = document.querySelector(`[data-seq="${entry.seq}"] .content`);
    if (feedback.get(entry.seq) === t("copySelected") && fresh) globalThis.getSelection?.().selectAllChildren(fresh);
  };
  return el(
    "li",
    { "data-seq": entry.seq },
    el("strong", {}, changeTitle(entry)),
    block,
    el("p", { class: "meta" }, refusalText(entry)),
    said ? el("p", { role: "status" }, said) : null,
    el(
      "div",
      { class: "row" },
      forwardable(entry)
        ? button(t("sendToDispatcher"), () => sendToDispatcher(ctx, entry), { disabled: sending })
        : null,
      contentLines(entry).length ? button(t("copyText"), copy, { class: "secondary" }) : null,
      button(t("dismiss"), () => dismissDialog(ctx, entry), { class: "secondary" }),
    ),
  );
}

/** The panel under the sync bar, or null when nothing was refused (and nothing was just sent). */
export async function refusedPanel(ctx) {
  const refused = (await ctx.work.outbox()).filter((e) => e.state === "refused");
  if (!refused.length) return sentNotice ? el("p", { class: "sent", role: "status" }, sentNotice) : null;
  return el(
    "section",
    { class: "refused", role: "alert", "aria-labelledby": "refused-title" },
    el("h2", { id: "refused-title" }, t("refusedTitle")),
    sentNotice ? el("p", { class: "sent", role: "status" }, sentNotice) : null,
    el(
      "ul",
      {},
      refused.map((entry) => refusedItem(ctx, entry)),
    ),
  );
}
