// Equipment in the console: a customer's machines (on the customer's page, with a form to add one
// and a printable sheet of labels), a machine's page (its details to edit, its QR label, its
// service history and its maintenance plans, with a form for a new plan).
import { change, request } from "../shared/api.js";
import { columnHeads, el, field } from "../shared/dom.js";
import { LABEL, PRIORITIES, select, showErrors, when } from "./common.js";
import { t } from "./i18n.js";

const DAYS = ["installed_at", "purchased_at", "warranty_until", "contract_until"];
// Common rules, offered as a choice; any RFC 5545 rule can be typed instead.
export const RULES = [
  "FREQ=MONTHLY",
  "FREQ=MONTHLY;INTERVAL=3",
  "FREQ=MONTHLY;INTERVAL=6",
  "FREQ=YEARLY",
  "FREQ=WEEKLY",
];

const warrantyWords = (status) => t(`assets.warranty.${status}`);

const header = (keys) => columnHeads(keys.map((key) => t(key)));

/** The asset's fields as inputs (`prefix` keeps the ids of two forms on one page apart). */
function assetFields(prefix, asset = {}) {
  const input = (name, attributes = {}) =>
    el("input", { id: `${prefix}-${name}`, name, value: asset[name] ?? "", ...attributes });
  const inputs = {
    model: input("model", { required: true, maxlength: 100 }),
    serial: input("serial", { required: true, maxlength: 100 }),
    place: input("place", { maxlength: 200 }),
    notes: el("textarea", { id: `${prefix}-notes`, name: "notes", maxlength: 2000 }, asset.notes ?? ""),
  };
  for (const name of DAYS) inputs[name] = input(name, { type: "date" });
  const fields = ["model", "serial", ...DAYS, "place", "notes"].map((name) =>
    field(`${prefix}-${name}`, t(`assets.field.${name}`), inputs[name]),
  );
  const body = () => {
    const values = {
      model: inputs.model.value.trim(),
      serial: inputs.serial.value.trim(),
      place: inputs.place.value.trim() || null,
      notes: inputs.notes.value.trim() || null,
    };
    for (const name of DAYS) values[name] = inputs[name].value || null;
    return values;
  };
  return { fields, body };
}

function assetRow(asset) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/assets/${asset.id}` }, `${asset.model} · ${asset.serial}`)),
    el("td", {}, asset.place ?? t("none")),
    el("td", {}, warrantyWords(asset.warranty_today)),
    el("td", {}, asset.warranty_until ?? t("none")),
    el("td", {}, asset.contract_until ?? t("none")),
  );
}

/** The customer's machines, on the customer's page. */
export async function assetsPanel(ctx, customer) {
  const page = await request("GET", `/assets?customer_id=${customer.id}&per_page=200`);
  return el(
    "section",
    { "aria-labelledby": "customer-assets" },
    el("h3", { id: "customer-assets" }, t("assets.title", { count: page.total })),
    page.items.length
      ? el(
          "table",
          { "aria-label": t("assets.list") },
          header([
            "assets.column.machine",
            "assets.column.place",
            "assets.column.today",
            "assets.field.warranty_until",
            "assets.field.contract_until",
          ]),
          el("tbody", {}, page.items.map(assetRow)),
        )
      : el("p", {}, t("assets.none")),
    el(
      "p",
      {},
      el("a", { href: `#/new-asset?customer=${customer.id}`, class: "button", role: "button" }, t("assets.add")),
      " ",
      page.items.length
        ? el("a", { href: `/api/v1/customers/${customer.id}/labels`, target: "_blank" }, t("assets.printLabels"))
        : null,
    ),
  );
}

/** A new machine for a customer (its own screen: live updates never redraw a form being typed). */
export async function newAssetView(ctx) {
  const customer = await request("GET", `/customers/${Number(ctx.params.get("customer"))}`);
  const form = assetFields("new-asset");
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    try {
      const asset = await change("POST", `/customers/${customer.id}/assets`, form.body());
      ctx.go(`#/assets/${asset.id}`);
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "article",
    { class: "job" },
    el("p", {}, el("a", { href: `#/customers/${customer.id}` }, `← ${customer.name}`)),
    el(
      "form",
      { "aria-labelledby": "new-asset-title", on: { submit } },
      el("h2", { id: "new-asset-title" }, t("assets.addFor", { name: customer.name })),
      form.fields,
      feedback,
      el("button", { type: "submit" }, t("assets.addButton")),
    ),
  );
}

function historyRow(job) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/jobs/${job.id}` }, job.number)),
    el("td", {}, job.title),
    el("td", {}, LABEL[job.status] ?? job.status),
    el("td", {}, warrantyWords(job.warranty)),
    el("td", {}, job.repeat_repair ? t("assets.repeat", { count: job.earlier_repairs }) : ""),
    el("td", {}, when(job.created_at)),
  );
}

function planRow(plan) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/maintenance/${plan.id}` }, plan.title)),
    el("td", {}, plan.rrule),
    el("td", {}, plan.active ? (plan.next_occurs_on ?? t("none")) : t("maintenance.paused")),
  );
}

/** A new maintenance plan for the asset. */
function planForm(ctx, asset) {
  const title = el("input", { id: "plan-title", required: true, maxlength: 200 });
  const rule = el("input", { id: "plan-rrule", required: true, maxlength: 500, value: RULES[1], list: "plan-rules" });
  const rules = el(
    "datalist",
    { id: "plan-rules" },
    RULES.map((r) => el("option", { value: r })),
  );
  const startsOn = el("input", { id: "plan-starts-on", type: "date", required: true });
  const lead = el("input", { id: "plan-lead-days", type: "number", min: 0, max: 365, value: 7 });
  const priority = select(
    "plan-priority",
    PRIORITIES.map((p) => [p, LABEL[p] ?? p]),
    "normal",
  );
  const skills = el("input", { id: "plan-skills", maxlength: 500 });
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      asset_id: asset.id,
      title: title.value.trim(),
      rrule: rule.value.trim(),
      starts_on: startsOn.value,
      lead_days: Number(lead.value || 7),
      priority: priority.value,
      required_skills: skills.value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    };
    try {
      const plan = await change("POST", "/maintenance-plans", body);
      ctx.go(`#/maintenance/${plan.id}`);
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "details",
    {},
    el("summary", {}, t("maintenance.add")),
    el(
      "form",
      { "aria-label": t("maintenance.add"), on: { submit } },
      field("plan-title", t("maintenance.field.title"), title),
      field("plan-rrule", t("maintenance.field.rrule"), rule),
      rules,
      el("p", { class: "meta" }, t("maintenance.ruleHint")),
      field("plan-starts-on", t("maintenance.field.starts_on"), startsOn),
      field("plan-lead-days", t("maintenance.field.lead_days"), lead),
      field("plan-priority", t("maintenance.field.priority"), priority),
      field("plan-skills", t("maintenance.field.skills"), skills),
      feedback,
      el("button", { type: "submit" }, t("maintenance.addButton")),
    ),
  );
}

/** A machine: its details (editable), its label, its history and its maintenance plans. */
export async function assetView(ctx) {
  const asset = await request("GET", `/assets/${ctx.id}`);
  const form = assetFields("asset", asset);
  const feedback = el("div", { role: "status" });
  const submit = async (event) => {
    event.preventDefault();
    try {
      await change("PATCH", `/assets/${asset.id}`, form.body());
      feedback.textContent = t("assets.saved");
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "article",
    { class: "job" },
    el("p", {}, el("a", { href: `#/customers/${asset.customer.id}` }, `← ${asset.customer.name}`)),
    el("h2", {}, `${asset.model} · ${asset.serial}`),
    el(
      "p",
      {},
      t("assets.today", { status: warrantyWords(asset.warranty_today) }),
      asset.repairs_in_warranty ? ` · ${t("assets.repairsInWarranty", { count: asset.repairs_in_warranty })}` : "",
    ),
    el(
      "figure",
      { class: "label" },
      el("img", { src: asset.label_url, alt: t("assets.labelAlt", { serial: asset.serial }), width: 160, height: 160 }),
      el(
        "figcaption",
        {},
        el("a", { href: asset.label_url, download: `label-${asset.serial}.png` }, t("assets.download")),
      ),
    ),
    el(
      "form",
      { "aria-label": t("assets.edit"), on: { submit } },
      form.fields,
      el("button", { type: "submit" }, t("assets.save")),
      feedback,
    ),
    el("h3", { id: "asset-history" }, t("assets.history")),
    asset.work_orders.length
      ? el(
          "table",
          { "aria-labelledby": "asset-history" },
          header([
            "board.column.number",
            "board.column.title",
            "board.column.status",
            "assets.column.warranty",
            "assets.column.repeat",
            "board.column.created",
          ]),
          el("tbody", {}, asset.work_orders.map(historyRow)),
        )
      : el("p", {}, t("assets.noHistory")),
    el("h3", { id: "asset-plans" }, t("maintenance.title")),
    asset.maintenance_plans.length
      ? el(
          "table",
          { "aria-labelledby": "asset-plans" },
          header(["maintenance.field.title", "maintenance.field.rrule", "maintenance.column.next"]),
          el("tbody", {}, asset.maintenance_plans.map(planRow)),
        )
      : el("p", {}, t("maintenance.none")),
    planForm(ctx, asset),
  );
}

/** At intake: the caller reads the serial off the machine; it finds the machine, fills in its
 * customer (through `onFound`) and ties the new work order to it (`asset_id`: who pays is decided
 * from its dates when the job is created). */
export function serialLookup(onFound) {
  const serial = el("input", { id: "intake-serial", autocomplete: "off", maxlength: 100 });
  const status = el("p", { class: "meta", role: "status", id: "intake-asset" });
  const state = { asset: null };
  const find = async () => {
    const text = serial.value.trim();
    state.asset = null;
    if (!text) {
      status.textContent = "";
      return;
    }
    const page = await request("GET", `/assets?serial=${encodeURIComponent(text)}`).catch(() => ({ items: [] }));
    if (page.items.length !== 1) {
      status.textContent = t(page.items.length ? "assets.intake.several" : "assets.intake.none", { serial: text });
      return;
    }
    const [asset] = page.items;
    state.asset = asset;
    status.textContent = t("assets.intake.found", {
      machine: `${asset.model} · ${asset.serial}`,
      customer: asset.customer.name,
      status: warrantyWords(asset.warranty_today),
    });
    await onFound(asset);
  };
  serial.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // not the intake form's submit
      find();
    }
  });
  return {
    fields: [
      el(
        "div",
        { class: "row" },
        field("intake-serial", t("assets.intake.serial"), serial),
        el("button", { type: "button", on: { click: find } }, t("assets.intake.find")),
      ),
      status,
    ],
    body: () => (state.asset ? { asset_id: state.asset.id } : {}),
  };
}
