// Knowledge-base articles on the phone: each job's suggested articles, and the articles for the
// technician's skills. Both are downloaded while online and kept in IndexedDB (store.js), so an
// article opens without signal; the screens read only the phone's copy.
import { request } from "../../shared/api.js";
import { el, field } from "../../shared/dom.js";
import { t } from "../i18n.js";
import { getSetting, listArticles, listJobs, putSetting, replaceArticles } from "../store.js";

const REFRESH_EVERY_MS = 10 * 60_000;
const PER_PAGE = 200;
const MAX_PAGES = 10; // at most 2,000 articles on a phone
const SUGGESTED = "suggestedArticles"; // setting: job id -> the ids of its suggested articles, best first
let lastRefresh = 0;
let refreshing = null;

/**
 * Download the technician's articles and every job's suggestions, and keep them on the phone.
 * Offline, or done less than REFRESH_EVERY_MS ago (unless `force`): nothing. Resolves to true when
 * the phone's copy was replaced; a failure leaves the previous copy whole.
 */
export function refreshArticles(db, { force = false } = {}) {
  if (refreshing) return refreshing;
  if (!navigator.onLine || (!force && Date.now() - lastRefresh < REFRESH_EVERY_MS)) return Promise.resolve(false);
  refreshing = download(db)
    .then(() => {
      lastRefresh = Date.now();
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

async function download(db) {
  const articles = new Map();
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const answer = await request("GET", `/articles?my_skills=true&per_page=${PER_PAGE}&page=${page}`);
    for (const article of answer.items) articles.set(article.id, article);
    if (page * PER_PAGE >= answer.total) break;
  }
  const suggested = {};
  for (const job of await listJobs(db)) {
    // A job taken away meanwhile answers 404: it simply has no suggestions.
    const answer = await request("GET", `/work-orders/${job.id}/articles`).catch(() => ({ items: [] }));
    suggested[job.id] = answer.items.map((article) => article.id);
    for (const article of answer.items) articles.set(article.id, article);
  }
  await replaceArticles(db, [...articles.values()]);
  await putSetting(db, SUGGESTED, suggested);
}

const models = (article) => el("p", { class: "meta" }, t("articleModels", { models: article.models.join(", ") }));

/** One article, opened and closed by its title (a native disclosure: keyboard and screen readers know it). */
function articleDetails(article) {
  const part = (key, text) => (text ? [el("h4", {}, t(key)), el("p", {}, text)] : null);
  return el(
    "details",
    { class: "article", "data-article-id": article.id },
    el("summary", {}, article.title),
    part("articleSymptoms", article.symptoms),
    part("articleCause", article.cause),
    part("articleFix", article.fix),
    article.models?.length ? models(article) : null,
  );
}

/** Articles whose text holds `text` (any substring: Chinese has no spaces), from the phone's copy. */
function matching(articles, text) {
  const wanted = text.trim().toLowerCase();
  if (!wanted) return articles;
  const haystack = (a) => [a.title, a.symptoms, a.cause, a.fix, ...(a.models ?? [])].join("\n").toLowerCase();
  return articles.filter((article) => haystack(article).includes(wanted));
}

function skillArticles(articles) {
  const filter = el("input", { id: "article-filter", type: "search", autocomplete: "off" });
  const list = el("div", { class: "articles" });
  const show = () => list.replaceChildren(...matching(articles, filter.value).map(articleDetails));
  filter.addEventListener("input", show);
  show();
  return el(
    "details",
    { class: "card" },
    el("summary", {}, t("myArticles", { count: articles.length })),
    field("article-filter", t("articleFilter"), filter),
    list,
  );
}

/** The job screen's articles: its suggestions, then the technician's articles, from the phone's copy.
 * While online, a job with no suggestions on the phone yet fetches them and redraws. */
export async function jobArticles(ctx, job) {
  const suggested = (await getSetting(ctx.db, SUGGESTED)) ?? {};
  if (!(job.id in suggested)) refreshArticles(ctx.db, { force: true }).then((fresh) => fresh && ctx.render(true));
  const articles = await listArticles(ctx.db);
  const byId = new Map(articles.map((article) => [article.id, article]));
  const mine = (suggested[job.id] ?? []).map((id) => byId.get(id)).filter(Boolean);
  return [
    el(
      "section",
      { class: "card", "aria-labelledby": "articles-title" },
      el("h3", { id: "articles-title" }, t("suggestedArticles")),
      mine.length
        ? el("div", { class: "articles" }, mine.map(articleDetails))
        : el("p", { class: "meta" }, t("noSuggestedArticles")),
    ),
    articles.length ? skillArticles(articles) : null,
  ];
}
