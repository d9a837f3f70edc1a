// The roster (technicians, skills, shift, position age, load) and the escalations queue.
import { request } from "../api.js";
import { el } from "../dom.js";
import { LABEL, minutesText, when } from "./common.js";

export async function rosterView(ctx) {
  const technicians = await ctx.technicians(true);
  const age = (t) => (t.location ? `${minutesText((Date.now() - Date.parse(t.location.at)) / 60000)} ago` : "never");
  return el(
    "div",
    {},
    el("h2", {}, "Roster"),
    el(
      "table",
      { "aria-label": "Roster" },
      el("thead", {}, el("tr", {}, ["Technician", "Skills", "On shift", "Last position", "Open jobs"].map((h) => el("th", { scope: "col" }, h)))),
      el(
        "tbody",
        {},
        technicians.map((t) =>
          el(
            "tr",
            { class: t.active === false ? "unqualified" : null },
            el("th", { scope: "row" }, t.name, t.phone ? el("div", { class: "meta" }, t.phone) : null),
            el("td", {}, t.skills.join(", ") || "—"),
            el("td", {}, t.on_shift ? "yes" : "no"),
            el("td", {}, age(t)),
            el("td", { class: t.open_jobs >= t.max_open_jobs ? "late" : null }, `${t.open_jobs} / ${t.max_open_jobs}`),
          ),
        ),
      ),
    ),
  );
}

export async function escalationsView() {
  const page = await request("GET", "/work-orders?escalated=true&per_page=200");
  const jobs = page.items.filter((j) => !["closed", "cancelled"].includes(j.status)).sort((a, b) => (a.escalated_at < b.escalated_at ? -1 : 1));
  return el(
    "div",
    {},
    el("h2", {}, "Escalations"),
    el("p", { class: "meta" }, "Jobs the scheduler could not place (nobody on shift had the skills and room), oldest first."),
    jobs.length
      ? el("ol", { "aria-label": "Escalations" }, jobs.map((j) => el("li", {}, el("a", { href: `#/jobs/${j.id}` }, `${j.number} · ${j.title}`), ` · ${LABEL[j.priority]} · ${LABEL[j.status]} · escalated ${when(j.escalated_at)}`)))
      : el("p", {}, "No escalations."),
  );
}
