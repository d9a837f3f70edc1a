// The dispatcher console at /dispatch: board, map, intake, job, roster, escalations and KPIs.
// Live: every timeline event written by any server reaches the console through Server-Sent Events
// (falling back to polling with an ETag), and the screen on view redraws.
import { ApiError, currentUser, logOut, request } from "../api.js";
import { el } from "../dom.js";
import { loginForm } from "../login.js";
import { boardView } from "./board.js";
import { customersView, customerView } from "./customers.js";
import { intakeView } from "./intake.js";
import { jobView } from "./job.js";
import { followUpsView, followUpView } from "./follow_ups.js";
import { jobEditView } from "./job-edit.js";
import { knowledgeView } from "./knowledge.js";
import { kpisView } from "./kpis.js";
import { mapView } from "./map.js";
import { planView } from "./plan.js";
import { qualityView } from "./quality.js";
import { companyDaysView, escalationsView, rosterView, technicianEditView } from "./roster.js";

const root = document.getElementById("app");
const STAFF = new Set(["dispatcher", "admin"]);
const POLL_MS = 3000;
const NAV = [
  ["#/board", "Board"],
  ["#/map", "Map"],
  ["#/plan", "Day plan"],
  ["#/new", "New work order"],
  ["#/customers", "Customers"],
  ["#/roster", "Roster"],
  ["#/escalations", "Escalations"],
  ["#/knowledge", "Knowledge base"],
  ["#/follow-ups", "Follow-up calls"],
  ["#/quality", "Quality"],
  ["#/kpis", "KPIs"],
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
  quality: qualityView,
};
const NOT_LIVE = ["new", "intake", "kpis", "customers", "company-days", "plan", "knowledge", "quality"];
const ITEM_VIEWS = { jobs: jobView, customers: customerView, "follow-ups": followUpView };
const EDIT_VIEWS = { jobs: jobEditView, roster: technicianEditView };

/** The screen of the hash: `#/name`, `#/name/id`, `#/name/id/edit`, each with an optional `?query`. */
function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, id, sub] = path.split("/");
  const params = new URLSearchParams(query);
  if (id && sub === "edit" && EDIT_VIEWS[name]) return { view: EDIT_VIEWS[name], id: Number(id), params, live: false };
  if (id && ITEM_VIEWS[name]) return { view: ITEM_VIEWS[name], id: Number(id), params, live: true };
  return { view: VIEWS[name] ?? boardView, params, live: !NOT_LIVE.includes(name) };
}

function header() {
  return el(
    "header",
    {},
    el("h1", {}, "OnSite dispatch"),
    el(
      "nav",
      { "aria-label": "Console" },
      NAV.map(([href, text]) =>
        el("a", { href, "aria-current": location.hash.startsWith(href) ? "page" : null }, text),
      ),
    ),
    el(
      "span",
      { class: "live", role: "status", "aria-label": "Live updates" },
      console_.live === "live" ? "● Live" : console_.live === "polling" ? "● Polling" : "○ Connecting",
    ),
    el("span", { class: "who" }, console_.user.name),
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
      "Log out",
    ),
  );
}

let drawing = Promise.resolve();
function render() {
  drawing = drawing.then(draw, draw);
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
    body = el(
      "p",
      { class: "error", role: "alert" },
      error instanceof ApiError ? error.message : "The server did not answer; retrying.",
    );
  }
  root.replaceChildren(header(), body);
}

/** Someone is answering a dialog or typing in a field: a redraw now would throw their input away. */
function busy() {
  const focused = document.activeElement;
  const typing = root.contains(focused) && focused.matches("input:not([type=checkbox]), textarea") && focused.value;
  return Boolean(document.querySelector("dialog[open]") || typing);
}

/** A change anywhere: redraw the live screens (not a form being filled in), at most every second;
 * while the dispatcher is busy on the screen, the redraw waits for them. */
let pending = null;
function changed() {
  if (!route().live || pending) return;
  pending = setTimeout(() => {
    pending = null;
    if (busy()) changed();
    else render();
  }, 1000);
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
      const headers = { Accept: "application/json", ...(etag ? { "If-None-Match": etag } : {}) };
      const response = await fetch(`/api/v1/events${after == null ? "" : `?after=${after}`}`, {
        headers,
        credentials: "same-origin",
      });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        const page = await response.json();
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
  if (badge) badge.textContent = state === "live" ? "● Live" : "● Polling";
}

function showLogin(message) {
  const login = loginForm({
    labels: { email: "Email", password: "Password", logIn: "Log in" },
    message,
    describeFailure: (failure) =>
      failure instanceof ApiError && failure.status === 429
        ? "Too many attempts; wait a few minutes."
        : "Wrong email or password.",
    onSignedIn: signedIn,
  });
  root.replaceChildren(el("h1", { class: "login-title" }, "OnSite dispatch"), login.form);
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

window.addEventListener("hashchange", () => render());
currentUser()
  .then((user) => (user ? signedIn(user) : showLogin()))
  .catch(() => showLogin("The server did not answer."));
