// Notifications: jobs the scheduler or dispatch gave me, or took away (newest first), said in the
// app's language; each marked read, or all at once.
import { request } from "../../shared/api.js";
import { el } from "../../shared/dom.js";
import { clockTime, duration, kilometres, t } from "../i18n.js";
import { currentPush, pushSupported, turnPushOff, turnPushOn } from "../push.js";
import { getSetting, putSetting } from "../store.js";

const numberOf = (id) => `WO-${String(id).padStart(6, "0")}`;

export async function unreadCount() {
  const page = await request("GET", "/me/notifications?unread=true&per_page=1");
  return page.total;
}

export async function loadNotifications(db) {
  try {
    const page = await request("GET", "/me/notifications?per_page=50");
    await putSetting(db, "notifications", page.items);
    return page.items;
  } catch {
    return (await getSetting(db, "notifications")) ?? [];
  }
}

/** The catalogue's words for `key`, or "" when it has none. */
function words(key, values) {
  const text = t(key, values);
  return text === key ? "" : text;
}

/** What happened, in the app's language, from the notification's kind and details: "WO-000402 Boiler
 * leak: assigned to you by the dispatcher". Without the job's title (an older copy) or words for
 * this kind, the server's English `message`. */
export function notificationText(item) {
  const key = `notification_${item.kind}_${item.by}`;
  const number = item.work_order_number ?? numberOf(item.work_order_id);
  if (!item.work_order_title || !words(key)) return item.message ?? t(`notification_${item.kind}`, { number });
  const details = item.details ?? {};
  const why = item.by === "scheduler" && details.reason ? words(`notifyReason_${details.reason}`) : "";
  const near = item.kind === "assigned" && item.by === "scheduler" && details.distance_km != null;
  const distance = near ? kilometres(details.distance_km) : "";
  const where = near ? words("notifyNear", { distance, eta: duration(details.eta_minutes ?? 0) }) : "";
  return t(key, { number, title: item.work_order_title, where, why }).replace(/\s+/g, " ").trim();
}

// The last attempt to turn push on failed: kept across redraws (the list may redraw while the phone
// waits for its push service), so the answer is not lost with the element that was on screen.
let pushRefused = false;

/** Push on this phone: on or off, beside the list (which shows everything either way). */
async function pushControl(ctx) {
  if (!pushSupported()) return el("p", { class: "meta" }, t("pushUnsupported"));
  const held = await currentPush(ctx.db).catch(() => null);
  const said = held ? "pushOn" : pushRefused ? "pushRefused" : "pushOff";
  const status = el("p", { class: "meta", role: "status", id: "push-status" }, t(said));
  const toggle = async () => {
    try {
      await (held ? turnPushOff(ctx.db) : turnPushOn(ctx.db));
      pushRefused = false;
      await ctx.refresh();
    } catch {
      pushRefused = true;
      (document.getElementById("push-status") ?? status).textContent = t("pushRefused");
    }
  };
  const button = el(
    "button",
    { type: "button", class: "secondary", on: { click: toggle } },
    t(held ? "pushTurnOff" : "pushTurnOn"),
  );
  return el("div", { class: "push" }, status, button);
}

export async function notificationsView(ctx) {
  const items = await loadNotifications(ctx.db);
  const push = await pushControl(ctx);
  const send = async (path, label, body) => {
    await ctx.work.record({ kind: "read", method: "POST", path, label, body });
    await ctx.work.sync().catch(() => {});
    await ctx.refresh(); // the list and the header's count come from the server
  };
  const markRead = (item) => send(`/me/notifications/${item.id}/read`, t("markRead"));
  // Only what is on screen: replayed later, the tap must not mark read what arrived after it.
  const markAllRead = () =>
    send("/me/notifications/read-all", t("markAllRead"), { up_to_id: Math.max(0, ...items.map((i) => i.id)) });
  const anyUnread = items.some((item) => !item.read_at);
  return el(
    "section",
    { class: "pad" },
    el("a", { href: "#/", class: "back" }, t("back")),
    el(
      "div",
      { class: "title-row" },
      el("h2", {}, t("notifications")),
      anyUnread
        ? el("button", { type: "button", class: "secondary", on: { click: markAllRead } }, t("markAllRead"))
        : null,
    ),
    push,
    items.length
      ? el(
          "ul",
          { class: "plain notifications", "aria-label": t("notifications") },
          items.map((item) =>
            el(
              "li",
              { class: item.read_at ? "read" : "unread" },
              el("p", {}, notificationText(item)),
              el("p", { class: "meta" }, clockTime(item.created_at)),
              item.kind === "assigned"
                ? el("a", { href: `#/jobs/${item.work_order_id}` }, numberOf(item.work_order_id))
                : null,
              item.read_at
                ? null
                : el(
                    "button",
                    { type: "button", class: "secondary", on: { click: () => markRead(item) } },
                    t("markRead"),
                  ),
            ),
          ),
        )
      : el("p", {}, t("noNotifications")),
  );
}
