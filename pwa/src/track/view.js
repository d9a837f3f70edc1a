// What the customer sees of one job, from GET /api/v1/track/{token} or the portal's request: the
// sentence for where it stands (the technician's first name, the ETA while on the way), the window
// asked for, the steps so far, and the confirmation link once the work is done. Shared by the
// tracking page and the portal. Text goes in as text (dom.js), never as HTML.
import { el } from "../shared/dom.js";
import { currentLanguage, dateTime, translator } from "../shared/i18n.js";
import catalogues from "./strings.js";

/** The job words (track/strings.js) and a page's own (the portal's), in the site's one language. */
export function customerWords(own = {}) {
  return translator(catalogues, own).t;
}

const t = customerWords();

export const when = (iso) => (iso ? dateTime(iso) : "—");

function windowText(window) {
  if (!window) return null;
  const from = window.from ? when(window.from) : "";
  const to = window.to ? new Date(window.to).toLocaleTimeString(currentLanguage(), { timeStyle: "short" }) : "";
  return [from, to].filter(Boolean).join(" – ");
}

/** The sentence for where the job stands. */
export function statusLine(job) {
  const name = job.technician ? t("technicianName", { name: job.technician.first_name }) : "";
  if (job.status === "en_route" && job.eta_minutes != null) {
    return t("status.en_route_eta", { name, minutes: job.eta_minutes });
  }
  return t(`status.${job.status}`, { name });
}

/** The job as a section: number and title, where it stands, the window, the steps, the link. */
export function jobView(job) {
  const line = el("p", { class: `now status-${job.status}`, role: "status" }, statusLine(job));
  const windowed = windowText(job.window);
  return el(
    "section",
    { class: "job", "aria-label": t("request", { number: job.number }) },
    el("h2", {}, job.title),
    el("p", { class: "number" }, t("request", { number: job.number })),
    line,
    job.confirmation_url ? el("p", {}, el("a", { class: "button", href: job.confirmation_url }, t("confirm"))) : null,
    windowed ? el("dl", {}, el("dt", {}, t("window")), el("dd", {}, windowed)) : null,
    el("h3", {}, t("progress")),
    el(
      "ol",
      { class: "steps", "aria-label": t("progress") },
      job.steps.map((step) =>
        el(
          "li",
          {},
          el("span", { class: "step" }, t(`step.${step.status}`)),
          " ",
          el("time", { datetime: step.at }, when(step.at)),
        ),
      ),
    ),
  );
}
