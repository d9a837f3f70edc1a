// English: every string of the dispatcher console, keyed by screen ("nav.", "board.", ...).
// zh-CN.js has the same keys. `{name}` is filled in by t(key, {name}).
export default {
  // The frame: title, navigation, live badge, language, login
  "app.title": "OnSite dispatch",
  "nav.label": "Console",
  "nav.board": "Board",
  "nav.map": "Map",
  "nav.plan": "Day plan",
  "nav.new": "New work order",
  "nav.customers": "Customers",
  "nav.roster": "Roster",
  "nav.escalations": "Escalations",
  "nav.knowledge": "Knowledge base",
  "nav.followUps": "Follow-up calls",
  "nav.quality": "Quality",
  "nav.kpis": "KPIs",
  "live.label": "Live updates",
  "live.live": "● Live",
  "live.polling": "● Polling",
  "live.connecting": "○ Connecting",
  language: "Language",
  logOut: "Log out",
  "login.email": "Email",
  "login.password": "Password",
  "login.logIn": "Log in",
  "login.tooMany": "Too many attempts; wait a few minutes.",
  "login.wrong": "Wrong email or password.",
  "error.noAnswer": "The server did not answer.",
  "error.retrying": "The server did not answer; retrying.",
  "error.nothingSaved": "The server did not answer; nothing was saved.",

  // Durations and distances
  hoursShort: "{hours} h {minutes} min",
  minutesShort: "{count} min",
  km: "{count} km",
  none: "—",
};
