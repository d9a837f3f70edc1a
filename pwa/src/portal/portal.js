// The customer portal at /portal: sign in with a one-time code (no password), request service with
// photos, an address and a map pick, a preferred time; follow one's requests; self-help articles
// shown before asking. Mobile-first; plain fetch, forms and Leaflet only, so it works in in-app
// browsers (WeChat's included). The customer session is the portal's own cookie; every change
// carries its CSRF token (kept by the one API client, shared/api.js). Text goes in as text (dom.js),
// never as HTML.
import L from "leaflet";
import { exchange, keepCsrfToken } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { downscale } from "../shared/photos.js";
import { currentLanguage } from "../shared/i18n.js";
import { customerWords, jobView } from "../track/view.js";
import catalogues from "./strings.js";

const t = customerWords(catalogues);
const language = currentLanguage();
const root = document.getElementById("app");
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || null;
const company = { name: meta("onsite-company") ?? "OnSite", phone: meta("onsite-company-phone") };
const tiles = { url: meta("onsite-map-tiles"), attribution: meta("onsite-map-attribution") ?? "" };
const CITY = [31.2304, 121.4737];
const TYPES = ["repair", "installation", "maintenance", "inspection", "inquiry", "complaint"];
const SLOTS = { any: null, morning: ["09:00", "12:00"], afternoon: ["13:00", "17:00"], evening: ["18:00", "21:00"] };
const state = { me: null, refresh: null };
// A label on a machine leads here as /portal?asset=<token>: the request is about that machine.
const assetLabel = new URLSearchParams(location.search).get("asset");

document.documentElement.lang = language;
document.title = `${t("portalTitle")} · ${company.name}`;

function page(...content) {
  clearTimeout(state.refresh);
  root.replaceChildren(el("p", { class: "company" }, company.name), ...content);
  root.querySelector("h1, h2")?.setAttribute("tabindex", "-1");
  root.querySelector("h1")?.focus({ preventScroll: true });
}

const alertBox = () => el("p", { class: "error", role: "alert" });

// ---- signing in ---------------------------------------------------------------------------------

function contactBody(text) {
  const value = text.trim();
  return value.includes("@") ? { email: value } : { phone: value };
}

function signIn(notice = "") {
  const contact = el("input", {
    id: "contact",
    name: "contact",
    type: "text",
    autocomplete: "username",
    required: true,
    inputmode: "email",
  });
  const problem = alertBox();
  const form = el(
    "form",
    { novalidate: true, on: { submit: (event) => (event.preventDefault(), sendCode(contact.value, problem)) } },
    field("contact", t("contact"), contact),
    problem,
    el("button", { type: "submit" }, t("sendCode")),
  );
  page(
    el("h1", {}, t("signInTitle")),
    notice ? el("p", { role: "status" }, notice) : null,
    el("p", {}, t("signInIntro")),
    form,
  );
}

async function sendCode(text, problem) {
  if (!text.trim()) {
    problem.textContent = t("badContact");
    return;
  }
  const response = await exchange("POST", "/portal/codes", { json: { ...contactBody(text), language } });
  if (response.status === 202) return enterCode(text.trim());
  problem.textContent = t(response.status === 429 ? "tooMany" : response.status === 422 ? "badContact" : "failed");
}

function enterCode(contactText) {
  const code = el("input", {
    id: "code",
    name: "code",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: "6",
    pattern: "[0-9]*",
    required: true,
  });
  const problem = alertBox();
  const submit = async (event) => {
    event.preventDefault();
    const response = await exchange("POST", "/portal/session", {
      json: { ...contactBody(contactText), code: code.value.trim() },
    });
    if (!response.ok) {
      problem.textContent = t(response.status === 401 ? "wrongCode" : "failed");
      return;
    }
    keepCsrfToken(response.body.csrf_token);
    await start();
  };
  page(
    el("h1", {}, t("signInTitle")),
    el("p", { role: "status" }, t("codeSent", { contact: contactText })),
    el(
      "form",
      { novalidate: true, on: { submit } },
      field("code", t("code"), code),
      problem,
      el("button", { type: "submit" }, t("signIn")),
    ),
    el("p", {}, el("button", { type: "button", class: "secondary", on: { click: () => signIn() } }, t("newCode"))),
  );
  code.focus();
}

// ---- home: my requests ----------------------------------------------------------------------------

async function start() {
  const me = await exchange("GET", "/portal/me");
  if (me.status === 401) return signIn();
  if (!me.ok) return page(el("h1", {}, t("portalTitle")), el("p", { role: "alert" }, t("failed")));
  state.me = me.body;
  keepCsrfToken(me.body.csrf_token);
  if (assetLabel) {
    const asset = await exchange("GET", `/portal/assets/by-label/${encodeURIComponent(assetLabel)}`);
    history.replaceState(null, "", location.pathname); // asked once; "back" then leads home
    if (asset.ok) return requestForm(asset.body);
  }
  return home();
}

async function signOut() {
  await exchange("POST", "/portal/logout");
  keepCsrfToken(null);
  state.me = null;
  signIn();
}

async function home(notice = "") {
  const listed = await exchange("GET", "/portal/requests?per_page=50");
  const items = listed.ok ? listed.body.items : [];
  const list = items.length
    ? el(
        "ul",
        { class: "requests", "aria-label": t("myRequests") },
        items.map((job) =>
          el(
            "li",
            {},
            el(
              "a",
              { href: `#request-${job.id}`, on: { click: (event) => (event.preventDefault(), showRequest(job.id)) } },
              `${job.number} · ${job.title}`,
            ),
            el("span", { class: "step" }, t(`step.${job.status}`)),
          ),
        ),
      )
    : el("p", {}, t("noRequests"));
  page(
    el("h1", {}, state.me?.name ? t("hello", { name: state.me.name }) : t("welcome")),
    notice ? el("p", { role: "status", class: "notice" }, notice) : null,
    el("p", {}, el("button", { type: "button", on: { click: () => requestForm() } }, t("newRequest"))),
    el("h2", {}, t("myRequests")),
    list,
    el("p", {}, el("button", { type: "button", class: "secondary", on: { click: signOut } }, t("signOut"))),
  );
}

async function showRequest(id, notice = "") {
  const response = await exchange("GET", `/portal/requests/${id}`);
  if (!response.ok) return home();
  const job = response.body;
  page(
    el("h1", {}, t("myRequests")),
    notice ? el("p", { role: "status", class: "notice" }, notice) : null,
    jobView(job),
    el("p", {}, el("a", { href: job.tracking_url }, t("trackingLink"))),
    el("p", {}, el("button", { type: "button", class: "secondary", on: { click: () => home() } }, t("back"))),
  );
  if (!["closed", "cancelled"].includes(job.status)) state.refresh = setTimeout(() => showRequest(id), 30_000);
}

// ---- a new request --------------------------------------------------------------------------------

function selfHelp(container) {
  let timer = null;
  let asked = "";
  return (text) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = text.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      const found = await exchange("GET", `/portal/articles?per_page=5&q=${encodeURIComponent(q)}`);
      const articles = found.ok ? found.body.items : [];
      container.replaceChildren(
        ...(articles.length
          ? [
              el("h2", {}, t("selfHelp")),
              ...articles.map((a) =>
                el(
                  "details",
                  { class: "article" },
                  el("summary", {}, a.title),
                  a.symptoms ? el("p", {}, el("strong", {}, t("symptoms")), " ", a.symptoms) : null,
                  a.cause ? el("p", {}, el("strong", {}, t("cause")), " ", a.cause) : null,
                  a.fix ? el("p", { class: "fix" }, el("strong", {}, t("fix")), " ", a.fix) : null,
                ),
              ),
            ]
          : []),
      );
    }, 400);
  };
}

function mapPicker(container, status, initial) {
  const map = L.map(container, { keyboard: true }).setView(
    initial ? [initial.lat, initial.lon] : CITY,
    initial ? 15 : 11,
  );
  if (tiles.url) L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
  let marker = null;
  const picker = { point: initial ?? null };
  picker.set = (point, zoom = null) => {
    picker.point = point;
    const at = [point.lat, point.lon];
    marker = marker ?? L.circleMarker(at, { radius: 9, color: "#101418", fillOpacity: 0.6 }).addTo(map);
    marker.setLatLng(at);
    if (zoom) map.setView(at, zoom);
    status.textContent = t("mapPicked", { lat: point.lat.toFixed(5), lon: point.lon.toFixed(5) });
  };
  map.on("click", (event) => picker.set({ lat: event.latlng.lat, lon: event.latlng.lng }));
  if (initial) picker.set(initial);
  return picker;
}

function preferredWindow(day, slot) {
  const hours = SLOTS[slot];
  if (!day || !hours) return {};
  const at = (time) => new Date(`${day}T${time}`).toISOString(); // the phone's own time zone
  return { preferred_from: at(hours[0]), preferred_to: at(hours[1]) };
}

function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

async function findAddress(text, list, picker, address) {
  const q = text.trim();
  if (!q) return;
  const response = await exchange("GET", `/portal/geocode?q=${encodeURIComponent(q)}`);
  const items = response.ok ? response.body.items : [];
  if (!items.length) {
    list.replaceChildren(el("p", { role: "status" }, t("noSuggestions")));
    return;
  }
  list.replaceChildren(
    el(
      "ul",
      { class: "suggestions", "aria-label": t("suggestions") },
      items.slice(0, 5).map((item) => {
        const choose = () => {
          address.value = item.label;
          picker.set({ lat: item.lat, lon: item.lon }, 16);
          list.replaceChildren();
        };
        return el("li", {}, el("button", { type: "button", class: "link", on: { click: choose } }, item.label));
      }),
    ),
  );
}

/** The photo made smaller on the phone (1600 px, JPEG) when the browser can; else sent as it is. */
async function smaller(file) {
  if (typeof createImageBitmap !== "function") return file;
  try {
    const blob = await downscale(file);
    return blob.size < file.size ? blob : file;
  } catch {
    return file; // an in-app browser without createImageBitmap's options: the server checks the size
  }
}

function requestForm(asset = null) {
  const me = state.me ?? {};
  const help = el("div", { class: "self-help", "aria-live": "polite" });
  const lookUp = selfHelp(help);
  const title = el("input", {
    id: "title",
    name: "title",
    type: "text",
    maxlength: "200",
    required: true,
    placeholder: t("problemHint"),
  });
  title.addEventListener("input", () => lookUp(title.value));
  const kind = el(
    "select",
    { id: "kind", name: "type" },
    TYPES.map((type) => el("option", { value: type }, t(`type.${type}`))),
  );
  const description = el("textarea", { id: "description", name: "description", rows: "3", maxlength: "4000" });
  const name = me.id
    ? null
    : el("input", { id: "name", name: "name", type: "text", autocomplete: "name", maxlength: "200", required: true });
  const address = el("input", {
    id: "address",
    name: "address",
    type: "text",
    autocomplete: "street-address",
    maxlength: "500",
    required: true,
  });
  address.value = me.address ?? "";
  const suggestions = el("div", { class: "suggestions-box" });
  const mapBox = el("div", { class: "map", role: "application", "aria-label": t("mapLabel") });
  const mapStatus = el("p", { class: "map-status", role: "status" }, t("mapNone"));
  const day = el("input", { id: "day", name: "day", type: "date", min: today() });
  const slot = el(
    "select",
    { id: "slot", name: "slot" },
    Object.keys(SLOTS).map((key) => el("option", { value: key }, t(`slot.${key}`))),
  );
  const photos = el("input", {
    id: "photos",
    name: "photos",
    type: "file",
    accept: "image/jpeg,image/png,image/webp",
    multiple: true,
  });
  const problem = alertBox();
  const send = el("button", { type: "submit" }, t("send"));
  let picker = null;
  const locate = () => {
    if (!navigator.geolocation) return (mapStatus.textContent = t("locationFailed"));
    navigator.geolocation.getCurrentPosition(
      (position) => picker.set({ lat: position.coords.latitude, lon: position.coords.longitude }, 16),
      () => (mapStatus.textContent = t("locationFailed")),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  };
  const submit = async (event) => {
    event.preventDefault();
    const missing = [title, name, address].filter((input) => input && !input.value.trim());
    if (missing.length) {
      problem.textContent = t("required");
      missing[0].focus();
      return;
    }
    if (!picker.point) {
      problem.textContent = t("needPlace");
      return;
    }
    send.disabled = true;
    send.textContent = t("sending");
    const body = {
      type: kind.value,
      title: title.value.trim(),
      description: description.value.trim() || null,
      address: address.value.trim(),
      location: picker.point,
      ...preferredWindow(day.value, slot.value),
    };
    if (name) body.name = name.value.trim();
    if (asset) body.asset_id = asset.id;
    const created = await exchange("POST", "/portal/requests", { json: body });
    if (!created.ok) {
      send.disabled = false;
      send.textContent = t("send");
      const fields = created.body?.error?.fields;
      problem.textContent = fields ? Object.values(fields).flat().join(" ") : t("failed");
      return;
    }
    const job = created.body;
    const notes = [t("sent", { number: job.number })];
    for (const file of photos.files) {
      const form = new FormData();
      const small = await smaller(file);
      form.append("file", small, small === file ? file.name : `${file.name.replace(/\.\w+$/, "")}.jpg`);
      const sent = await exchange("POST", `/portal/requests/${job.id}/attachments`, { form });
      if (!sent.ok) notes.push(t("photoFailed", { reason: sent.body?.error?.message ?? sent.status }));
    }
    if (!state.me?.id) state.me = (await exchange("GET", "/portal/me")).body ?? state.me;
    showRequest(job.id, notes.join(" "));
  };
  page(
    el("h1", {}, t("requestTitle")),
    asset ? el("p", { class: "notice" }, t("machine", { model: asset.model, serial: asset.serial })) : null,
    el(
      "form",
      { novalidate: true, on: { submit } },
      field("title", t("problem"), title),
      help,
      field("kind", t("kind"), kind),
      field("description", t("description"), description),
      name ? field("name", t("name"), name) : null,
      field("address", t("address"), address),
      el(
        "p",
        {},
        el(
          "button",
          {
            type: "button",
            class: "secondary",
            on: { click: () => findAddress(address.value, suggestions, picker, address) },
          },
          t("findAddress"),
        ),
      ),
      suggestions,
      mapBox,
      mapStatus,
      el("p", {}, el("button", { type: "button", class: "secondary", on: { click: locate } }, t("useLocation"))),
      el("div", { class: "pair" }, field("day", t("day"), day), field("slot", t("time"), slot)),
      field("photos", t("photos"), photos),
      problem,
      el(
        "p",
        {},
        send,
        " ",
        el("button", { type: "button", class: "secondary", on: { click: () => home() } }, t("back")),
      ),
    ),
  );
  picker = mapPicker(mapBox, mapStatus, me.location ?? null);
}

start();
