// The customer's tracking page at /t/{token}: where the job stands, refreshed every 30 seconds
// while it is open. No login: the signed token in the address is the credential. Plain fetch (through
// the one API client) and timers only, so it works in in-app browsers (WeChat's included); nothing
// from third parties.
import { exchange } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { currentLanguage } from "../shared/i18n.js";
import { customerWords, jobView, when } from "./view.js";

const t = customerWords();
const root = document.getElementById("app");
const token = decodeURIComponent(location.pathname.split("/").pop());
const api = `/track/${encodeURIComponent(token)}`;
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || null;
const company = { name: meta("onsite-company") ?? "OnSite", phone: meta("onsite-company-phone") };
const REFRESH_MS = 30_000;
const FINAL = new Set(["closed", "cancelled"]);

document.documentElement.lang = currentLanguage();
document.title = `${t("title")} · ${company.name}`;

function contact() {
  if (!company.phone) return null;
  const dial = company.phone.replace(/[^\d+]/g, "");
  return el(
    "p",
    { class: "contact" },
    t("call", { company: company.name }),
    " ",
    el("a", { href: `tel:${dial}` }, company.phone),
  );
}

function page(...content) {
  root.replaceChildren(el("p", { class: "company" }, company.name), el("h1", {}, t("title")), ...content, contact());
}

async function load() {
  let answer;
  try {
    answer = await exchange("GET", api);
  } catch {
    page(el("p", { class: "message error", role: "alert" }, t("failed")));
    setTimeout(load, REFRESH_MS);
    return;
  }
  if (answer.status === 404 || answer.status === 410) {
    page(el("p", { class: "message error", role: "alert" }, t(answer.status === 404 ? "notFound" : "expired")));
    return;
  }
  if (!answer.ok) {
    page(el("p", { class: "message error", role: "alert" }, t("failed")));
    setTimeout(load, REFRESH_MS);
    return;
  }
  const job = answer.body;
  page(jobView(job), el("p", { class: "updated" }, t("updated", { time: when(new Date().toISOString()) })));
  if (!FINAL.has(job.status)) setTimeout(load, REFRESH_MS);
}

page(el("p", { role: "status" }, t("loading")));
load();
