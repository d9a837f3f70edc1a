// Kinds of case (type) on the console: their names, the complaint's vocabulary, and the forms a
// complaint needs (its related job and category at intake, its closed loop when it is completed).
import { ApiError, change } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { select } from "./common.js";
import { labels, t } from "./i18n.js";

export const TYPES = ["repair", "installation", "maintenance", "inspection", "inquiry", "complaint"];
export const TYPE_LABEL = labels("type.", TYPES);
export const CATEGORIES = ["attitude", "quality", "delay", "price", "other"];
const CATEGORY_LABEL = labels("category.", CATEGORIES);

export const typeSelect = (id, value = "repair", blank = null) =>
  select(
    id,
    TYPES.map((type) => [type, TYPE_LABEL[type]]),
    value,
    blank,
  );

/** The SLA policy a new job of `type` and `priority` gets: its type's own (a complaint's), else its priority's. */
export const slaFor = (meta, type, priority) => meta.sla_policy?.types?.[type] ?? meta.sla_policy?.[priority];

/** Intake's complaint fields (the job it is about, by id, and a category), shown for complaints only. */
export function complaintIntakeFields(typeInput) {
  const related = el("input", { id: "related-work-order", type: "number", min: 1, step: 1 });
  const category = select(
    "category",
    CATEGORIES.map((c) => [c, CATEGORY_LABEL[c]]),
    "",
    t("kinds.noCategory"),
  );
  const box = el(
    "fieldset",
    { class: "complaint", hidden: typeInput.value !== "complaint" },
    el("legend", {}, t("type.complaint")),
    el(
      "div",
      { class: "row" },
      field("related-work-order", t("kinds.relatedJob"), related),
      field("category", t("kinds.category"), category),
    ),
  );
  typeInput.addEventListener("change", () => (box.hidden = typeInput.value !== "complaint"));
  return {
    box,
    body() {
      if (typeInput.value !== "complaint") return {};
      const body = {};
      if (related.value) body.related_work_order_id = Number(related.value);
      if (category.value) body.category = category.value;
      return body;
    },
  };
}

/** Completing a complaint: its root cause, corrective action and when the customer was contacted. */
export function complaintLoopFields(prefix = "") {
  const rootCause = el("textarea", { id: `${prefix}root-cause`, rows: 2, required: true });
  const corrective = el("textarea", { id: `${prefix}corrective-action`, rows: 2, required: true });
  const contacted = el("input", { id: `${prefix}contacted-at`, type: "datetime-local", required: true });
  return {
    fields: [
      field(`${prefix}root-cause`, t("kinds.rootCause"), rootCause),
      field(`${prefix}corrective-action`, t("kinds.correctiveAction"), corrective),
      field(`${prefix}contacted-at`, t("kinds.contactedAt"), contacted),
    ],
    // Left empty: null, so the server names each missing field.
    body: () => ({
      root_cause: rootCause.value.trim() || null,
      corrective_action: corrective.value.trim() || null,
      customer_contacted_at: contacted.value ? new Date(contacted.value).toISOString() : null,
    }),
  };
}

/** "Resolved by phone": the job completed without a visit (resolve_remotely), with what was done and,
 * for a complaint, its closed loop. */
export function resolveRemotelyForm(ctx, job, feedback) {
  const resolution = el("textarea", { id: "remote-resolution", rows: 2, required: true, maxlength: 10000 });
  const loop = job.type === "complaint" ? complaintLoopFields("remote-") : null;
  const submit = async (event) => {
    event.preventDefault();
    const body = { resolution: resolution.value.trim(), version: job.version, ...(loop ? loop.body() : {}) };
    try {
      await change("POST", `/work-orders/${job.id}/actions/resolve_remotely`, body);
      ctx.render();
    } catch (error) {
      feedback.textContent = error instanceof ApiError ? error.message : t("error.noAnswer");
      const fields = error instanceof ApiError ? Object.keys(error.fields ?? {}) : [];
      if (fields.length) feedback.textContent += ` (${fields.join(", ")})`;
    }
  };
  return el(
    "form",
    { class: "remote", "aria-labelledby": "remote-title", on: { submit } },
    el("h3", { id: "remote-title" }, t("kinds.remoteTitle")),
    field("remote-resolution", t("kinds.remoteResolution"), resolution),
    loop ? loop.fields : null,
    el("button", { type: "submit" }, t("kinds.remoteSubmit")),
  );
}

/** What a job's kind adds to its screen: a remote resolution, a complaint's subject and closed loop. */
export function kindFacts(job) {
  const facts = [
    job.resolved_remotely ? el("p", { class: "flag remote" }, t("kinds.resolvedRemotely")) : null,
    job.related_work_order_id
      ? el(
          "p",
          {},
          t("kinds.about"),
          el(
            "a",
            { href: `#/jobs/${job.related_work_order_id}` },
            t("kinds.jobNumber", { id: job.related_work_order_id }),
          ),
        )
      : null,
    job.category
      ? el("p", {}, t("kinds.categoryIs", { category: CATEGORY_LABEL[job.category] ?? job.category }))
      : null,
    job.root_cause ? el("p", {}, el("strong", {}, t("kinds.rootCauseIs")), job.root_cause) : null,
    job.corrective_action ? el("p", {}, el("strong", {}, t("kinds.correctiveActionIs")), job.corrective_action) : null,
  ];
  return facts.some(Boolean) ? facts : null;
}
