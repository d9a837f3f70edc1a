// Kinds of case (type) on the console: their names, the complaint's vocabulary, and the forms a
// complaint needs (its related job and category at intake, its closed loop when it is completed).
import { ApiError, change } from "../api.js";
import { el, field } from "../dom.js";
import { select } from "./common.js";

export const TYPES = ["repair", "installation", "maintenance", "inspection", "inquiry", "complaint"];
export const TYPE_LABEL = {
  repair: "Repair",
  installation: "Installation",
  maintenance: "Maintenance",
  inspection: "Inspection",
  inquiry: "Inquiry",
  complaint: "Complaint",
};
export const CATEGORIES = ["attitude", "quality", "delay", "price", "other"];
const CATEGORY_LABEL = { attitude: "Attitude", quality: "Quality", delay: "Delay", price: "Price", other: "Other" };

export const typeSelect = (id, value = "repair", blank = null) =>
  select(
    id,
    TYPES.map((t) => [t, TYPE_LABEL[t]]),
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
    "None",
  );
  const box = el(
    "fieldset",
    { class: "complaint", hidden: typeInput.value !== "complaint" },
    el("legend", {}, "Complaint"),
    el(
      "div",
      { class: "row" },
      field("related-work-order", "About work order (id)", related),
      field("category", "Category", category),
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
      field(`${prefix}root-cause`, "Root cause", rootCause),
      field(`${prefix}corrective-action`, "Corrective action", corrective),
      field(`${prefix}contacted-at`, "Customer contacted at", contacted),
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
      feedback.textContent = error instanceof ApiError ? error.message : "The server did not answer.";
      const fields = error instanceof ApiError ? Object.keys(error.fields ?? {}) : [];
      if (fields.length) feedback.textContent += ` (${fields.join(", ")})`;
    }
  };
  return el(
    "form",
    { class: "remote", "aria-labelledby": "remote-title", on: { submit } },
    el("h3", { id: "remote-title" }, "Resolved by phone"),
    field("remote-resolution", "What solved it", resolution),
    loop ? loop.fields : null,
    el("button", { type: "submit" }, "Mark resolved by phone"),
  );
}

/** What a job's kind adds to its screen: a remote resolution, a complaint's subject and closed loop. */
export function kindFacts(job) {
  const facts = [
    job.resolved_remotely ? el("p", { class: "flag remote" }, "Resolved by phone, nobody drove") : null,
    job.related_work_order_id
      ? el(
          "p",
          {},
          "About ",
          el("a", { href: `#/jobs/${job.related_work_order_id}` }, `job #${job.related_work_order_id}`),
        )
      : null,
    job.category ? el("p", {}, `Category: ${CATEGORY_LABEL[job.category] ?? job.category}`) : null,
    job.root_cause ? el("p", {}, el("strong", {}, "Root cause: "), job.root_cause) : null,
    job.corrective_action ? el("p", {}, el("strong", {}, "Corrective action: "), job.corrective_action) : null,
  ];
  return facts.some(Boolean) ? facts : null;
}
