// The technician app: log in, then the day's open jobs, most urgent first, with SLA countdowns.
import { ApiError, currentUser, logIn, logOut, request } from "./api.js";
import { LANGUAGES, currentLanguage, duration, setLanguage, t } from "./i18n.js";

const OPEN = "assigned,accepted,en_route,on_site,on_hold";
const root = document.getElementById("app");
let refreshTimer = null;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c != null));
  return node;
}

function header(user) {
  const select = el(
    "select",
    { id: "language", on: { change: (e) => { setLanguage(e.target.value); start(); } } },
    Object.entries(LANGUAGES).map(([code, name]) => el("option", { value: code, selected: code === currentLanguage() }, name)),
  );
  return el(
    "header",
    {},
    el("h1", {}, t("appName")),
    el("label", { for: "language", class: "visually-hidden" }, t("language")),
    select,
    user ? el("button", { type: "button", on: { click: async () => { await logOut(); start(); } } }, t("logOut")) : null,
  );
}

function showLogin(message) {
  const email = el("input", { id: "email", type: "email", autocomplete: "username", required: true });
  const password = el("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const error = el("p", { class: "error", role: "alert" }, message ?? "");
  const form = el(
    "form",
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            await logIn(email.value.trim(), password.value);
            start();
          } catch (failure) {
            error.textContent = loginMessage(failure);
          }
        },
      },
    },
    el("label", { for: "email" }, t("email")),
    email,
    el("label", { for: "password" }, t("password")),
    password,
    el("button", { type: "submit" }, t("logIn")),
    error,
  );
  root.replaceChildren(header(null), form);
  email.focus();
}

function loginMessage(failure) {
  if (!(failure instanceof ApiError)) return t("offline");
  return failure.status === 429 ? t("tooManyAttempts") : t("loginFailed");
}

function countdown(job, now) {
  const minutes = (Date.parse(job.response_due_at) - now) / 60000;
  const late = job.overdue || minutes < 0;
  const text = late ? t("overdueBy", { time: duration(minutes) }) : t("dueIn", { time: duration(minutes) });
  return el("span", { class: late ? "due overdue" : "due" }, text);
}

function jobCard(job, now) {
  return el(
    "li",
    { class: `job priority-${job.priority}` },
    el("p", { class: "meta" }, `${job.number} · ${t(`priority_${job.priority}`)} · ${t(`status_${job.status}`)}`),
    el("h3", {}, job.title),
    el("p", {}, job.customer?.name ?? "", job.address ? ` — ${job.address}` : ""),
    job.status === "on_site" || job.status === "on_hold" ? null : countdown(job, now),
  );
}

async function showJobs(user) {
  const list = el("ul", { class: "jobs", "aria-label": t("myJobs") });
  root.replaceChildren(header(user), el("h2", {}, t("myJobs")), list);
  const page = await request("GET", `/work-orders?status=${OPEN}&per_page=200`);
  const now = Date.now();
  list.replaceChildren(...(page.items.length ? page.items.map((job) => jobCard(job, now)) : [el("li", {}, t("noJobs"))]));
}

async function start() {
  clearInterval(refreshTimer);
  document.documentElement.lang = currentLanguage();
  let user;
  try {
    user = await currentUser();
  } catch {
    showLogin(t("offline"));
    return;
  }
  if (!user) {
    showLogin();
    return;
  }
  await showJobs(user);
  refreshTimer = setInterval(() => showJobs(user).catch(() => {}), 60_000);
}

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
start();
