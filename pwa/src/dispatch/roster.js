// The roster (technicians, skills, shift, position age, load), a technician's edit form, and the
// escalations queue.
import { ApiError, change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { LABEL, minutesText, technicianLabel, when } from "./common.js";
import { t } from "./i18n.js";
import { loadSkills, skillNames, skillPicker } from "./skills.js";

const COLUMNS = ["technician", "skills", "onShift", "lastPosition", "openJobs", "change"];
const editLink = (tech, roster) =>
  el(
    "a",
    { href: `#/roster/${tech.id}/edit`, "aria-label": t("roster.editName", { name: technicianLabel(tech, roster) }) },
    t("roster.edit"),
  );

export async function rosterView(ctx) {
  const [technicians, vocabulary] = await Promise.all([ctx.technicians(true), loadSkills().catch(() => [])]);
  const age = (tech) =>
    tech.location
      ? t("roster.ago", { time: minutesText((Date.now() - Date.parse(tech.location.at)) / 60000) })
      : t("roster.never");
  return el(
    "div",
    {},
    el("h2", {}, t("nav.roster")),
    el("p", {}, el("a", { href: "#/company-days" }, t("roster.companyDaysLink"))),
    el(
      "table",
      { "aria-label": t("nav.roster") },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          COLUMNS.map((h) => el("th", { scope: "col" }, t(`roster.column.${h}`))),
        ),
      ),
      el(
        "tbody",
        {},
        technicians.map((tech) =>
          el(
            "tr",
            { class: tech.active === false ? "unqualified" : null },
            el(
              "th",
              { scope: "row" },
              tech.phone ? [tech.name, el("div", { class: "meta" }, tech.phone)] : technicianLabel(tech, technicians),
            ),
            el("td", {}, skillNames(tech.skills, vocabulary).join(t("list.comma")) || t("none")),
            el("td", {}, t(tech.on_shift ? "roster.yes" : "roster.no")),
            el("td", {}, age(tech)),
            el(
              "td",
              { class: tech.open_jobs >= tech.max_open_jobs ? "late" : null },
              `${tech.open_jobs} / ${tech.max_open_jobs}`,
            ),
            el("td", {}, editLink(tech, technicians)),
          ),
        ),
      ),
    ),
  );
}

export async function escalationsView() {
  const page = await request("GET", "/work-orders?escalated=true&per_page=200");
  const jobs = page.items
    .filter((j) => !["closed", "cancelled"].includes(j.status))
    .sort((a, b) => (a.escalated_at < b.escalated_at ? -1 : 1));
  return el(
    "div",
    {},
    el("h2", {}, t("nav.escalations")),
    el("p", { class: "meta" }, t("roster.escalationsNote")),
    jobs.length
      ? el(
          "ol",
          { "aria-label": t("nav.escalations") },
          jobs.map((j) =>
            el(
              "li",
              {},
              el("a", { href: `#/jobs/${j.id}` }, `${j.number} · ${j.title}`),
              ` · ${LABEL[j.priority]} · ${LABEL[j.status]} · ${t("roster.escalatedAt", { at: when(j.escalated_at) })}`,
            ),
          ),
        )
      : el("p", {}, t("roster.noEscalations")),
  );
}

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((key) => [key, `roster.day.${key}`]);
const DEFAULT_SHIFT = ["08:00", "17:00"];

/** Per weekday: a "day off" box and two time inputs, each named for screen readers with its day.
 * Without hours set, the form offers office hours on weekdays, to be switched on. */
function hoursInputs(hours) {
  return WEEKDAYS.map(([key, dayKey]) => {
    const day = t(dayKey);
    const weekend = ["sat", "sun"].includes(key);
    const shift = hours ? hours[key] : weekend ? null : DEFAULT_SHIFT;
    const [start, end] = shift ?? DEFAULT_SHIFT;
    return {
      key,
      day,
      off: el("input", { id: `tech-hours-${key}-off`, type: "checkbox", checked: !shift }),
      start: el("input", {
        id: `tech-hours-${key}-start`,
        type: "time",
        value: start,
        "aria-label": t("roster.dayStart", { day }),
      }),
      end: el("input", {
        id: `tech-hours-${key}-end`,
        type: "time",
        value: end,
        "aria-label": t("roster.dayEnd", { day }),
      }),
    };
  });
}

/** The hours the form shows: null when none are set (available whenever on shift). */
function hoursValue(form) {
  if (form.noHours.checked) return null;
  const working = form.hours.filter((d) => !d.off.checked);
  return Object.fromEntries(working.map((d) => [d.key, [d.start.value, d.end.value]]));
}

/** Hours as text in weekday order (the server may keep the keys in another order); null stays null. */
const hoursText = (hours) => (hours == null ? "null" : JSON.stringify(WEEKDAYS.map(([key]) => hours[key] ?? null)));
const sameHours = (a, b) => hoursText(a) === hoursText(b);

function hoursFieldset(form) {
  const rows = form.hours.map((d) =>
    el(
      "div",
      { class: "row", role: "group", "aria-label": d.day },
      el("span", { class: "weekday" }, d.day),
      el("label", { class: "check" }, d.off, ` ${t("roster.dayOff", { day: d.day })}`),
      d.start,
      "–",
      d.end,
    ),
  );
  const days = el("div", { hidden: form.noHours.checked }, rows);
  form.noHours.addEventListener("change", () => (days.hidden = form.noHours.checked));
  return el(
    "fieldset",
    {},
    el("legend", {}, t("roster.hours")),
    el("label", { class: "check" }, form.noHours, ` ${t("roster.noHours")}`),
    days,
  );
}

function technicianInputs(t) {
  return {
    phone: el("input", { id: "tech-phone", type: "tel", value: t.phone ?? "", maxlength: 40 }),
    lat: el("input", { id: "tech-home-lat", type: "number", step: "any", min: -90, max: 90, value: t.home?.lat }),
    lon: el("input", { id: "tech-home-lon", type: "number", step: "any", min: -180, max: 180, value: t.home?.lon }),
    max: el("input", { id: "tech-max", type: "number", min: 1, max: 100, step: 1, value: t.max_open_jobs }),
    onShift: el("input", { id: "tech-on-shift", type: "checkbox", checked: t.on_shift }),
    noHours: el("input", { id: "tech-no-hours", type: "checkbox", checked: t.hours == null }),
    hours: hoursInputs(t.hours),
  };
}

/** The PATCH body: only what was changed, so the technician's own shift switch is not undone by an
 * edit of their skills made while they went on shift. */
function technicianPatch(form, t) {
  const body = {};
  const phone = form.phone.value.trim();
  if (phone !== (t.phone ?? "")) body.phone = phone || null;
  const skills = form.skills.codes();
  if ([...skills].sort().join(",") !== [...t.skills].sort().join(",")) body.skills = skills;
  const home = { lat: Number(form.lat.value), lon: Number(form.lon.value) };
  if (home.lat !== t.home?.lat || home.lon !== t.home?.lon) body.home = home;
  if (Number(form.max.value) !== t.max_open_jobs) body.max_open_jobs = Number(form.max.value);
  if (form.onShift.checked !== t.on_shift) body.on_shift = form.onShift.checked;
  const hours = hoursValue(form);
  if (!sameHours(hours, t.hours ?? null)) body.hours = hours;
  return body;
}

function fieldProblems(error) {
  const problems = Object.entries(error.fields).map(([name, list]) => `${name}: ${[].concat(list).join(", ")}`);
  return problems.length
    ? el(
        "ul",
        {},
        problems.map((problem) => el("li", {}, problem)),
      )
    : null;
}

export async function technicianEditView(ctx) {
  const [tech, roster, vocabulary] = await Promise.all([
    request("GET", `/technicians/${ctx.id}`),
    ctx.technicians(),
    loadSkills().catch(() => []),
  ]);
  const name = technicianLabel(tech, roster);
  const form = technicianInputs(tech);
  const held = roster.flatMap((other) => other.skills);
  form.skills = skillPicker("tech-skills", t("roster.skills"), vocabulary, tech.skills, held);
  const errors = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      const body = technicianPatch(form, tech);
      if (Object.keys(body).length) await change("PATCH", `/technicians/${tech.id}`, body);
      ctx.go("#/roster");
    } catch (error) {
      if (!(error instanceof ApiError)) errors.textContent = t("error.nothingSaved");
      else errors.replaceChildren(el("p", {}, error.message), fieldProblems(error));
    }
  };
  return el(
    "form",
    { class: "intake", on: { submit }, "aria-labelledby": "tech-title" },
    el("a", { href: "#/roster" }, t("roster.back")),
    el("h2", { id: "tech-title" }, t("roster.editName", { name })),
    field("tech-phone", t("roster.phone"), form.phone),
    form.skills.box,
    el(
      "div",
      { class: "row" },
      field("tech-home-lat", t("roster.homeLat"), form.lat),
      field("tech-home-lon", t("roster.homeLon"), form.lon),
    ),
    field("tech-max", t("roster.max"), form.max),
    el("label", { class: "check" }, form.onShift, ` ${t("roster.column.onShift")}`),
    hoursFieldset(form),
    errors,
    el(
      "div",
      { class: "row" },
      el("button", { type: "submit" }, t("roster.save")),
      el("a", { href: "#/roster", class: "button secondary" }, t("roster.cancel")),
    ),
  );
}

const KINDS = ["holiday", "working_day"];

/** Company days: holidays and working days the company adds to China's public calendar (admins
 * add and delete; dispatchers read). */
export async function companyDaysView(ctx) {
  const days = (await request("GET", "/company-days")).items;
  const admin = ctx.user.role === "admin";
  const errors = el("div", { class: "error", role: "alert" });
  const act = async (method, path, body) => {
    errors.replaceChildren();
    try {
      await change(method, path, body);
      ctx.render();
    } catch (error) {
      if (!(error instanceof ApiError)) errors.textContent = t("error.nothingSaved");
      else errors.replaceChildren(el("p", {}, error.message), fieldProblems(error));
    }
  };
  const remove = (d) =>
    el(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": t("roster.deleteDay", { name: d.name, date: d.date }),
        on: { click: () => act("DELETE", `/company-days/${d.id}`) },
      },
      t("roster.delete"),
    );
  return el(
    "div",
    {},
    el("a", { href: "#/roster" }, t("roster.back")),
    el("h2", {}, t("roster.companyDays")),
    el("p", { class: "meta" }, t("roster.companyDaysNote")),
    days.length
      ? el(
          "table",
          { "aria-label": t("roster.companyDays") },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ["date", "kind", "name", admin && "change"].map((h) => h && columnHead(t(`roster.column.${h}`))),
            ),
          ),
          el(
            "tbody",
            {},
            days.map((d) => companyDayRow(d, admin && remove(d))),
          ),
        )
      : el("p", {}, t("roster.noCompanyDays")),
    admin ? companyDayForm(act) : null,
    errors,
  );
}

const columnHead = (text) => el("th", { scope: "col" }, text);

function companyDayRow(d, removeButton) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, d.date),
    el("td", {}, KINDS.includes(d.kind) ? t(`roster.kind.${d.kind}`) : d.kind),
    el("td", {}, d.name),
    removeButton && el("td", {}, removeButton),
  );
}

function companyDayForm(act) {
  const date = el("input", { id: "company-day-date", type: "date", required: true });
  const options = KINDS.map((value) => el("option", { value }, t(`roster.kind.${value}`)));
  const kind = el("select", { id: "company-day-kind" }, options);
  const name = el("input", { id: "company-day-name", required: true, maxlength: 120 });
  const submit = (event) => {
    event.preventDefault();
    act("POST", "/company-days", { date: date.value, kind: kind.value, name: name.value.trim() });
  };
  return el(
    "form",
    { class: "intake", on: { submit }, "aria-label": t("roster.addDay") },
    el("h3", {}, t("roster.addDay")),
    el(
      "div",
      { class: "row" },
      field("company-day-date", t("roster.column.date"), date),
      field("company-day-kind", t("roster.column.kind"), kind),
      field("company-day-name", t("roster.column.name"), name),
    ),
    el("button", { type: "submit" }, t("roster.add")),
  );
}
