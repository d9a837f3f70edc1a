// Intake: a new work order in one form: customer (search, or created inline), channel, priority
// with the due times it implies, skills, location by coordinates or a click on the map.
import { ApiError, change, request } from "../api.js";
import { el, field } from "../dom.js";
import { CHANNELS, LABEL, PRIORITIES, minutesText, select, when } from "./common.js";
import { pickOnMap } from "./map.js";

function dueText(meta, priority, now = Date.now()) {
  const sla = meta.sla_policy[priority];
  if (!sla) return "";
  const respond = new Date(now + sla.respond * 60000).toISOString();
  const resolve = new Date(now + sla.resolve * 60000).toISOString();
  return `Respond by ${when(respond)} (${minutesText(sla.respond)}), resolve by ${when(resolve)} (${minutesText(sla.resolve)})`;
}

function showErrors(error, box) {
  const fields = Object.entries(error.fields ?? {}).map(([name, problems]) => `${name}: ${[].concat(problems).join(", ")}`);
  box.replaceChildren(el("p", {}, error.message), fields.length ? el("ul", {}, fields.map((f) => el("li", {}, f))) : null);
}

export async function intakeView(ctx) {
  const customer = el("input", { id: "customer", list: "customer-options", autocomplete: "off", required: true });
  const options = el("datalist", { id: "customer-options" });
  const found = new Map();
  customer.addEventListener("input", async () => {
    const q = customer.value.trim();
    if (q.length < 2 || found.has(q)) return;
    const page = await request("GET", `/customers?q=${encodeURIComponent(q)}&per_page=10`).catch(() => ({ items: [] }));
    for (const c of page.items) found.set(`${c.name} (#${c.id})`, c);
    options.replaceChildren(...page.items.map((c) => el("option", { value: `${c.name} (#${c.id})` }, c.address ?? "")));
  });
  const phone = el("input", { id: "customer-phone", type: "tel" });
  const title = el("input", { id: "title", required: true, maxlength: 200 });
  const description = el("textarea", { id: "description", rows: 3 });
  const priority = select("priority", PRIORITIES.map((p) => [p, LABEL[p]]), "normal");
  const channel = select("channel", CHANNELS.map((c) => [c, c]), "phone");
  const due = el("p", { class: "meta", id: "due", "aria-live": "polite" }, dueText(ctx.meta, "normal"));
  priority.addEventListener("change", () => (due.textContent = dueText(ctx.meta, priority.value)));
  const skills = el("input", { id: "skills", placeholder: "hvac, electrical" });
  const address = el("input", { id: "address" });
  const lat = el("input", { id: "lat", type: "number", step: "any", min: -90, max: 90, required: true });
  const lon = el("input", { id: "lon", type: "number", step: "any", min: -180, max: 180, required: true });
  const mapBox = el("div", { class: "pick-map", role: "application", "aria-label": "Click the map to set the location" });
  const errors = el("div", { class: "error", role: "alert" });

  customer.addEventListener("change", () => {
    const chosen = found.get(customer.value);
    if (!chosen) return;
    if (chosen.address && !address.value) address.value = chosen.address;
    if (chosen.location && !lat.value) {
      lat.value = chosen.location.lat;
      lon.value = chosen.location.lon;
    }
  });

  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      let chosen = found.get(customer.value);
      const location = { lat: Number(lat.value), lon: Number(lon.value) };
      if (!chosen) {
        // A new caller: the customer is created inline with what the form holds.
        const body = { name: customer.value.trim(), address: address.value.trim() || undefined, location };
        if (phone.value.trim()) body.phone = phone.value.trim();
        chosen = await change("POST", "/customers", body);
      }
      const body = {
        customer_id: chosen.id,
        title: title.value.trim(),
        priority: priority.value,
        channel: channel.value,
        location,
        required_skills: skills.value.split(",").map((s) => s.trim()).filter(Boolean),
      };
      if (description.value.trim()) body.description = description.value.trim();
      if (address.value.trim()) body.address = address.value.trim();
      const created = await change("POST", "/work-orders", body);
      ctx.go(`#/jobs/${created.id}`);
    } catch (error) {
      if (error instanceof ApiError) showErrors(error, errors);
      else errors.textContent = "The server did not answer; nothing was saved.";
    }
  };
  requestAnimationFrame(() =>
    pickOnMap(mapBox, ctx.meta, (point) => {
      lat.value = point.lat.toFixed(6);
      lon.value = point.lon.toFixed(6);
    }),
  );
  return el(
    "form",
    { class: "intake", on: { submit } },
    el("h2", {}, "New work order"),
    field("customer", "Customer", customer),
    options,
    field("customer-phone", "Phone (new customer)", phone),
    field("title", "Title", title),
    field("description", "Description", description),
    el("div", { class: "row" }, field("priority", "Priority", priority), field("channel", "Channel", channel)),
    due,
    field("skills", "Required skills (comma separated)", skills),
    field("address", "Address", address),
    el("div", { class: "row" }, field("lat", "Latitude", lat), field("lon", "Longitude", lon)),
    mapBox,
    errors,
    el("button", { type: "submit" }, "Create work order"),
  );
}
