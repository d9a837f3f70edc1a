// Quality sampling (质检) in the console: draw a month's sample of each technician's closed jobs,
// then score each sampled job on the checklist (the items the record answers come filled in).
import { change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { showErrors } from "./common.js";
import { labels, t } from "./i18n.js";

// The screen's words, read from the catalogue at each use (so a language switch shows at the next redraw).
const TEXT = {
  get title() {
    return t("quality.title");
  },
  get period() {
    return t("quality.period");
  },
  get perTechnician() {
    return t("quality.perTechnician");
  },
  get draw() {
    return t("quality.draw");
  },
  drawn: (n) => t(n === 1 ? "quality.drawnOne" : "quality.drawn", { count: n }),
  count: (n) => t(n === 1 ? "quality.countOne" : "quality.count", { count: n }),
  get none() {
    return t("quality.none");
  },
  review: (r) => `${r.work_order.number} ${r.work_order.title} — ${r.technician.name}`,
  score: (r) => (r.score == null ? t("quality.notScored") : t("quality.score", { score: r.score })),
  get notes() {
    return t("quality.notes");
  },
  get save() {
    return t("quality.save");
  },
  get answers() {
    return { "": t("quality.notAnswered"), true: t("quality.yes"), false: t("quality.no") };
  },
};
const ITEMS = labels("quality.item.", [
  "photo_attached",
  "parts_recorded",
  "signed_by_customer",
  "response_on_time",
  "resolved_on_time",
  "explained_to_customer",
  "site_left_clean",
  "correct_diagnosis",
]);

// What the last draw added, shown by the redraw that follows it.
let drawnNotice = null;

/** This month in the company's calendar as "YYYY-MM" (the browser's month is close enough for a default). */
function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

function answerSelect(id, value) {
  const current = value == null ? "" : String(value);
  return el(
    "select",
    { id },
    Object.entries(TEXT.answers).map(([v, text]) => el("option", { value: v, selected: v === current }, text)),
  );
}

/** One sampled job's checklist, its notes and its score. */
function reviewForm(ctx, review) {
  const selects = Object.fromEntries(
    Object.keys(ITEMS).map((item) => [item, answerSelect(`review-${review.id}-${item}`, review.items[item])]),
  );
  const notes = el("textarea", { id: `review-${review.id}-notes`, maxlength: 5000, rows: 2 }, review.notes ?? "");
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    const items = {};
    for (const [item, input] of Object.entries(selects)) if (input.value) items[item] = input.value === "true";
    try {
      await change("POST", `/quality-reviews/${review.id}`, { items, notes: notes.value.trim() || null });
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "form",
    { class: "review", "aria-label": TEXT.review(review), on: { submit } },
    el(
      "fieldset",
      {},
      el(
        "legend",
        {},
        TEXT.review(review),
        " · ",
        el("a", { href: `#/jobs/${review.work_order.id}` }, t("quality.openJob")),
      ),
      el("p", { class: "meta" }, TEXT.score(review)),
      Object.entries(ITEMS).map(([item, label]) => field(`review-${review.id}-${item}`, label, selects[item])),
      field(`review-${review.id}-notes`, TEXT.notes, notes),
      feedback,
      el("button", { type: "submit" }, TEXT.save),
    ),
  );
}

/** `#/quality?period=2026-11`: the month's sample, drawn here, scored here. */
export async function qualityView(ctx) {
  const period = /^\d{4}-\d{2}$/.test(ctx.params.get("period") ?? "") ? ctx.params.get("period") : thisMonth();
  const page = await request("GET", `/quality-reviews?period=${period}&per_page=200`);
  const month = el("input", { id: "quality-period", type: "month", value: period, required: true });
  const perTechnician = el("input", {
    id: "quality-per-technician",
    type: "number",
    min: 1,
    max: 200,
    value: 2,
    required: true,
  });
  const status = el("p", { class: "meta", role: "status" }, drawnNotice ?? TEXT.count(page.total));
  drawnNotice = null; // said once, after drawing
  const feedback = el("div", { class: "error", role: "alert" });
  const draw = async (event) => {
    event.preventDefault();
    try {
      const body = { period: month.value, per_technician: Number(perTechnician.value) };
      const drawn = await change("POST", "/quality-reviews/sample", body);
      drawnNotice = TEXT.drawn(drawn.items.length);
      if (month.value !== period) return ctx.go(`#/quality?period=${month.value}`);
      await ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  month.addEventListener("change", () => month.value && ctx.go(`#/quality?period=${month.value}`));
  return el(
    "section",
    {},
    el("h2", {}, TEXT.title),
    el(
      "form",
      { class: "row", "aria-label": TEXT.draw, on: { submit: draw } },
      field("quality-period", TEXT.period, month),
      field("quality-per-technician", TEXT.perTechnician, perTechnician),
      el("button", { type: "submit" }, TEXT.draw),
    ),
    feedback,
    status,
    page.items.length ? page.items.map((review) => reviewForm(ctx, review)) : el("p", {}, TEXT.none),
  );
}
