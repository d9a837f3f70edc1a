// Edit a work order: priority, skills, address, location and due times, sent with the version read.
// Only the fields the dispatcher changed are sent, so an edit never undoes someone else's change to
// another field; when the version is stale, what they typed stays and they can save it again.
import { ApiError, change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { LABEL, PRIORITIES, select, showErrors, when } from "./common.js";
import { t } from "./i18n.js";

const TEXT = {
  title: (job) => t("jobEdit.title", { number: job.number, title: job.title }),
  stale: (fields) =>
    fields.length ? t("jobEdit.staleFields", { fields: fields.join(t("list.comma")) }) : t("jobEdit.stale"),
  policy: (priority, respond, resolve) =>
    t("jobEdit.policy", { priority, respond: when(respond), resolve: when(resolve) }),
};
// The changed fields named in the stale-version message (catalogue keys jobEdit.field.<word>).
const FIELD_NAMES = {
  priority: "priority",
  required_skills: "skills",
  address: "address",
  lat: "latitude",
  lon: "longitude",
  response_due_at: "respondBy",
  resolve_due_at: "resolveBy",
};

const pad = (n) => String(n).padStart(2, "0");

/** An ISO time as a datetime-local value, in the browser's time zone (what the dispatcher reads). */
function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The form's values of a work order, as the inputs hold them (strings). */
function formValues(job) {
  return {
    priority: job.priority,
    required_skills: job.required_skills.join(", "),
    address: job.address ?? "",
    lat: job.location ? String(job.location.lat) : "",
    lon: job.location ? String(job.location.lon) : "",
    response_due_at: localInput(job.response_due_at),
    resolve_due_at: localInput(job.resolve_due_at),
  };
}

function inputs() {
  return {
    priority: select(
      "edit-priority",
      PRIORITIES.map((p) => [p, LABEL[p]]),
    ),
    required_skills: el("input", { id: "edit-skills", placeholder: "hvac, electrical" }),
    address: el("input", { id: "edit-address", maxlength: 500 }),
    lat: el("input", { id: "edit-lat", type: "number", step: "any", min: -90, max: 90 }),
    lon: el("input", { id: "edit-lon", type: "number", step: "any", min: -180, max: 180 }),
    response_due_at: el("input", { id: "edit-respond", type: "datetime-local" }),
    resolve_due_at: el("input", { id: "edit-resolve", type: "datetime-local" }),
  };
}

/** The PATCH body: the fields changed from `base` (the version read), and that version. */
function patchBody(form, base, version) {
  const changed = (name) => form[name].value.trim() !== base[name];
  const body = { version };
  if (changed("priority")) body.priority = form.priority.value;
  if (changed("required_skills")) {
    body.required_skills = form.required_skills.value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (changed("address")) body.address = form.address.value.trim() || null;
  if (changed("lat") || changed("lon")) body.location = { lat: Number(form.lat.value), lon: Number(form.lon.value) };
  for (const name of ["response_due_at", "resolve_due_at"]) {
    if (changed(name) && form[name].value) body[name] = new Date(form[name].value).toISOString();
  }
  return body;
}

export async function jobEditView(ctx) {
  const job = await request("GET", `/work-orders/${ctx.id}`);
  let base = formValues(job);
  let version = job.version;
  const form = inputs();
  for (const [name, input] of Object.entries(form)) input.value = base[name];
  const touched = new Set();
  for (const [name, input] of Object.entries(form)) input.addEventListener("input", () => touched.add(name));
  const policy = el("p", { class: "meta", id: "edit-policy", "aria-live": "polite" });
  form.priority.addEventListener("change", () => {
    touched.add("priority");
    const sla = ctx.meta.sla_policy[form.priority.value];
    const created = Date.parse(job.created_at);
    const dueUntouched = !touched.has("response_due_at") && !touched.has("resolve_due_at");
    policy.textContent =
      sla && dueUntouched && form.priority.value !== base.priority
        ? TEXT.policy(LABEL[form.priority.value], created + sla.respond * 60000, created + sla.resolve * 60000)
        : "";
  });
  const errors = el("div", { class: "error", role: "alert" });

  // A stale version: the fields the other person changed are refreshed where the dispatcher typed
  // nothing; what they typed stays, and the next Save applies it over the new version.
  const refresh = async () => {
    const current = await request("GET", `/work-orders/${job.id}`);
    const now = formValues(current);
    const moved = Object.keys(now).filter((name) => now[name] !== base[name]);
    for (const name of moved) if (!touched.has(name)) form[name].value = now[name];
    base = now;
    version = current.version;
    const words = [...new Set(moved.map((name) => FIELD_NAMES[name]))].map((w) => t(`jobEdit.field.${w}`));
    errors.replaceChildren(el("p", {}, TEXT.stale(words)));
  };

  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      await change("PATCH", `/work-orders/${job.id}`, patchBody(form, base, version));
      ctx.go(`#/jobs/${job.id}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await refresh().catch(() => showErrors(error, errors));
      else if (error instanceof ApiError) showErrors(error, errors);
      else errors.textContent = t("error.nothingSaved");
    }
  };
  return el(
    "form",
    { class: "intake", on: { submit }, "aria-labelledby": "edit-title" },
    el("a", { href: `#/jobs/${job.id}` }, t("jobEdit.back")),
    el("h2", { id: "edit-title" }, TEXT.title(job)),
    field("edit-priority", t("intake.priority"), form.priority),
    policy,
    field("edit-skills", t("jobEdit.skills"), form.required_skills),
    field("edit-address", t("intake.address"), form.address),
    el(
      "div",
      { class: "row" },
      field("edit-lat", t("intake.lat"), form.lat),
      field("edit-lon", t("intake.lon"), form.lon),
    ),
    el(
      "div",
      { class: "row" },
      field("edit-respond", t("jobEdit.respondBy"), form.response_due_at),
      field("edit-resolve", t("jobEdit.resolveBy"), form.resolve_due_at),
    ),
    el("p", { class: "meta" }, t("jobEdit.hint")),
    errors,
    el(
      "div",
      { class: "row" },
      el("button", { type: "submit" }, t("roster.save")),
      el("a", { href: `#/jobs/${job.id}`, class: "button secondary" }, t("roster.cancel")),
    ),
  );
}
