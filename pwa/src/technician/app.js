// The technician app: the shell (header, sync bar, refused changes), the router and start-up.
// Views live in views/; data goes through work.js (IndexedDB + outbox) and shared/api.js.
import { ApiError, currentUser, logOut } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { LANGUAGES, currentLanguage, setLanguage, t } from "./i18n.js";
import { loginForm } from "../shared/login.js";
import { clearAll, getSetting, openStore, putSetting } from "./store.js";
import { ShiftTracker } from "./location.js";
import { Work } from "./work.js";
import { jobsView } from "./views/jobs.js";
import { jobView } from "./views/job.js";
import { notificationsView, unreadCount } from "./views/notifications.js";
import { refusedPanel } from "./views/refused.js";
import { signoffView } from "./views/signoff.js";
import { vanView } from "./views/van.js";
import { assetView } from "./views/asset.js";
import { scanView, stopCamera } from "./views/scan.js";

const root = document.getElementById("app");
const REFRESH_MS = 60_000;
const app = { db: null, work: null, user: null, meta: null, shift: null, unread: 0, notice: null, view: null };

async function syncBar() {
  const waiting = (await app.work.outbox()).filter((e) => e.state === "pending").length;
  if (waiting === 0) app.notice = null;
  const text = app.work.syncing
    ? t("syncing")
    : waiting === 0
      ? t("syncDone")
      : waiting === 1
        ? t("syncWaitingOne")
        : t("syncWaiting", { count: waiting });
  return el(
    "div",
    { class: navigator.onLine ? "syncbar" : "syncbar offline" },
    el("span", { role: "status", id: "sync-status" }, text),
    el("button", { type: "button", on: { click: () => app.work.sync().catch(() => {}) } }, t("syncNow")),
    navigator.onLine ? null : el("p", { class: "banner" }, t("offlineBanner")),
    app.work.lastSummary?.stopped === "signed_out" ? el("p", { class: "banner" }, t("signedOut")) : null,
    app.notice ? el("p", { class: "banner", role: "alert" }, app.notice) : null,
  );
}

function header() {
  const language = el(
    "select",
    {
      id: "language",
      on: {
        change: (e) => {
          setLanguage(e.target.value);
          render();
        },
      },
    },
    Object.entries(LANGUAGES).map(([code, name]) =>
      el("option", { value: code, selected: code === currentLanguage() }, name),
    ),
  );
  const bell = app.user
    ? el(
        "a",
        { href: "#/notifications", class: "bell" },
        app.unread ? t("notificationsUnread", { count: app.unread }) : t("notifications"),
      )
    : null;
  return el(
    "header",
    {},
    el("h1", {}, el("a", { href: "#/" }, t("appName"))),
    bell,
    app.user ? el("a", { href: "#/van", class: "van" }, t("myVan")) : null,
    app.user ? el("a", { href: "#/scan", class: "scan" }, t("scan")) : null,
    el("label", { for: "language", class: "visually-hidden" }, t("language")),
    language,
    app.user ? el("button", { type: "button", on: { click: signOut } }, t("logOut")) : null,
  );
}

async function signOut() {
  // Logging out wipes the phone's copy: never with changes the server has not got yet.
  await app.work.sync().catch(() => {});
  if ((await app.work.outbox()).some((e) => e.state === "pending")) {
    app.notice = t("logoutWaits");
    return render();
  }
  try {
    await logOut();
  } catch {
    // Offline: the cookie ends with the server's session; the phone's copy is wiped below anyway.
  }
  app.shift?.stop();
  await clearAll(app.db);
  app.user = null;
  showLogin();
}

function showLogin(message) {
  const login = loginForm({
    labels: { email: t("email"), password: t("password"), logIn: t("logIn") },
    message,
    describeFailure: (failure) =>
      !(failure instanceof ApiError) ? t("offline") : failure.status === 429 ? t("tooManyAttempts") : t("loginFailed"),
    onSignedIn: (user) => (user.role === "technician" ? signedIn(user) : t("notTechnician")),
  });
  root.replaceChildren(header(), login.form);
  login.focus();
}

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "jobs" && parts[1])
    return { view: parts[2] === "signoff" ? signoffView : jobView, id: Number(parts[1]) };
  if (parts[0] === "notifications") return { view: notificationsView };
  if (parts[0] === "van") return { view: vanView };
  if (parts[0] === "scan") return { view: scanView };
  if (parts[0] === "asset" && parts[1]) return { view: assetView, token: parts[1] };
  // A label's link (/a/<token>) opened in the browser: the server sends this app's shell.
  const label = /^\/a\/([^/]+)\/?$/.exec(location.pathname);
  if (label && !location.hash) return { view: assetView, token: label[1] };
  return { view: jobsView };
}

/** What the technician is typing survives a redraw (a background refresh must not eat a note). */
const drafts = new Map(); // per screen: kept while a form is briefly absent (a status redraw)

function saveDrafts() {
  for (const input of root.querySelectorAll("input[id], textarea[id], select[id]")) {
    if (input.type !== "file" && !input.closest("header"))
      drafts.set(input.id, input.type === "checkbox" ? input.checked : input.value);
  }
}

function restoreDrafts() {
  for (const [id, value] of drafts) {
    const input = document.getElementById(id);
    if (!input) continue;
    if (input.type === "checkbox") input.checked = value;
    else input.value = value;
  }
}

/** Draw the current screen from the phone's copy (fast, works offline). A `background` redraw
 * (a refresh, a sync) leaves a sticky screen (the signature pad) alone and updates the bars. */
let drawing = Promise.resolve();
export function render(background = false) {
  drawing = drawing.then(
    () => draw(background),
    () => draw(background),
  );
  return drawing;
}

async function draw(background) {
  if (!app.user) return;
  document.documentElement.lang = currentLanguage();
  const { view, id: jobId, token } = route();
  const id = jobId ?? token;
  const same = app.view === view && id === app.viewId;
  if (!same) stopCamera(); // leaving the scan screen turns the camera off
  const bars = el(
    "div",
    { id: "bars" },
    await syncBar(),
    await refusedPanel({ db: app.db, work: app.work, render: () => render(true) }),
  );
  if (same && background && view.sticky) {
    root.querySelector("header").replaceWith(header());
    root.querySelector("#bars").replaceWith(bars);
    return;
  }
  const body = await view({
    ...app,
    id,
    token,
    render,
    refresh: refreshAll,
    go: (hash) => {
      location.hash = hash;
    },
  });
  if (same) saveDrafts();
  else drafts.clear();
  const focused = same ? document.activeElement?.id : null;
  app.view = view;
  app.viewId = id;
  root.replaceChildren(header(), bars, body);
  restoreDrafts();
  if (focused) document.getElementById(focused)?.focus();
  if (!same) window.scrollTo(0, 0);
}

async function refreshAll() {
  if (!navigator.onLine) return render(true);
  try {
    await app.work.sync();
    await app.work.refresh();
    app.unread = await unreadCount();
  } catch {
    // No answer: the phone's copy stays on screen; the next tick or the "online" event retries.
  }
  return render(true);
}

async function signedIn(user) {
  // Another technician on this phone: the previous one's copy and unsent changes are not theirs
  // to see or to send (the server would refuse them under this session anyway).
  const previous = await getSetting(app.db, "user");
  if (previous && previous.id !== user.id) await clearAll(app.db);
  app.user = user;
  await putSetting(app.db, "user", user);
  app.meta = await app.work.meta();
  app.shift = new ShiftTracker(app.work, app.db, app.meta?.location_fresh_minutes);
  await app.shift.restore();
  await render();
  refreshAll();
}

async function start() {
  app.db = await openStore();
  app.work = new Work(app.db);
  app.work.onChange(() => {
    if (app.user) render(true);
  });
  let user;
  try {
    user = await currentUser();
  } catch {
    user = await getSetting(app.db, "user"); // offline: the last session's user and copy of the work
  }
  if (!user || user.role !== "technician") {
    if (user) await clearAll(app.db);
    showLogin(user ? t("notTechnician") : undefined);
    return;
  }
  await signedIn(user);
}

window.addEventListener("hashchange", () => render());
window.addEventListener("online", () => refreshAll());
window.addEventListener("offline", () => render());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshAll();
});
setInterval(() => {
  if (document.visibilityState === "visible") refreshAll();
}, REFRESH_MS);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  // The worker replayed the outbox in the background: show the result and the server's copy.
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "outbox-replayed") refreshAll();
  });
}
start().catch(() => showLogin(t("offline")));
