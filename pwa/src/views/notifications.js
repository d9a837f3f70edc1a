// Notifications: jobs the scheduler or dispatch gave me, or took away (newest first).
import { request } from "../api.js";
import { el } from "../dom.js";
import { clockTime, t } from "../i18n.js";
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

export async function notificationsView(ctx) {
  const items = await loadNotifications(ctx.db);
  const markRead = async (item) => {
    const path = `/me/notifications/${item.id}/read`;
    await ctx.work.record({ kind: "read", method: "POST", path, label: t("markRead") });
    await ctx.work.sync().catch(() => {});
    await ctx.refresh(); // the list and the header's count come from the server
  };
  return el(
    "section",
    { class: "pad" },
    el("a", { href: "#/", class: "back" }, t("back")),
    el("h2", {}, t("notifications")),
    items.length
      ? el(
          "ul",
          { class: "plain notifications", "aria-label": t("notifications") },
          items.map((item) =>
            el(
              "li",
              { class: item.read_at ? "read" : "unread" },
              el("p", {}, t(`notification_${item.kind}`, { number: numberOf(item.work_order_id) })),
              el("p", { class: "meta" }, clockTime(item.created_at)),
              item.kind === "assigned" ? el("a", { href: `#/jobs/${item.work_order_id}` }, numberOf(item.work_order_id)) : null,
              item.read_at ? null : el("button", { type: "button", class: "secondary", on: { click: () => markRead(item) } }, t("markRead")),
            ),
          ),
        )
      : el("p", {}, t("noNotifications")),
  );
}
