// The skills vocabulary on the console: skills shown by their name in the console's language, a
// picker (a checkbox per skill, by name) for intake and the technician edit, and the screen where
// dispatchers and admins add, rename and retire skills. Jobs and technicians keep the codes.
import { change, request } from "../shared/api.js";
import { columnHeads, el, field } from "../shared/dom.js";
import { showErrors } from "./common.js";
import { currentLanguage, t } from "./i18n.js";

const PER_PAGE = 200;
const FILTER_FROM = 8; // a picker with more skills than this gets a filter box

/** Every skill of the vocabulary (retired ones too: jobs and technicians may still hold them). */
export async function loadSkills() {
  const skills = [];
  for (let page = 1; ; page += 1) {
    const answer = await request("GET", `/skills?per_page=${PER_PAGE}&page=${page}`);
    skills.push(...answer.items);
    if (skills.length >= answer.total || !answer.items.length) return skills;
  }
}

/** The skill's name in the console's language. */
export function skillName(skill) {
  return currentLanguage().startsWith("zh") ? skill.name_zh : skill.name_en;
}

/** Codes as names, in the console's language (a code the vocabulary lacks is shown as it is). */
export function skillNames(codes, skills) {
  const byCode = new Map(skills.map((s) => [s.code, s]));
  return codes.map((code) => (byCode.has(code) ? skillName(byCode.get(code)) : code));
}

/** A list of checkboxes, one per active skill (and any retired one already chosen), labelled by name,
 * with the codes in `held` (e.g. the roster's) that the vocabulary lacks shown as they are.
 * `codes()` gives the codes ticked. */
export function skillPicker(id, legend, skills, chosen = [], held = []) {
  const ticked = new Set(chosen);
  const offered = skills
    .filter((s) => s.active || ticked.has(s.code))
    .sort((a, b) => skillName(a).localeCompare(skillName(b), currentLanguage()));
  const known = new Set(skills.map((s) => s.code));
  const unknown = [...new Set([...chosen, ...held])]
    .filter((code) => !known.has(code))
    .sort()
    .map((code) => ({ code, name_en: code, name_zh: code }));
  const items = [...offered, ...unknown].map((skill, i) => {
    const box = el("input", { type: "checkbox", id: `${id}-${i}`, value: skill.code, checked: ticked.has(skill.code) });
    const name = skillName(skill);
    const code = name !== skill.code ? [" ", el("span", { class: "code" }, skill.code)] : null;
    const label = el("label", { for: box.id }, name, code);
    return { skill, box, item: el("li", {}, box, label) };
  });
  const list = el(
    "ul",
    { class: "skill-picker", id },
    items.map((i) => i.item),
  );
  const search = el("input", { id: `${id}-filter`, type: "search", autocomplete: "off" });
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    for (const { skill, item } of items) {
      const words = `${skill.code} ${skill.name_en} ${skill.name_zh}`.toLowerCase();
      item.hidden = Boolean(q) && !words.includes(q) && !item.querySelector("input").checked;
    }
  });
  const box = el(
    "fieldset",
    { class: "skills" },
    el("legend", {}, legend),
    items.length > FILTER_FROM ? field(search.id, t("skills.filter"), search) : null,
    items.length ? list : el("p", { class: "meta" }, t("skills.noneYet")),
  );
  return { box, codes: () => items.filter((i) => i.box.checked).map((i) => i.skill.code) };
}

function skillForm(skill, done) {
  const code = el("input", { id: "skill-code", required: true, maxlength: 40, value: skill?.code ?? "" });
  const nameEn = el("input", { id: "skill-name-en", maxlength: 80, value: skill?.name_en ?? "", lang: "en" });
  const nameZh = el("input", { id: "skill-name-zh", maxlength: 80, value: skill?.name_zh ?? "", lang: "zh-CN" });
  const active = el("input", { id: "skill-active", type: "checkbox", checked: skill ? skill.active : true });
  const errors = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const body = { active: active.checked };
    if (nameEn.value.trim()) body.name_en = nameEn.value.trim();
    if (nameZh.value.trim()) body.name_zh = nameZh.value.trim();
    try {
      if (skill) await change("PATCH", `/skills/${skill.id}`, body);
      else await change("POST", "/skills", { ...body, code: code.value.trim() });
      done();
    } catch (error) {
      showErrors(error, errors);
    }
  };
  if (skill) code.readOnly = true; // the code never changes: jobs and technicians hold it
  return el(
    "form",
    { class: "skill-form", on: { submit }, "aria-labelledby": "skill-form-title" },
    el("h3", { id: "skill-form-title" }, skill ? t("skills.editTitle", { code: skill.code }) : t("skills.addTitle")),
    el(
      "div",
      { class: "row" },
      field("skill-code", t("skills.code"), code),
      field("skill-name-en", t("skills.nameEn"), nameEn),
      field("skill-name-zh", t("skills.nameZh"), nameZh),
    ),
    el("div", { class: "field checkbox" }, active, el("label", { for: "skill-active" }, t("skills.activeLabel"))),
    el("p", { class: "meta" }, skill ? t("skills.codeFixed") : t("skills.codeHelp")),
    errors,
    el("button", { type: "submit" }, skill ? t("skills.save") : t("skills.add")),
    skill
      ? el("button", { type: "button", class: "secondary", on: { click: () => done() } }, t("skills.cancel"))
      : null,
  );
}

/** The vocabulary: every skill with its names, an edit per row, and a form to add one. */
export async function skillsView(ctx) {
  const skills = await loadSkills();
  const editing = skills.find((s) => s.id === ctx.id) ?? null;
  const row = (skill) =>
    el(
      "tr",
      { class: skill.active ? null : "retired" },
      el("th", { scope: "row" }, el("code", {}, skill.code)),
      el("td", { lang: "en" }, skill.name_en),
      el("td", { lang: "zh-CN" }, skill.name_zh),
      el("td", {}, skill.active ? t("skills.active") : t("skills.retired")),
      el(
        "td",
        {},
        el(
          "a",
          { href: `#/skills/${skill.id}`, "aria-label": t("skills.editLabel", { name: skillName(skill) }) },
          t("skills.edit"),
        ),
      ),
    );
  const columns = ["code", "nameEn", "nameZh", "status", "change"];
  return el(
    "section",
    { class: "skills-vocabulary", "aria-labelledby": "skills-title" },
    el("h2", { id: "skills-title" }, t("nav.skills")),
    el("p", { class: "meta" }, t("skills.intro")),
    skills.length
      ? el(
          "table",
          { "aria-label": t("nav.skills") },
          columnHeads(columns.map((c) => t(`skills.column.${c}`))),
          el("tbody", {}, skills.map(row)),
        )
      : el("p", {}, t("skills.noneYet")),
    skillForm(editing, () => (editing ? ctx.go("#/skills") : ctx.render())),
  );
}
