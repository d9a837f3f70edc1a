// Intake: a new work order in one form: customer (search, or a new caller created with the job in
// one request), channel, priority with the due times it implies, skills picked by name, the address
// with the geocoder's suggestions, location by coordinates, a suggestion or a click on the map. A caller whose phone or name is already known is offered before a second
// customer is made: one customer, one history.
import { ApiError, change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { CHANNELS, LABEL, minutesText, PRIORITIES, select, showErrors, when } from "./common.js";
import { t } from "./i18n.js";
import { addressSuggestions } from "./geocode.js";
import { complaintIntakeFields, slaFor, typeSelect } from "./kinds.js";
import { suggestedArticlesBox } from "./knowledge.js";
import { pickOnMap } from "./map.js";
import { loadSkills, skillPicker } from "./skills.js";
import { serialLookup } from "./assets.js";

const MATCH_DELAY_MS = 300;

function dueText(meta, priority, now = Date.now(), type = "repair") {
  const sla = slaFor(meta, type, priority);
  if (!sla) return "";
  const respond = new Date(now + sla.respond * 60000).toISOString();
  const resolve = new Date(now + sla.resolve * 60000).toISOString();
  return t("intake.due", {
    respond: when(respond),
    respondIn: minutesText(sla.respond),
    resolve: when(resolve),
    resolveIn: minutesText(sla.resolve),
  });
}

const customerLabel = (c) => `${c.name} (#${c.id})`;
const customerFacts = (c) => [c.phone, c.address].filter(Boolean).join(" · ");

/** The customer part of the form: a chosen customer, or a new caller checked against known ones. */
function customerPicker(onChosen) {
  const input = el("input", { id: "customer", list: "customer-options", autocomplete: "off", required: true });
  const options = el("datalist", { id: "customer-options" });
  const phone = el("input", { id: "customer-phone", type: "tel", autocomplete: "off" });
  const confirmNew = el("input", { id: "confirm-new", type: "checkbox" });
  const confirmBox = el(
    "div",
    { class: "field checkbox", hidden: true },
    confirmNew,
    el("label", { for: "confirm-new" }, t("intake.confirmNew")),
  );
  const matchList = el("ul", { class: "matches" });
  const matchBox = el(
    "section",
    { class: "likely", "aria-label": t("intake.matches"), hidden: true },
    el("h3", {}, t("intake.alreadyCustomer")),
    matchList,
  );
  const found = new Map();
  const state = { chosen: null, matches: [] };

  const choose = (c) => {
    found.set(customerLabel(c), c);
    input.value = customerLabel(c);
    state.chosen = c;
    phone.value = c.phone ?? "";
    showMatches([]);
    onChosen(c);
  };
  const showMatches = (matches) => {
    state.matches = matches;
    matchList.replaceChildren(
      ...matches.map((c) =>
        el(
          "li",
          {},
          el("span", {}, `${c.name} — ${customerFacts(c) || t("intake.noFacts")} `),
          el(
            "button",
            { type: "button", class: "secondary", on: { click: () => choose(c) } },
            t("intake.use", { name: c.name, id: c.id }),
          ),
        ),
      ),
    );
    matchBox.hidden = confirmBox.hidden = !matches.length;
    if (!matches.length) confirmNew.checked = false;
  };
  const lookForMatches = async () => {
    const name = input.value.trim();
    const number = phone.value.trim();
    if (state.chosen || (!name && !number)) return showMatches([]);
    const query = new URLSearchParams({ ...(name && { name }), ...(number && { phone: number }) });
    const page = await request("GET", `/customers/matches?${query}`).catch(() => ({ items: [] }));
    showMatches(page.items);
  };
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(lookForMatches, MATCH_DELAY_MS);
  };

  input.addEventListener("input", async () => {
    state.chosen = found.get(input.value) ?? null;
    if (state.chosen) return choose(state.chosen);
    soon();
    const q = input.value.trim();
    if (q.length < 2) return;
    const page = await request("GET", `/customers?q=${encodeURIComponent(q)}&per_page=10`).catch(() => ({ items: [] }));
    for (const c of page.items) found.set(customerLabel(c), c);
    options.replaceChildren(...page.items.map((c) => el("option", { value: customerLabel(c) }, customerFacts(c))));
  });
  phone.addEventListener("input", soon);

  return {
    fields: [
      field("customer", t("intake.customer"), input),
      options,
      field("customer-phone", t("intake.phone"), phone),
      matchBox,
      confirmBox,
    ],
    choose,
    /** What the work order names as its customer: `customer_id`, or a new caller to create with it. */
    body(address, location) {
      if (state.chosen) return { customer_id: state.chosen.id };
      const customer = { name: input.value.trim(), location, confirm_new: confirmNew.checked };
      if (phone.value.trim()) customer.phone = phone.value.trim();
      if (address) customer.address = address;
      return { customer };
    },
    lookForMatches,
  };
}

export async function intakeView(ctx) {
  const title = el("input", { id: "title", required: true, maxlength: 200 });
  const description = el("textarea", { id: "description", rows: 3 });
  const priority = select(
    "priority",
    PRIORITIES.map((p) => [p, LABEL[p]]),
    "normal",
  );
  const channel = select(
    "channel",
    CHANNELS.map((c) => [c, LABEL[c]]),
    "phone",
  );
  const type = typeSelect("type");
  const complaint = complaintIntakeFields(type);
  const due = el("p", { class: "meta", id: "due", "aria-live": "polite" }, dueText(ctx.meta, "normal"));
  const showDue = () => (due.textContent = dueText(ctx.meta, priority.value, Date.now(), type.value));
  priority.addEventListener("change", showDue);
  type.addEventListener("change", showDue);
  const [vocabulary, roster] = await Promise.all([loadSkills().catch(() => []), ctx.technicians().catch(() => [])]);
  const skills = skillPicker(
    "skills",
    t("intake.skills"),
    vocabulary,
    [],
    roster.flatMap((tech) => tech.skills),
  );
  const address = el("input", { id: "address", autocomplete: "off" });
  const lat = el("input", { id: "lat", type: "number", step: "any", min: -90, max: 90, required: true });
  const lon = el("input", { id: "lon", type: "number", step: "any", min: -180, max: 180, required: true });
  const mapBox = el("div", {
    class: "pick-map",
    role: "application",
    "aria-label": t("intake.map"),
  });
  const errors = el("div", { class: "error", role: "alert" });

  const customer = customerPicker((chosen) => {
    if (chosen.address && !address.value) address.value = chosen.address;
    if (chosen.location && !lat.value) {
      lat.value = chosen.location.lat;
      lon.value = chosen.location.lon;
    }
  });
  // The serial read off the machine finds it and its customer.
  const machine = serialLookup(async (asset) =>
    customer.choose(await request("GET", `/customers/${asset.customer.id}`)),
  );
  const preselected = ctx.params?.get("customer");
  if (preselected) customer.choose(await request("GET", `/customers/${Number(preselected)}`));

  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const location = { lat: Number(lat.value), lon: Number(lon.value) };
    const body = {
      ...customer.body(address.value.trim() || undefined, location),
      ...machine.body(),
      title: title.value.trim(),
      priority: priority.value,
      channel: channel.value,
      type: type.value,
      ...complaint.body(),
      location,
      required_skills: skills.codes(),
    };
    if (description.value.trim()) body.description = description.value.trim();
    if (address.value.trim()) body.address = address.value.trim();
    try {
      const created = await change("POST", "/work-orders", body);
      ctx.go(`#/jobs/${created.id}`);
    } catch (error) {
      if (!(error instanceof ApiError)) {
        errors.textContent = t("error.nothingSaved");
        return;
      }
      showErrors(error, errors);
      if (error.status === 409) await customer.lookForMatches(); // a known caller: offer them
    }
  };
  let map = null;
  requestAnimationFrame(() => {
    map = pickOnMap(mapBox, ctx.meta, (point) => {
      lat.value = point.lat.toFixed(6);
      lon.value = point.lon.toFixed(6);
    });
  });
  // A suggestion picked: its coordinates, and the map's marker there (as if clicked).
  const suggestions = addressSuggestions(address, (place) => {
    lat.value = place.lat.toFixed(6);
    lon.value = place.lon.toFixed(6);
    map?.fire("click", { latlng: { lat: place.lat, lng: place.lon } });
    map?.setView([place.lat, place.lon], Math.max(map.getZoom(), 15));
  });
  return el(
    "form",
    { class: "intake", on: { submit } },
    el("h2", {}, t("nav.new")),
    ...machine.fields,
    ...customer.fields,
    field("title", t("intake.title"), title),
    suggestedArticlesBox(title),
    field("description", t("intake.description"), description),
    el(
      "div",
      { class: "row" },
      field("type", t("intake.type"), type),
      field("priority", t("intake.priority"), priority),
      field("channel", t("intake.channel"), channel),
    ),
    complaint.box,
    due,
    skills.box,
    field("address", t("intake.address"), address),
    ...suggestions,
    el("div", { class: "row" }, field("lat", t("intake.lat"), lat), field("lon", t("intake.lon"), lon)),
    mapBox,
    errors,
    el("button", { type: "submit" }, t("intake.create")),
  );
}
