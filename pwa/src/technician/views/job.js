// Job detail: the customer, the site, the actions the status machine allows now, navigation, the
// work log (notes, parts, photos) and the timeline. Every change goes through the outbox.
import { el, field } from "../../shared/dom.js";
import { directionsUrl } from "../../shared/geo.js";
import { clockTime, currentLanguage, t } from "../i18n.js";
import { currentPosition } from "../location.js";
import { downscale } from "../../shared/photos.js";
import { allowedActions, mayDo } from "../../shared/workflow.js";
import { jobArticles } from "./articles.js";
import { countdown, distanceText } from "./common.js";

const WITH_REASON = new Set(["decline", "pause"]);
const REASONS = ["reason_parts", "reason_absent", "reason_other"];

function reasonDialog(ctx, job, action) {
  const select = el(
    "select",
    { id: `${action}-reason` },
    REASONS.map((key) => el("option", { value: t(key) }, t(key))),
  );
  const dialog = el(
    "dialog",
    { "aria-labelledby": `${action}-title` },
    el(
      "form",
      { method: "dialog" },
      el("h2", { id: `${action}-title` }, t(`action_${action}`)),
      field(`${action}-reason`, t("reason"), select),
      el(
        "div",
        { class: "row" },
        el("button", { value: "confirm" }, t("confirm")),
        el("button", { value: "cancel", class: "secondary" }, t("cancel")),
      ),
    ),
  );
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "confirm") ctx.work.act(job, action, { reason: select.value }, ctx.meta);
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
}

/** A complaint's closed loop, required to complete it (on site or by phone): every field filled in. */
function complaintLoop(prefix) {
  const rootCause = el("textarea", { id: `${prefix}root-cause`, rows: 2, required: true });
  const corrective = el("textarea", { id: `${prefix}corrective-action`, rows: 2, required: true });
  const contacted = el("input", { id: `${prefix}contacted-at`, type: "datetime-local", required: true });
  const inputs = [rootCause, corrective, contacted];
  return {
    fields: [
      field(`${prefix}root-cause`, t("rootCause"), rootCause),
      field(`${prefix}corrective-action`, t("correctiveAction"), corrective),
      field(`${prefix}contacted-at`, t("customerContactedAt"), contacted),
    ],
    empty: () => inputs.find((input) => !input.value.trim()),
    params: () => ({
      root_cause: rootCause.value.trim(),
      corrective_action: corrective.value.trim(),
      customer_contacted_at: new Date(contacted.value).toISOString(),
    }),
  };
}

function completeForm(ctx, job, action = "complete") {
  const remote = action === "resolve_remotely";
  const prefix = remote ? "remote-" : "";
  const resolution = el("textarea", { id: `${prefix}resolution`, rows: 3, required: true });
  const fixed = remote ? null : el("input", { id: "first-time-fix", type: "checkbox", checked: true });
  const loop = job.type === "complaint" ? complaintLoop(prefix) : null;
  const error = el("p", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    const missing = !resolution.value.trim() ? resolution : loop?.empty();
    if (missing) {
      error.textContent = t("required");
      missing.focus();
      return;
    }
    const params = { resolution: resolution.value.trim(), ...loop?.params() };
    if (fixed) params.first_time_fix = fixed.checked;
    resolution.value = "";
    await ctx.work.act(job, action, params, ctx.meta);
    if (!remote) ctx.go(`#/jobs/${job.id}/signoff`); // nobody to sign on this phone after a call
  };
  return el(
    "form",
    { class: "card", on: { submit } },
    remote ? el("h3", {}, t("remoteTitle")) : null,
    field(`${prefix}resolution`, t("resolution"), resolution),
    fixed ? el("label", { class: "check" }, fixed, " ", t("firstTimeFix")) : null,
    loop ? loop.fields : null,
    error,
    el("button", { type: "submit" }, t(`action_${action}`)),
  );
}

function actionButtons(ctx, job) {
  const actions = allowedActions(job, ctx.meta);
  const buttons = actions
    .filter((action) => action !== "complete" && action !== "resolve_remotely")
    .map((action) =>
      el(
        "button",
        {
          type: "button",
          class: action === "decline" ? "secondary" : null,
          on: {
            click: () =>
              WITH_REASON.has(action) ? reasonDialog(ctx, job, action) : ctx.work.act(job, action, {}, ctx.meta),
          },
        },
        t(`action_${action}`),
      ),
    );
  return el(
    "div",
    {},
    el("div", { class: "actions" }, buttons),
    actions.includes("complete") ? completeForm(ctx, job) : null,
    actions.includes("resolve_remotely") ? completeForm(ctx, job, "resolve_remotely") : null,
  );
}

function navigation(ctx, job, position) {
  if (!job.location) return null;
  return el(
    "div",
    { class: "navigate" },
    el("p", {}, distanceText(job, position, ctx.meta) ?? t("distanceUnknown")),
    el(
      "a",
      {
        role: "button",
        class: "button",
        href: directionsUrl(job.location, navigator.userAgent),
        target: "_blank",
        rel: "noopener",
      },
      t("navigate"),
    ),
  );
}

function logRecorder(ctx, job, kind, body) {
  return ctx.work.record(
    {
      kind: "log",
      method: "POST",
      path: `/work-orders/${job.id}/logs`,
      body: { ...body, kind, occurred_at: new Date().toISOString() },
      jobId: job.id,
      number: job.number,
      label: `${kind} · ${job.number}`,
    },
    (current, entry) => ({
      ...current,
      logs: [...(current.logs ?? []), { ...entry.body, pending: true }],
    }),
  );
}

function noteForm(ctx, job) {
  const text = el("textarea", { id: "note-text", rows: 3 });
  const minutes = el("input", { id: "note-minutes", type: "number", min: 0, max: 1440, inputmode: "numeric" });
  const submit = (event) => {
    event.preventDefault();
    if (!text.value.trim()) return text.focus();
    const body = { text: text.value.trim(), ...(minutes.value ? { minutes: Number(minutes.value) } : {}) };
    text.value = minutes.value = "";
    logRecorder(ctx, job, "note", body);
  };
  return el(
    "form",
    { class: "card", on: { submit } },
    field("note-text", t("note"), text),
    field("note-minutes", t("minutes"), minutes),
    el("button", { type: "submit" }, t("addNote")),
  );
}

function partForm(ctx, job) {
  const sku = el("input", { id: "part-sku", autocomplete: "off" });
  const name = el("input", { id: "part-name", autocomplete: "off" });
  const qty = el("input", { id: "part-qty", type: "number", min: 1, value: 1, inputmode: "numeric" });
  const submit = (event) => {
    event.preventDefault();
    if (!sku.value.trim() || !name.value.trim()) return (sku.value.trim() ? name : sku).focus();
    const parts = [{ sku: sku.value.trim(), name: name.value.trim(), qty: Number(qty.value) || 1 }];
    sku.value = name.value = "";
    qty.value = 1;
    logRecorder(ctx, job, "part", { parts });
  };
  return el(
    "form",
    { class: "card", on: { submit } },
    field("part-sku", t("sku"), sku),
    field("part-name", t("partName"), name),
    field("part-qty", t("quantity"), qty),
    el("button", { type: "submit" }, t("addPart")),
  );
}

function photoButton(ctx, job) {
  const error = el("p", { class: "error", role: "alert" });
  const input = el("input", {
    type: "file",
    accept: "image/*",
    capture: "environment",
    hidden: true,
    "aria-hidden": "true",
    tabindex: -1,
  });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    let blob;
    try {
      blob = await downscale(file);
    } catch {
      error.textContent = t("photoUnreadable");
      return;
    }
    const occurredAt = new Date().toISOString();
    await ctx.work.record(
      {
        kind: "photo",
        method: "POST",
        path: `/work-orders/${job.id}/attachments`,
        photo: { blob, name: "photo.jpg" },
        occurredAt,
        jobId: job.id,
        number: job.number,
        label: `photo · ${job.number}`,
      },
      (current, entry) => ({
        ...current,
        localPhotos: [...(current.localPhotos ?? []), { seq: entry.seq, blob }],
      }),
    );
  });
  return el(
    "div",
    {},
    input,
    el("button", { type: "button", on: { click: () => input.click() } }, t("addPhoto")),
    error,
  );
}

function thumbnails(job) {
  const sent = (job.attachments ?? []).map((a) =>
    el("img", { src: a.url, alt: t("photos"), loading: "lazy", width: 96, height: 96 }),
  );
  const waiting = (job.localPhotos ?? []).map((p) =>
    el("img", { src: URL.createObjectURL(p.blob), alt: t("pendingSync"), class: "pending", width: 96, height: 96 }),
  );
  if (!sent.length && !waiting.length) return null;
  return el("div", { class: "thumbs", role: "group", "aria-label": t("photos") }, sent, waiting);
}

function logList(job) {
  const logs = job.logs ?? [];
  if (!logs.length) return null;
  return el(
    "ul",
    { class: "logs", "aria-label": t("logs") },
    logs.map((log) =>
      el(
        "li",
        { class: log.pending ? "pending" : null },
        log.text ?? "",
        log.minutes ? ` (${t("minutesShort", { count: log.minutes })})` : "",
        (log.parts ?? []).map((p) => `${p.qty} × ${p.name} (${p.sku})`).join(", "),
        log.pending ? el("span", { class: "tag" }, t("pendingSync")) : null,
      ),
    ),
  );
}

function workLog(ctx, job) {
  const logging = mayDo("log", job, ctx.meta);
  const photographing = mayDo("attach", job, ctx.meta);
  if (!logging && !photographing && !(job.logs ?? []).length) return null;
  return el(
    "section",
    { "aria-labelledby": "worklog-title" },
    el("h3", { id: "worklog-title" }, t("workLog")),
    logList(job),
    logging ? [noteForm(ctx, job), partForm(ctx, job)] : null,
    thumbnails(job),
    photographing ? photoButton(ctx, job) : null,
  );
}

/** A skill's name in the app's language, from the vocabulary kept on the phone (else its code). */
function skillNames(codes, vocabulary) {
  const byCode = new Map(vocabulary.map((s) => [s.code, s]));
  const zh = currentLanguage().startsWith("zh");
  return codes.map((code) => (byCode.has(code) ? (zh ? byCode.get(code).name_zh : byCode.get(code).name_en) : code));
}

function customerCard(job, vocabulary) {
  const phone = job.customer?.phone;
  return el(
    "section",
    { class: "card" },
    el("h3", {}, t("customer")),
    el("p", {}, job.customer?.name ?? ""),
    phone
      ? el("a", { href: `tel:${phone.replace(/[^+\d]/g, "")}`, class: "button secondary" }, t("call", { phone }))
      : null,
    job.address ? el("p", {}, el("strong", {}, `${t("address")}: `), job.address) : null,
    job.description ? el("p", {}, el("strong", {}, `${t("description")}: `), job.description) : null,
    (job.required_skills ?? []).length
      ? el(
          "p",
          {},
          el("strong", {}, `${t("requiredSkills")}: `),
          skillNames(job.required_skills, vocabulary).join(", "),
        )
      : null,
  );
}

/** The job's machine: who pays (decided at intake), the 三包 repeat flag, a link to its history. */
function machineCard(job) {
  const asset = job.asset;
  if (!asset) return null;
  const repeat = job.repeat_repair ? t("repeatRepair", { count: job.earlier_repairs }) : null;
  return el(
    "section",
    { class: "card", "aria-labelledby": "machine-title" },
    el("h3", { id: "machine-title" }, t("assetTitle")),
    el("p", {}, `${asset.model} · ${asset.serial}`, asset.place ? ` · ${asset.place}` : ""),
    el("p", {}, t(`assetWarranty_${job.warranty}`)),
    repeat ? el("p", { class: "flag" }, el("strong", {}, repeat)) : null,
    el("a", { href: `#/asset/${asset.label_token}` }, t("assetHistory")),
  );
}

function earlierVisits(job) {
  const visits = job.earlier_visits ?? [];
  return el(
    "section",
    { "aria-labelledby": "visits-title" },
    el("h3", { id: "visits-title" }, t("earlierVisits")),
    visits.length
      ? el(
          "ul",
          { class: "plain" },
          visits.map((v) =>
            el(
              "li",
              {},
              `${v.number} · ${clockTime(v.created_at)} · ${v.title} · ${t(`status_${v.status}`)}`,
              v.resolution ? ` — ${v.resolution}` : "",
            ),
          ),
        )
      : el("p", { class: "meta" }, t("noEarlierVisits")),
  );
}

function timeline(job) {
  return el(
    "section",
    { "aria-labelledby": "timeline-title" },
    el("h3", { id: "timeline-title" }, t("timeline")),
    el(
      "ol",
      { class: "timeline" },
      (job.events ?? []).map((event) =>
        el(
          "li",
          { class: event.pending ? "pending" : null },
          `${clockTime(event.occurred_at)} · ${t(`event_${event.action}`)}`,
          event.actor?.name ? ` · ${event.actor.name}` : "",
          event.pending ? el("span", { class: "tag" }, t("pendingSync")) : null,
        ),
      ),
    ),
  );
}

export async function jobView(ctx) {
  const [job, position, vocabulary] = await Promise.all([
    ctx.work.job(ctx.id),
    currentPosition(ctx.db),
    ctx.work.skills(),
  ]);
  if (!job || job.mine === false)
    return el("section", { class: "pad" }, el("p", {}, t("refused_404")), el("a", { href: "#/" }, t("back")));
  const signable = mayDo("signoff", job, ctx.meta);
  return el(
    "article",
    { class: "detail" },
    el("a", { href: "#/", class: "back" }, t("back")),
    el("p", { class: "meta" }, `${job.number} · ${t(`priority_${job.priority}`)} · ${t(`status_${job.status}`)}`),
    el("h2", {}, job.title),
    countdown(job, ctx.meta),
    navigation(ctx, job, position),
    actionButtons(ctx, job),
    signable ? el("a", { href: `#/jobs/${job.id}/signoff`, role: "button", class: "button" }, t("signOff")) : null,
    customerCard(job, vocabulary),
    machineCard(job),
    await jobArticles(ctx, job),
    workLog(ctx, job),
    earlierVisits(job),
    timeline(job),
  );
}
