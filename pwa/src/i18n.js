// Every string of the interface, one catalogue per language.
const catalogues = {
  en: {
    appName: "OnSite",
    email: "Email",
    password: "Password",
    logIn: "Log in",
    logOut: "Log out",
    loginFailed: "Wrong email or password.",
    tooManyAttempts: "Too many attempts; wait a few minutes.",
    offline: "No connection. Try again when you are back online.",
    myJobs: "My jobs",
    noJobs: "No open jobs. Enjoy the quiet.",
    dueIn: "Respond within {time}",
    overdueBy: "Overdue by {time}",
    language: "Language",
    status_assigned: "Assigned",
    status_accepted: "Accepted",
    status_en_route: "On the way",
    status_on_site: "On site",
    status_on_hold: "On hold",
    priority_urgent: "Urgent",
    priority_high: "High",
    priority_normal: "Normal",
    priority_low: "Low",
  },
  "zh-CN": {
    appName: "OnSite 现场服务",
    email: "电子邮箱",
    password: "密码",
    logIn: "登录",
    logOut: "退出登录",
    loginFailed: "邮箱或密码错误。",
    tooManyAttempts: "尝试次数过多，请稍候再试。",
    offline: "没有网络连接。恢复联网后请重试。",
    myJobs: "我的工单",
    noJobs: "暂无未完成的工单。",
    dueIn: "{time}内响应",
    overdueBy: "已超时 {time}",
    language: "语言",
    status_assigned: "已派单",
    status_accepted: "已接单",
    status_en_route: "在途中",
    status_on_site: "已到场",
    status_on_hold: "暂停中",
    priority_urgent: "紧急",
    priority_high: "高",
    priority_normal: "普通",
    priority_low: "低",
  },
};

export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
let language = pickLanguage();

function pickLanguage() {
  const saved = globalThis.localStorage?.getItem("onsite.language");
  if (saved && catalogues[saved]) return saved;
  const wanted = globalThis.navigator?.languages ?? [];
  return wanted.some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function currentLanguage() {
  return language;
}

export function setLanguage(code) {
  if (!catalogues[code]) return;
  language = code;
  globalThis.localStorage?.setItem("onsite.language", code);
  if (globalThis.document) document.documentElement.lang = code;
}

export function t(key, values = {}) {
  const text = catalogues[language][key] ?? catalogues.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function duration(minutes) {
  const m = Math.abs(Math.round(minutes));
  const h = Math.floor(m / 60);
  if (language === "zh-CN") return h ? `${h} 小时 ${m % 60} 分钟` : `${m} 分钟`;
  return h ? `${h} h ${m % 60} min` : `${m} min`;
}
