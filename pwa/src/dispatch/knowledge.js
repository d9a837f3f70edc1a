// The knowledge base in the console: search (Chinese or English, any part of the text), the list
// with a publish toggle, a form to write or edit an article; and the pieces other screens show:
// suggestions as a job's title is typed at intake, and on a job its suggestions and a draft
// article from it once resolved.
import { change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { mayDo } from "../shared/workflow.js";
import { select, showErrors, when } from "./common.js";
import { labels, t } from "./i18n.js";
import { loadSkills, skillNames, skillPicker } from "./skills.js";

// The screen's words, read from the catalogue at each use (so a language switch shows at the next redraw).
const TEXT = {
  get title() {
    return t("knowledge.title");
  },
  get search() {
    return t("knowledge.search");
  },
  get searchLabel() {
    return t("knowledge.searchLabel");
  },
  get skill() {
    return t("knowledge.skill");
  },
  get model() {
    return t("knowledge.model");
  },
  get status() {
    return t("knowledge.status");
  },
  get any() {
    return t("knowledge.any");
  },
  get published() {
    return t("knowledge.published");
  },
  get draft() {
    return t("knowledge.draft");
  },
  get none() {
    return t("knowledge.none");
  },
  get newArticle() {
    return t("knowledge.newArticle");
  },
  get publish() {
    return t("knowledge.publish");
  },
  get unpublish() {
    return t("knowledge.unpublish");
  },
  get formNew() {
    return t("knowledge.formNew");
  },
  get formEdit() {
    return t("knowledge.formEdit");
  },
  get save() {
    return t("knowledge.save");
  },
  get saved() {
    return t("knowledge.saved");
  },
  get back() {
    return t("knowledge.back");
  },
  get suggested() {
    return t("knowledge.suggested");
  },
  get noSuggestions() {
    return t("knowledge.noSuggestions");
  },
  get draftFromJob() {
    return t("knowledge.draftFromJob");
  },
  found: (n) => t(n === 1 ? "knowledge.foundOne" : "knowledge.found", { count: n }),
  edit: (a) => t("knowledge.editArticle", { title: a.title }),
  toggle: (a) => t(a.published ? "knowledge.unpublishTitle" : "knowledge.publishTitle", { title: a.title }),
  fields: labels("knowledge.field.", ["title", "symptoms", "cause", "fix", "skills", "models", "published"]),
  score: (s) => t("knowledge.score", { score: s.score, reasons: reasonsText(s.reasons) }),
};
const SEARCH_DELAY_MS = 300;
const STATUS_FILTER = { "": null, published: "true", draft: "false" };
const list = (text) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

function reasonsText(reasons) {
  const parts = [
    reasons.skills.length ? t("knowledge.reason.skills", { list: reasons.skills.join(t("list.comma")) }) : null,
    reasons.models.length ? t("knowledge.reason.models", { list: reasons.models.join(t("list.comma")) }) : null,
    reasons.terms.length ? t("knowledge.reason.terms", { list: reasons.terms.join(t("list.comma")) }) : null,
  ];
  return parts.filter(Boolean).join(t("list.semicolon"));
}

function articleRow(ctx, article, feedback) {
  const toggle = async () => {
    try {
      await change("PATCH", `/articles/${article.id}`, { published: !article.published });
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "tr",
    {},
    el(
      "th",
      { scope: "row" },
      el("a", { href: `#/knowledge?edit=${article.id}`, "aria-label": TEXT.edit(article) }, article.title),
    ),
    el("td", {}, skillNames(article.skills, vocabulary).join(t("list.comma")) || t("none")),
    el("td", {}, article.models.join(t("list.comma")) || t("none")),
    el("td", {}, article.published ? TEXT.published : TEXT.draft),
    el("td", {}, when(article.updated_at)),
    el(
      "td",
      {},
      el(
        "button",
        { type: "button", class: "secondary", "aria-label": TEXT.toggle(article), on: { click: toggle } },
        article.published ? TEXT.unpublish : TEXT.publish,
      ),
    ),
  );
}

function searchForm(ctx, params) {
  const q = el("input", { id: "article-q", type: "search", value: params.get("q") ?? "", placeholder: "漏水" });
  const skill = el("input", { id: "article-skill", value: params.get("skill") ?? "" });
  const model = el("input", { id: "article-model", value: params.get("model") ?? "" });
  const statusOptions = [
    ["published", TEXT.published],
    ["draft", TEXT.draft],
  ];
  const status = select("article-status", statusOptions, params.get("status") ?? "", TEXT.any);
  const submit = (event) => {
    event.preventDefault();
    const wanted = { q: q.value.trim(), skill: skill.value.trim(), model: model.value.trim(), status: status.value };
    const query = new URLSearchParams(Object.entries(wanted).filter(([, value]) => value));
    ctx.go(`#/knowledge?${query}`);
  };
  return el(
    "form",
    { class: "filters", role: "search", on: { submit } },
    field("article-q", TEXT.searchLabel, q),
    field("article-skill", TEXT.skill, skill),
    field("article-model", TEXT.model, model),
    field("article-status", TEXT.status, status),
    el("button", { type: "submit" }, TEXT.search),
  );
}

// The skills vocabulary, read with the list and the form: skills are shown and picked by name.
let vocabulary = [];

async function articleList(ctx) {
  const params = ctx.params ?? new URLSearchParams();
  const query = new URLSearchParams({ per_page: "100" });
  for (const name of ["q", "skill", "model"]) if (params.get(name)) query.set(name, params.get(name));
  const published = STATUS_FILTER[params.get("status") ?? ""];
  if (published) query.set("published", published);
  const [page] = await Promise.all([
    request("GET", `/articles?${query}`),
    loadSkills()
      .then((skills) => (vocabulary = skills))
      .catch(() => null),
  ]);
  const feedback = el("div", { class: "error", role: "alert" });
  const head = ["title", "skills", "models", "status", "updated", "action"].map((h) => t(`knowledge.column.${h}`));
  return el(
    "div",
    {},
    el("h2", {}, TEXT.title),
    el("p", {}, el("a", { href: "#/knowledge?new=1", class: "button", role: "button" }, TEXT.newArticle)),
    searchForm(ctx, params),
    el("p", { class: "meta", role: "status" }, TEXT.found(page.total)),
    feedback,
    page.items.length
      ? el(
          "table",
          { "aria-label": t("knowledge.articles") },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              head.map((h) => el("th", { scope: "col" }, h)),
            ),
          ),
          el(
            "tbody",
            {},
            page.items.map((article) => articleRow(ctx, article, feedback)),
          ),
        )
      : el("p", {}, TEXT.none),
  );
}

function articleForm(ctx, article, held = []) {
  const input = (id, value, attributes = {}) => el("input", { id, value: value ?? "", ...attributes });
  const area = (id, value) => el("textarea", { id, rows: 4 }, value ?? "");
  const inputs = {
    title: input("article-title", article?.title, { required: true, maxlength: 200 }),
    symptoms: area("article-symptoms", article?.symptoms),
    cause: area("article-cause", article?.cause),
    fix: area("article-fix", article?.fix),
    skills: skillPicker("article-skills", TEXT.fields.skills, vocabulary, article?.skills ?? [], held),
    models: input("article-models", article?.models.join(", "), { placeholder: "KFR-35GW" }),
    published: el("input", { id: "article-published", type: "checkbox", checked: Boolean(article?.published) }),
  };
  const errors = el("div", { class: "error", role: "alert" });
  const status = el("p", { class: "meta", role: "status" });
  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const body = {
      title: inputs.title.value.trim(),
      symptoms: inputs.symptoms.value.trim(),
      cause: inputs.cause.value.trim(),
      fix: inputs.fix.value.trim(),
      skills: inputs.skills.codes(),
      models: list(inputs.models.value),
      published: inputs.published.checked,
    };
    try {
      const saved = article
        ? await change("PATCH", `/articles/${article.id}`, body)
        : await change("POST", "/articles", body);
      status.textContent = TEXT.saved;
      if (!article) ctx.go(`#/knowledge?edit=${saved.id}`);
    } catch (error) {
      showErrors(error, errors);
    }
  };
  const labelled = (name) => field(inputs[name].id, TEXT.fields[name], inputs[name]);
  return el(
    "form",
    { class: "intake", on: { submit } },
    el("a", { href: "#/knowledge" }, TEXT.back),
    el("h2", {}, article ? TEXT.formEdit : TEXT.formNew),
    ["title", "symptoms", "cause", "fix"].map(labelled),
    inputs.skills.box,
    labelled("models"),
    el(
      "div",
      { class: "field checkbox" },
      inputs.published,
      el("label", { for: "article-published" }, TEXT.fields.published),
    ),
    errors,
    status,
    el("button", { type: "submit" }, TEXT.save),
  );
}

/** `#/knowledge` (search and list), `#/knowledge?new=1` (write), `#/knowledge?edit=ID` (edit, publish). */
export async function knowledgeView(ctx) {
  const editing = ctx.params?.get("edit");
  if (editing || ctx.params?.get("new")) {
    const [article, roster] = await Promise.all([
      editing ? request("GET", `/articles/${Number(editing)}`) : null,
      ctx.technicians().catch(() => []),
      loadSkills()
        .then((skills) => (vocabulary = skills))
        .catch(() => null),
    ]);
    return articleForm(
      ctx,
      article,
      roster.flatMap((tech) => tech.skills),
    );
  }
  return articleList(ctx);
}

function suggestionItem(suggestion) {
  return el(
    "li",
    {},
    el("a", { href: `#/knowledge?edit=${suggestion.id}` }, suggestion.title),
    suggestion.score != null ? el("span", { class: "meta" }, ` (${TEXT.score(suggestion)})`) : null,
  );
}

/** Intake: a small box of articles whose text holds the title being typed (what may solve it by phone). */
export function suggestedArticlesBox(titleInput) {
  const items = el("ul", {});
  const heading = el("h3", {}, TEXT.suggested);
  const box = el("section", { class: "likely", "aria-label": TEXT.suggested, hidden: true }, heading, items);
  let timer = null;
  const look = async () => {
    const q = titleInput.value.trim();
    const path = `/articles?published=true&per_page=5&q=${encodeURIComponent(q)}`;
    const page = q ? await request("GET", path).catch(() => null) : null;
    items.replaceChildren(...(page?.items ?? []).map(suggestionItem));
    box.hidden = !page?.items.length;
  };
  titleInput.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(look, SEARCH_DELAY_MS);
  });
  return box;
}

/** The job screen: its suggested articles (best first, with why), and a draft from it once resolved. */
export async function jobKnowledge(ctx, job) {
  const page = await request("GET", `/work-orders/${job.id}/articles`).catch(() => ({ items: [] }));
  const feedback = el("p", { class: "error", role: "alert" });
  const draft = async () => {
    try {
      const article = await change("POST", `/work-orders/${job.id}/articles`);
      ctx.go(`#/knowledge?edit=${article.id}`);
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "section",
    { class: "panel", "aria-labelledby": "job-articles-title" },
    el("h3", { id: "job-articles-title" }, TEXT.suggested),
    page.items.length ? el("ul", {}, page.items.map(suggestionItem)) : el("p", { class: "meta" }, TEXT.noSuggestions),
    mayDo("draft_article", job, ctx.meta, ctx.user.role)
      ? el("button", { type: "button", class: "secondary", on: { click: draft } }, TEXT.draftFromJob)
      : null,
    feedback,
  );
}
