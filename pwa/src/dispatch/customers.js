// Customers: a search by phone or name, and a customer's page with every job (open and closed),
// their signatures and ratings, and a new job for them.
import { change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { LABEL, MESSAGE_CHANNEL, showErrors, when } from "./common.js";
import { t } from "./i18n.js";
import { assetsPanel } from "./assets.js";

const TEXT = {
  accepted: (s) => t(s.accepted ? "customers.confirmed" : "customers.disputed"),
  method: (s) => t(s.method === "link" ? "job.byLink" : "job.onPhone"),
};
// The sign-offs shown come from the details of the customer's latest signed jobs (one request each).
const SIGNED_JOBS = 20;
const query = { q: "" };
const header = (names) =>
  el(
    "thead",
    {},
    el(
      "tr",
      {},
      names.map((h) => el("th", { scope: "col" }, t(h))),
    ),
  );

function customerRow(customer) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/customers/${customer.id}` }, customer.name)),
    el("td", {}, customer.phone ?? t("none")),
    el("td", {}, customer.address ?? t("none")),
  );
}

export async function customersView(ctx) {
  const text = el("input", { id: "customer-q", type: "search", value: query.q, placeholder: "138 0013 8000, Zhang" });
  const submit = (event) => {
    event.preventDefault();
    query.q = text.value.trim();
    ctx.render();
  };
  const params = new URLSearchParams({ q: query.q, per_page: "50" });
  const page = query.q ? await request("GET", `/customers?${params}`) : null;
  return el(
    "div",
    {},
    el("h2", {}, t("nav.customers")),
    el(
      "form",
      { class: "filters", role: "search", on: { submit } },
      field("customer-q", t("customers.search"), text),
      el("button", { type: "submit" }, t("customers.searchButton")),
    ),
    page ? el("p", { class: "meta", role: "status" }, t("customers.found", { count: page.total, q: query.q })) : null,
    page && page.items.length
      ? el(
          "table",
          { "aria-label": t("nav.customers") },
          header(["customers.column.customer", "customers.column.phone", "customers.column.address"]),
          el("tbody", {}, page.items.map(customerRow)),
        )
      : page
        ? el("p", {}, t("customers.none"))
        : null,
  );
}

function jobRow(job) {
  return el(
    "tr",
    { "data-status": job.status },
    el("th", { scope: "row" }, el("a", { href: `#/jobs/${job.id}` }, job.number)),
    el("td", {}, job.title),
    el("td", {}, LABEL[job.status] ?? job.status),
    el("td", {}, LABEL[job.priority] ?? job.priority),
    el("td", {}, when(job.created_at)),
    el("td", {}, job.technician?.name ?? t("none")),
  );
}

/** Every sign-off of the customer's latest signed jobs (closed, or reopened after a dispute). */
async function signoffsOf(jobs) {
  const signed = jobs.filter((j) => j.status === "closed" || j.reopen_count > 0).slice(0, SIGNED_JOBS);
  const details = await Promise.all(signed.map((j) => request("GET", `/work-orders/${j.id}`)));
  return details.flatMap((job) => (job.signoffs ?? []).map((signoff) => ({ job, signoff })));
}

function signoffRow({ job, signoff }) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/jobs/${job.id}` }, job.number)),
    el("td", {}, `${signoff.signer_name} · ${TEXT.method(signoff)} · ${when(signoff.signed_at)}`),
    el("td", {}, TEXT.accepted(signoff)),
    el("td", {}, signoff.rating ? `${signoff.rating}/5` : t("none")),
    el("td", {}, signoff.comment ?? ""),
    el(
      "td",
      {},
      signoff.signature_url
        ? el("img", {
            src: signoff.signature_url,
            alt: t("job.signatureOf", { name: signoff.signer_name }),
            class: "thumb",
          })
        : t("none"),
    ),
  );
}

const LANGUAGE_NAMES = { "zh-CN": "中文", en: "English" };

/** Contact and how the customer hears from us (the outbox reads `preferred_channel`, `notify`, `language`). */
function preferencesForm(ctx, customer) {
  const phone = el("input", { id: "customer-phone", type: "tel", value: customer.phone ?? "", maxlength: 40 });
  const email = el("input", { id: "customer-email", type: "email", value: customer.email ?? "", maxlength: 254 });
  const channel = el(
    "select",
    { id: "customer-channel" },
    ["sms", "email"].map((c) =>
      el("option", { value: c, selected: customer.preferred_channel === c }, MESSAGE_CHANNEL[c]),
    ),
  );
  const notify = el("input", { id: "customer-notify", type: "checkbox", checked: customer.notify });
  const language = el(
    "select",
    { id: "customer-language" },
    Object.entries(LANGUAGE_NAMES).map(([code, name]) =>
      el("option", { value: code, lang: code, selected: customer.language === code }, name),
    ),
  );
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    const body = {
      phone: phone.value.trim() || null,
      email: email.value.trim() || null,
      preferred_channel: channel.value,
      notify: notify.checked,
      language: language.value,
    };
    try {
      await change("PATCH", `/customers/${customer.id}`, body);
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "form",
    { "aria-labelledby": "customer-messages", on: { submit } },
    el("h3", { id: "customer-messages" }, t("customers.messages")),
    field("customer-phone", t("customers.phone"), phone),
    field("customer-email", t("customers.email"), email),
    field("customer-channel", t("customers.channel"), channel),
    el("div", { class: "field check" }, notify, el("label", { for: "customer-notify" }, t("customers.notify"))),
    field("customer-language", t("customers.language"), language),
    feedback,
    el("button", { type: "submit" }, t("customers.save")),
    el("p", {}, el("a", { href: `#/messages?customer_id=${customer.id}` }, t("customers.sentMessages"))),
  );
}

export async function customerView(ctx) {
  const customer = await request("GET", `/customers/${ctx.id}`);
  const jobs = customer.work_orders;
  const signoffs = await signoffsOf(jobs);
  const contact = [customer.phone, customer.email, customer.address].filter(Boolean).join(" · ");
  return el(
    "article",
    { class: "job" },
    el("h2", {}, customer.name),
    el("p", {}, contact || t("customers.noContact")),
    el("p", { class: "meta" }, t("customers.since", { at: when(customer.created_at) })),
    el(
      "p",
      {},
      el("a", { href: `#/intake?customer=${customer.id}`, class: "button", role: "button" }, t("customers.newJob")),
    ),
    preferencesForm(ctx, customer),
    await assetsPanel(ctx, customer),
    el("h3", { id: "customer-jobs" }, t("customers.jobsCount", { count: jobs.length })),
    el(
      "table",
      { "aria-label": t("customers.jobs") },
      header([
        "board.column.number",
        "board.column.title",
        "board.column.status",
        "customers.column.priority",
        "board.column.created",
        "board.column.technician",
      ]),
      el("tbody", {}, jobs.map(jobRow)),
    ),
    el("h3", { id: "customer-signoffs" }, t("customers.signoffs")),
    signoffs.length
      ? el(
          "table",
          { "aria-label": t("customers.signoffs") },
          header([
            "customers.column.job",
            "customers.column.signed",
            "customers.column.answer",
            "customers.column.rating",
            "customers.column.comment",
            "customers.column.signature",
          ]),
          el("tbody", {}, signoffs.map(signoffRow)),
        )
      : el("p", {}, t("customers.noSignoffs")),
  );
}
