// The map (Leaflet from npm): jobs coloured by priority and outlined by status, technicians by
// how fresh their position is. Tiles come from the configured server; without tiles the map still
// shows every marker on a plain background.
import L from "leaflet";
import { request } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { LABEL, minutesText, STATUSES } from "./common.js";
import { t } from "./i18n.js";

const PRIORITY_COLOUR = { urgent: "#b00020", high: "#b35c00", normal: "#0b5cad", low: "#4a5560" };
const FRESH_MINUTES = 30;
const CITY = [31.2304, 121.4737];

export function baseMap(container, meta, center = CITY, zoom = 11) {
  const map = L.map(container).setView(center, zoom); // SVG markers: each one is in the page, reachable
  if (meta.map_tile_url) L.tileLayer(meta.map_tile_url, { attribution: meta.map_attribution, maxZoom: 19 }).addTo(map);
  return map;
}

/** A small map in a form: a click sets the point. */
export function pickOnMap(container, meta, onPick) {
  const map = baseMap(container, meta);
  let marker = null;
  map.on("click", (event) => {
    const point = { lat: event.latlng.lat, lon: event.latlng.lng };
    marker = marker ?? L.circleMarker(event.latlng, { radius: 8, color: "#101418" }).addTo(map);
    marker.setLatLng(event.latlng);
    onPick(point);
  });
  return map;
}

function legend() {
  return el(
    "ul",
    { class: "legend", "aria-label": t("map.legend") },
    Object.entries(PRIORITY_COLOUR).map(([p, colour]) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = colour; // CSSOM, not a style attribute: allowed by the CSP
      return el("li", {}, swatch, LABEL[p]);
    }),
    el("li", {}, t("map.technicians", { minutes: FRESH_MINUTES })),
  );
}

export async function mapView(ctx) {
  const [jobs, technicians] = await Promise.all([
    request("GET", `/work-orders?status=${STATUSES.join(",")}&per_page=200`),
    ctx.technicians(),
  ]);
  const container = el("div", { class: "big-map", role: "application", "aria-label": t("map.label") });
  const list = el(
    "p",
    { class: "meta", role: "status" },
    t("map.count", { jobs: jobs.items.length, technicians: technicians.length }),
  );
  requestAnimationFrame(() => {
    const map = baseMap(container, ctx.meta);
    const bounds = [];
    for (const job of jobs.items) {
      if (!job.location) continue;
      const at = [job.location.lat, job.location.lon];
      bounds.push(at);
      L.circleMarker(at, {
        radius: 8,
        color: job.status === "new" ? "#101418" : "#ffffff",
        weight: 3,
        fillColor: PRIORITY_COLOUR[job.priority],
        fillOpacity: 0.9,
      })
        .bindPopup(() => el("a", { href: `#/jobs/${job.id}` }, `${job.number} ${job.title} · ${LABEL[job.status]}`))
        .addTo(map);
    }
    for (const technician of technicians) {
      const position = technician.location ?? technician.home;
      if (!position) continue;
      const age = technician.location ? (Date.now() - Date.parse(technician.location.at)) / 60000 : Infinity;
      const fresh = age <= FRESH_MINUTES;
      L.circleMarker([position.lat, position.lon], {
        radius: 6,
        color: "#1b6e2a",
        weight: 2,
        fillColor: "#1b6e2a",
        fillOpacity: fresh ? 0.9 : 0.2,
        opacity: fresh ? 1 : 0.4,
      })
        .bindPopup(() =>
          el(
            "span",
            {},
            `${technician.name} · ${t(technician.on_shift ? "map.onShift" : "map.offShift")} · ${fresh ? t("roster.ago", { time: minutesText(age) }) : t("map.positionOld")}`,
          ),
        )
        .addTo(map);
    }
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  });
  return el("div", {}, el("h2", {}, t("nav.map")), list, container, legend());
}
