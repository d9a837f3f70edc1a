// The roster (technicians, skills, shift, position age, load), a technician's edit form, and the
// escalations queue.
import { ApiError, change, request } from "../api.js";
import { el, field } from "../dom.js";
import { LABEL, minutesText, technicianLabel, when } from "./common.js";

const COLUMNS = ["Technician", "Skills", "On shift", "Last position", "Open jobs", "Change"];
const editLink = (t, roster) =>
  el("a", { href: `#/roster/${t.id}/edit`, "aria-label": `Edit ${technicianLabel(t, roster)}` }, "Edit");

export async function rosterView(ctx) {
  const technicians = await ctx.technicians(true);
  const age = (t) => (t.location ? `${minutesText((Date.now() - Date.parse(t.location.at)) / 60000)} ago` : "never");
  return el(
    "div",
    {},
    el("h2", {}, "Roster"),
    el("p", {}, el("a", { href: "#/company-days" }, "Company holidays and working days")),
    el(
      "table",
      { "aria-label": "Roster" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          COLUMNS.map((h) => el("th", { scope: "col" }, h)),
        ),
      ),
      el(
        "tbody",
        {},
        technicians.map((t) =>
          el(
            "tr",
            { class: t.active === false ? "unqualified" : null },
            el(
              "th",
              { scope: "row" },
              t.phone ? [t.name, el("div", { class: "meta" }, t.phone)] : technicianLabel(t, technicians),
            ),
            el("td", {}, t.skills.join(", ") || "—"),
            el("td", {}, t.on_shift ? "yes" : "no"),
            el("td", {}, age(t)),
            el("td", { class: t.open_jobs >= t.max_open_jobs ? "late" : null }, `${t.open_jobs} / ${t.max_open_jobs}`),
            el("td", {}, editLink(t, technicians)),
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
    el("h2", {}, "Escalations"),
    el(
      "p",
      { class: "meta" },
      "Jobs the scheduler could not place (nobody on shift had the skills and room), oldest first.",
    ),
    jobs.length
      ? el(
          "ol",
          { "aria-label": "Escalations" },
          jobs.map((j) =>
            el(
              "li",
              {},
              el("a", { href: `#/jobs/${j.id}` }, `${j.number} · ${j.title}`),
              ` · ${LABEL[j.priority]} · ${LABEL[j.status]} · escalated ${when(j.escalated_at)}`,
            ),
          ),
        )
      : el("p", {}, "No escalations."),
  );
}

const EDIT_TEXT = {
  title: (name) => `Edit ${name}`,
  offline: "The server did not answer; nothing was saved.",
  saved: "Saved.",
};

const WEEKDAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
const DEFAULT_SHIFT = ["08:00", "17:00"];

/** Per weekday: a "day off" box and two time inputs, each named for screen readers with its day.
 * Without hours set, the form offers office hours on weekdays, to be switched on. */
function hoursInputs(hours) {
  return WEEKDAYS.map(([key, day]) => {
    const weekend = ["sat", "sun"].includes(key);
    const shift = hours ? hours[key] : weekend ? null : DEFAULT_SHIFT;
    const [start, end] = shift ?? DEFAULT_SHIFT;
    return {
      key,
      day,
      off: el("input", { id: `tech-hours-${key}-off`, type: "checkbox", checked: !shift }),
      start: el("input", { id: `tech-hours-${key}-start`, type: "time", value: start, "aria-label": `${day} start` }),
      end: el("input", { id: `tech-hours-${key}-end`, type: "time", value: end, "aria-label": `${day} end` }),
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
      el("label", { class: "check" }, d.off, ` ${d.day} day off`),
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
    el("legend", {}, "Working hours (company time zone; an end before the start runs overnight)"),
    el("label", { class: "check" }, form.noHours, " No working hours set (no time limit)"),
    days,
  );
}

function technicianInputs(t) {
  return {
    phone: el("input", { id: "tech-phone", type: "tel", value: t.phone ?? "", maxlength: 40 }),
    skills: el("input", { id: "tech-skills", value: t.skills.join(", "), placeholder: "hvac, electrical" }),
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
  const skills = form.skills.value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (skills.join(",") !== t.skills.join(",")) body.skills = skills;
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
  const [t, roster] = await Promise.all([request("GET", `/technicians/${ctx.id}`), ctx.technicians()]);
  const name = technicianLabel(t, roster);
  const form = technicianInputs(t);
  const errors = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      const body = technicianPatch(form, t);
      if (Object.keys(body).length) await change("PATCH", `/technicians/${t.id}`, body);
      ctx.go("#/roster");
    } catch (error) {
      if (!(error instanceof ApiError)) errors.textContent = EDIT_TEXT.offline;
      else errors.replaceChildren(el("p", {}, error.message), fieldProblems(error));
    }
  };
  return el(
    "form",
    { class: "intake", on: { submit }, "aria-labelledby": "tech-title" },
    el("a", { href: "#/roster" }, "← Roster"),
    el("h2", { id: "tech-title" }, EDIT_TEXT.title(name)),
    field("tech-phone", "Phone", form.phone),
    field("tech-skills", "Skills (comma separated)", form.skills),
    el(
      "div",
      { class: "row" },
      field("tech-home-lat", "Home latitude", form.lat),
      field("tech-home-lon", "Home longitude", form.lon),
    ),
    field("tech-max", "Most open jobs at once", form.max),
    el("label", { class: "check" }, form.onShift, " On shift"),
    hoursFieldset(form),
    errors,
    el(
      "div",
      { class: "row" },
      el("button", { type: "submit" }, "Save"),
      el("a", { href: "#/roster", class: "button secondary" }, "Cancel"),
    ),
  );
}

const KIND_LABEL = { holiday: "Holiday", working_day: "Working day" };
const COMPANY_DAYS_NOTE =
  "Days that differ from China's public calendar: working hours and business-hour SLA clocks follow them.";

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
      if (!(error instanceof ApiError)) errors.textContent = EDIT_TEXT.offline;
      else errors.replaceChildren(el("p", {}, error.message), fieldProblems(error));
    }
  };
  const remove = (d) =>
    el(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": `Delete ${d.name} (${d.date})`,
        on: { click: () => act("DELETE", `/company-days/${d.id}`) },
      },
      "Delete",
    );
  return el(
    "div",
    {},
    el("a", { href: "#/roster" }, "← Roster"),
    el("h2", {}, "Company days"),
    el("p", { class: "meta" }, COMPANY_DAYS_NOTE),
    days.length
      ? el(
          "table",
          { "aria-label": "Company days" },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ["Date", "Kind", "Name", admin && "Change"].map((h) => h && columnHead(h)),
            ),
          ),
          el(
            "tbody",
            {},
            days.map((d) => companyDayRow(d, admin && remove(d))),
          ),
        )
      : el("p", {}, "No company days."),
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
    el("td", {}, KIND_LABEL[d.kind]),
    el("td", {}, d.name),
    removeButton && el("td", {}, removeButton),
  );
}

function companyDayForm(act) {
  const date = el("input", { id: "company-day-date", type: "date", required: true });
  const options = Object.entries(KIND_LABEL).map(([value, text]) => el("option", { value }, text));
  const kind = el("select", { id: "company-day-kind" }, options);
  const name = el("input", { id: "company-day-name", required: true, maxlength: 120 });
  const submit = (event) => {
    event.preventDefault();
    act("POST", "/company-days", { date: date.value, kind: kind.value, name: name.value.trim() });
  };
  return el(
    "form",
    { class: "intake", on: { submit }, "aria-label": "Add a company day" },
    el("h3", {}, "Add a company day"),
    el(
      "div",
      { class: "row" },
      field("company-day-date", "Date", date),
      field("company-day-kind", "Kind", kind),
      field("company-day-name", "Name", name),
    ),
    el("button", { type: "submit" }, "Add"),
  );
}
