// Address suggestions at intake: typing an address asks the server's geocoder (GET /geocode, cached
// there) and lists the places it knows; picking one fills the coordinates. Without a geocoder, or
// when it fails, the form says so and the map pick does the job.
import { request } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { t } from "./i18n.js";

const DELAY_MS = 400; // ask once the typing pauses: a public geocoder allows about one request a second
const MIN_LENGTH = 3;

/** Suggestions under `input`; `onPick({label, lat, lon})` when one is chosen. Returns the elements. */
export function addressSuggestions(input, onPick) {
  const list = el("ul", { class: "suggestions", id: `${input.id}-suggestions`, "aria-label": t("geocode.list") });
  const status = el("p", { class: "meta", role: "status", "aria-live": "polite" });
  list.hidden = true;
  input.setAttribute("aria-describedby", (status.id = `${input.id}-geocode-status`));
  let timer = null;
  let asked = "";

  const pick = (item) => {
    input.value = item.label;
    asked = item.label;
    list.hidden = true;
    status.textContent = t("geocode.picked", { label: item.label });
    onPick(item);
  };
  const show = (answer) => {
    if (!answer || !answer.available) {
      list.hidden = true;
      status.textContent = answer?.reason === "not_configured" ? t("geocode.off") : t("geocode.unavailable");
      return;
    }
    list.replaceChildren(
      ...answer.items.map((item) =>
        el(
          "li",
          {},
          el("button", { type: "button", class: "suggestion", on: { click: () => pick(item) } }, item.label),
        ),
      ),
    );
    list.hidden = !answer.items.length;
    status.textContent = answer.items.length ? t("geocode.found", { count: answer.items.length }) : t("geocode.none");
  };
  const ask = async () => {
    const q = input.value.trim();
    if (q.length < MIN_LENGTH || q === asked) return;
    asked = q;
    const answer = await request("GET", `/geocode?q=${encodeURIComponent(q)}`).catch(() => null);
    if (input.value.trim() === q) show(answer); // not when the dispatcher typed on meanwhile
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !list.hidden) {
      event.preventDefault();
      list.querySelector("button")?.focus();
    }
  });
  list.addEventListener("keydown", (event) => {
    const buttons = [...list.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? input : buttons[Math.min(next, buttons.length - 1)]).focus();
    } else if (event.key === "Escape") {
      list.hidden = true;
      input.focus();
    }
  });
  return [list, status];
}
