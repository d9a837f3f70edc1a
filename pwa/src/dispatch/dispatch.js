// The dispatcher console at /dispatch: board, map, intake, job, roster, escalations and KPIs.
// Live: every timeline event written by any server reaches the console through Server-Sent Events
// (falling back to polling with an ETag), and the screen on view redraws.
import { ApiError, currentUser, logOut, readIfChanged, request } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { loginForm } from "../shared/login.js";
import { boardView } from "./board.js";
import { customersView, customerView } from "./customers.js";
import { intakeView } from "./intake.js";
import { jobView } from "./job.js";
import { followUpsView, followUpView } from "./follow_ups.js";
import { LANGUAGES, currentLanguage, setLanguage, t } from "./i18n.js";
import { jobEditView } from "./job-edit.js";
import { knowledgeView } from "./knowledge.js";
import { kpisView } from "./kpis.js";
import { mapView } from "./map.js";
import { messagesView } from "./messages.js";
import { planView } from "./plan.js";
import { pricesView } from "./prices.js";
import { qualityView } from "./quality.js";
import { stockView } from "./stock.js";
import { assetView, newAssetView } from "./assets.js";
import { maintenancePlanView, maintenanceView } from "./maintenance.js";
import { companyDaysView, escalationsView, rosterView, technicianEditView } from "./roster.js";
import { skillsView } from "./skills.js";

const root = document.getElementById("app");
const STAFF = new Set(["dispatcher", "admin"]);
const POLL_MS = 3000;
const NAV = [
  ["#/board", "nav.board"],
  ["#/map", "nav.map"],
  ["#/plan", "nav.plan"],
  ["#/new", "nav.new"],
  ["#/customers", "nav.customers"],
  ["#/roster", "nav.roster"],
  ["#/skills", "nav.skills"],
  ["#/escalations", "nav.escalations"],
  ["#/knowledge", "nav.knowledge"],
  ["#/follow-ups", "nav.followUps"],
  ["#/messages", "nav.messages"],
  ["#/quality", "nav.quality"],
  ["#/kpis", "nav.kpis"],
  ["#/prices", "nav.prices"],
  ["#/stock", "nav.stock"],
  ["#/maintenance", "nav.maintenance"],
];
const console_ = { user: null, meta: null, lastEvent: null, live: "connecting", technicianCache: null };

/** Technicians for filters, the map and the roster (read once per redraw burst). */
async function technicians(fresh = false) {
  if (fresh || !console_.technicianCache)
    console_.technicianCache = request("GET", "/technicians?per_page=200").then((p) => p.items);
  return console_.technicianCache;
}

// Screens that hold a form being filled in are not redrawn by live updates ("live": false).
const VIEWS = {
  map: mapView,
  new: intakeView,
  intake: intakeView,
  roster: rosterView,
  escalations: escalationsView,
  kpis: kpisView,
  customers: customersView,
  "company-days": companyDaysView,
  plan: planView,
  knowledge: knowledgeView,
  "follow-ups": followUpsView,
  messages: messagesView,
  quality: qualityView,
  skills: skillsView,
  prices: pricesView,
  stock: stockView,
  maintenance: maintenanceView,
  "new-asset": newAssetView,
};
const NOT_LIVE = ["new", "intake", "kpis", "customers", "company-days", "plan", "knowledge", "quality", "prices"];
NOT_LIVE.push("new-asset");
// Pages that are mostly forms: a live redraw would throw away what is being typed.
const FORM_ITEMS = ["assets", "maintenance"];
const ITEM_VIEWS = {
  jobs: jobView,
  customers: customerView,
  "follow-ups": followUpView,
  skills: skillsView,
  assets: assetView,
  maintenance: maintenancePlanView,
};
const EDIT_VIEWS = { jobs: jobEditView, roster: technicianEditView };

/** The screen of the hash: `#/name`, `#/name/id`, `#/name/id/edit`, each with an optional `?query`. */
function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, id, sub] = path.split("/");
  const params = new URLSearchParams(query);
  if (id && sub === "edit" && EDIT_VIEWS[name]) return { view: EDIT_VIEWS[name], id: Number(id), params, live: false };
  if (id && ITEM_VIEWS[name])
    return { view: ITEM_VIEWS[name], id: Number(id), params, live: !FORM_ITEMS.includes(name) };
  return { view: VIEWS[name] ?? boardView, params, live: !NOT_LIVE.includes(name) };
}

const LIVE_WORDS = { live: "live.live", polling: "live.polling", connecting: "live.connecting" };

/** The language switch: the whole console redraws in the language picked, kept for the next visit. */
function languageSwitch(redraw = render) {
  const change = (event) => {
    setLanguage(event.target.value);
    redraw();
  };
  return [
    el("label", { for: "language", class: "visually-hidden" }, t("language")),
    el(
      "select",
      { id: "language", on: { change } },
      Object.entries(LANGUAGES).map(([code, name]) =>
        el("option", { value: code, lang: code, selected: code === currentLanguage() }, name),
      ),
    ),
  ];
}

function header() {
  return el(
    "header",
    {},
    el("h1", {}, t("app.title")),
    el(
      "nav",
      { "aria-label": t("nav.label") },
      NAV.map(([href, key]) =>
        el("a", { href, "aria-current": location.hash.startsWith(href) ? "page" : null }, t(key)),
      ),
    ),
    el("span", { class: "live", role: "status", "aria-label": t("live.label") }, t(LIVE_WORDS[console_.live])),
    el("span", { class: "who" }, console_.user.name),
    languageSwitch(),
    el(
      "button",
      {
        type: "button",
        class: "secondary",
        on: {
          click: async () => {
            await logOut().catch(() => {});
            location.reload();
          },
        },
      },
      t("logOut"),
    ),
  );
}

let drawing = Promise.resolve();
let drawQueued = false;

// Draws run one after another, and a draw that has not started yet already shows whatever is current
// when it does: a second request while one waits joins it. Two queued draws of the same screen (a
// language switch, then a link followed at once) drew the form twice, the second over what the
// dispatcher had begun to type.
function render() {
  if (drawQueued) return drawing;
  drawQueued = true;
  const next = () => {
    drawQueued = false;
    return draw();
  };
  drawing = drawing.then(next, next);
  return drawing;
}

async function draw() {
  const { view, id, params } = route();
  console_.technicianCache = null;
  let body;
  try {
    const go = (hash) => (location.hash = hash);
    body = await view({ ...console_, id, params, render, technicians, go });
  } catch (error) {
    body = el("p", { class: "error", role: "alert" }, error instanceof ApiError ? error.message : t("error.retrying"));
  }
  document.title = t("app.title");
  root.replaceChildren(header(), body);
}

/** A field of the form holds something other than what it was drawn with. */
function unsent(form) {
  return [...form.elements].some((field) => {
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      const drawn = Math.max(
        0,
        [...field.options].findIndex((option) => option.defaultSelected),
      );
      return field.selectedIndex !== drawn;
    }
    return field.matches("input, textarea") && field.value !== field.defaultValue;
  });
}

/** Someone is answering a dialog, typing in a field, or about to send a form they filled in (the
 * focus on its button, as between pressing and releasing it): a redraw now would throw their input
 * away. */
function busy() {
  if (document.querySelector("dialog[open]")) return true;
  const focused = document.activeElement;
  if (!root.contains(focused)) return false;
  const typing = focused.matches("input:not([type=checkbox]), textarea") && Boolean(focused.value);
  const form = focused.closest("form");
  return typing || Boolean(form && unsent(form));
}

/** A change anywhere: redraw the live screens (not a form being filled in), at most every second;
 * while the dispatcher is busy on the screen, the redraw waits for them. The screen may have changed
 * within that second: a redraw due on the board never falls on the form the dispatcher moved to
 * (and following a link draws the new screen anyway, so it cancels what was due). */
let pending = null;
function changed() {
  if (!route().live || pending) return;
  pending = setTimeout(() => {
    pending = null;
    if (!route().live) return;
    if (busy()) changed();
    else render();
  }, 1000);
}

function navigated() {
  clearTimeout(pending);
  pending = null;
  render();
}

function follow() {
  if (typeof EventSource === "undefined") return poll();
  const source = new EventSource("/api/v1/events/stream");
  source.addEventListener("open", () => setLive("live"));
  source.addEventListener("work_order", (event) => {
    console_.lastEvent = Number(event.lastEventId);
    changed();
  });
  // This user's newer console (another tab) took the stream over: poll instead of taking it back.
  source.addEventListener("superseded", () => {
    source.close();
    poll();
  });
  let failures = 0;
  source.addEventListener("error", () => {
    failures += 1;
    // CLOSED: refused (503 when the server has no stream to spare), the browser will not retry.
    if (source.readyState === EventSource.CLOSED || (failures >= 3 && source.readyState !== EventSource.OPEN)) {
      source.close(); // or a proxy that buffers streams: poll instead
      poll();
    }
  });
}

async function poll() {
  setLive("polling");
  let etag = null;
  let after = console_.lastEvent;
  for (;;) {
    try {
      const answer = await readIfChanged(`/events${after == null ? "" : `?after=${after}`}`, etag);
      if (answer.status === 200) {
        etag = answer.etag;
        const page = answer.body;
        // Without a last event seen (the stream ended before any came), whatever happened between the
        // stream and this first answer is unknown: redraw once to catch up.
        if (after == null || page.items.length) changed();
        after = page.last_id;
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function setLive(state) {
  console_.live = state;
  const badge = root.querySelector(".live");
  if (badge) badge.textContent = t(LIVE_WORDS[state]);
}

function showLogin(message) {
  const login = loginForm({
    labels: { email: t("login.email"), password: t("login.password"), logIn: t("login.logIn") },
    message,
    describeFailure: (failure) =>
      failure instanceof ApiError && failure.status === 429 ? t("login.tooMany") : t("login.wrong"),
    onSignedIn: signedIn,
  });
  document.title = t("app.title");
  const title = el("h1", { class: "login-title" }, t("app.title"));
  root.replaceChildren(
    title,
    el(
      "p",
      { class: "login-language" },
      languageSwitch(() => showLogin(message)),
    ),
    login.form,
  );
}

async function signedIn(user) {
  if (!STAFF.has(user.role)) {
    location.replace("/"); // technicians have their own app
    return;
  }
  console_.user = user;
  console_.meta = await request("GET", "/meta");
  if (!location.hash) location.hash = "#/board";
  await render();
  follow();
}

document.documentElement.lang = currentLanguage();
window.addEventListener("hashchange", navigated);
currentUser()
  .then((user) => (user ? signedIn(user) : showLogin()))
  .catch(() => showLogin(t("error.noAnswer")));
