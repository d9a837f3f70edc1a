// A job in the console: who should go and why (ranked candidates), one-click assign or reassign
// (confirmed when the technician lacks a required skill), cancel or reopen with a reason, a
// confirmation link for the customer; the timeline in words, logs, parts, photos, and the sign-off
// with its record hash checked against the current record.
import QRCode from "qrcode";
import { ApiError, change, request } from "../shared/api.js";
import { columnHeads, el, field } from "../shared/dom.js";
import { mayDo } from "../shared/workflow.js";
import { LABEL, deedDoubts, eventWords, minutesText, slaTimer, technicianLabel, when } from "./common.js";
import { labels, number, t, timeOfDay } from "./i18n.js";
import { TYPE_LABEL, kindFacts, resolveRemotelyForm } from "./kinds.js";
import { chargesPanel } from "./charges-panel.js";
import { jobKnowledge } from "./knowledge.js";
import { loadSkills, skillNames } from "./skills.js";

const LOG_KINDS = labels("job.logKind.", ["note", "fix", "part"]);
// Confirmation links made on this screen, by job id: a live redraw (the link's own event causes
// one) must not take the URL and QR code away from the dispatcher who is reading them out.
const links = new Map();
const failure = (error) => (error instanceof ApiError ? error.message : t("error.noAnswer"));

// The skills vocabulary, read with each job: skills are shown by their names in the console's language.
let vocabulary = [];
const named = (codes) => skillNames(codes, vocabulary).join(t("list.comma"));

/** A modal question with two answers; resolves to true for the first. The console does not redraw
 * while it is open (dispatch.js: busy). */
function ask(question, yes, no) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { "aria-label": question, class: "ask" });
    const answer = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    dialog.append(
      el("p", {}, question),
      el(
        "div",
        { class: "row" },
        el("button", { type: "button", on: { click: () => answer(true) } }, yes),
        el("button", { type: "button", class: "secondary", on: { click: () => answer(false) } }, no),
      ),
    );
    dialog.addEventListener("cancel", () => answer(false)); // Escape
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** When the candidate could be there (after the jobs queued ahead), and whether that is in time. */
function arrivalCell(c) {
  if (!c.arrival_at) return el("td", {}, t("none"));
  const at = timeOfDay(c.arrival_at);
  const notes = [
    c.queue_ahead ? t(c.queue_ahead === 1 ? "job.afterOneJob" : "job.afterJobs", { count: c.queue_ahead }) : null,
    c.meets_deadline === false ? t("job.missesDeadline") : null,
    c.within_hours === false ? t("job.outsideHours") : null,
  ].filter(Boolean);
  const late = c.meets_deadline === false || c.within_hours === false;
  return el(
    "td",
    { class: late ? "late" : null },
    at,
    notes.length ? t("job.notes", { notes: notes.join(t("list.comma")) }) : "",
  );
}

function candidateTable(ctx, job, candidates, feedback, roster) {
  const verb = t(job.technician ? "job.reassign" : "job.assign");
  const assign = async (candidate) => {
    const name = technicianLabel(candidate.technician, roster);
    const missing = candidate.skills_missing;
    const question = t("job.lacksSkills", { name, skills: named(missing) });
    if (missing.length && !(await ask(question, t("job.assignAnyway"), t("job.dontAssign")))) return;
    try {
      await change("POST", `/work-orders/${job.id}/assign`, { technician_id: candidate.technician.id });
      ctx.render();
    } catch (error) {
      feedback.textContent = failure(error);
    }
  };
  return el(
    "table",
    { class: "candidates", "aria-label": t("job.candidates") },
    columnHeads(
      ["technician", "distance", "eta", "arrives", "load", "missingSkills", "score", "action"].map((h) =>
        t(`job.column.${h}`),
      ),
    ),
    el(
      "tbody",
      {},
      candidates.map((c) =>
        el(
          "tr",
          { class: c.qualified ? null : "unqualified" },
          el("th", { scope: "row" }, technicianLabel(c.technician, roster)),
          el("td", {}, t("km", { count: number(c.distance_km, 1) })),
          el("td", {}, minutesText(c.eta_minutes)),
          arrivalCell(c),
          el("td", {}, `${c.open_jobs}/${c.technician.max_open_jobs}`),
          el("td", {}, named(c.skills_missing) || t("none")),
          el("td", {}, number(c.score, 1)),
          el(
            "td",
            {},
            job.technician?.id === c.technician.id
              ? t("job.current")
              : el(
                  "button",
                  {
                    type: "button",
                    "aria-label": t("job.assignTo", { verb, name: technicianLabel(c.technician, roster) }),
                    on: { click: () => assign(c) },
                  },
                  verb,
                ),
          ),
        ),
      ),
    ),
  );
}

/** A form for an action that needs only a reason (cancel, reopen); `extra` goes into its body too. */
function reasonForm(ctx, job, feedback, { action, label, button, buttonClass, extra = {} }) {
  const id = `${action}-reason`;
  const reason = el("input", { id, required: true, maxlength: 1000 });
  const submit = async (event) => {
    event.preventDefault();
    try {
      await change("POST", `/work-orders/${job.id}/actions/${action}`, { reason: reason.value.trim(), ...extra });
      ctx.render();
    } catch (error) {
      feedback.textContent = failure(error);
    }
  };
  return el(
    "form",
    { class: "row", on: { submit } },
    field(id, label, reason),
    el("button", { type: "submit", class: buttonClass }, button),
  );
}

function cancelForm(ctx, job, feedback) {
  const words = { label: t("job.cancelReason"), button: t("job.cancelJob") };
  return reasonForm(ctx, job, feedback, { action: "cancel", ...words, buttonClass: "danger" });
}

// Why an answer looks given by staff rather than the customer (the server's `flags`).
const ANSWER_FLAGS = ["staff_session", "own_technician", "away_from_site"];

/** Who answered, as the server saw it: where from, which browser, how far from the site, and any warning. */
function answeredFrom(signoff) {
  const from = signoff.answered_from ?? {};
  const facts = [
    from.address ? t("job.fromAddress", { address: from.address }) : null,
    signoff.distance_km != null ? t("job.fromSite", { km: number(Number(signoff.distance_km), 2) }) : null,
    from.user_agent ? from.user_agent.slice(0, 80) : null,
  ].filter(Boolean);
  const flags = (signoff.flags ?? []).map((f) => (ANSWER_FLAGS.includes(f) ? t(`job.answerFlag.${f}`) : f));
  return [
    facts.length ? el("p", { class: "meta" }, t("job.answered", { facts: facts.join(" · ") })) : null,
    flags.length
      ? el("p", { class: "late", role: "status" }, t("job.notCustomers", { flags: flags.join(t("list.semicolon")) }))
      : null,
  ];
}

function signoffCard(signoff) {
  if (!signoff) return null;
  return el(
    "section",
    { class: "panel", "aria-labelledby": "signoff-title" },
    el("h3", { id: "signoff-title" }, t("job.signoff")),
    el(
      "p",
      {},
      `${signoff.signer_name} · ${t(signoff.method === "link" ? "job.byLink" : "job.onPhone")} · ${when(signoff.signed_at)}`,
    ),
    answeredFrom(signoff),
    signoff.rating ? el("p", {}, t("job.rating", { rating: signoff.rating })) : null,
    signoff.comment ? el("p", {}, signoff.comment) : null,
    signoff.signature_url
      ? el("img", {
          src: signoff.signature_url,
          alt: t("job.signatureOf", { name: signoff.signer_name }),
          class: "signature-image",
        })
      : null,
    el(
      "p",
      {},
      t("job.recordHash"),
      el("code", {}, signoff.record_hash.slice(0, 16) + "…"),
      ": ",
      el(
        "strong",
        { class: signoff.record_valid ? "ok" : "late", role: "status" },
        t(signoff.record_valid ? "job.recordValid" : "job.recordAltered"),
      ),
    ),
  );
}

/** A flagged deed: why its time or place is doubtful, and both times (as the phone dated it, and as
 * the server received it), so the dispatcher can judge a late arrival dated early. */
function doubtful(event) {
  const doubts = deedDoubts(event);
  if (!doubts.length) return null;
  return el(
    "p",
    { class: "late doubt" },
    t("job.doubtful", { doubts: doubts.join(t("list.semicolon")) }),
    el("time", { datetime: event.occurred_at }, when(event.occurred_at)),
    t("job.received"),
    el("time", { datetime: event.recorded_at }, when(event.recorded_at)),
    t("job.later", { time: minutesText((Date.parse(event.recorded_at) - Date.parse(event.occurred_at)) / 60000) }),
  );
}

/** Each event as a sentence ("Assigned to Li Wei by Dana Dispatcher"), the comment it carries
 * (a reason, a resolution, the customer's words) quoted after it, never in the actor's place. */
function timeline(job, roster) {
  const item = (event) => {
    const { sentence, comment } = eventWords(event, roster);
    return el(
      "li",
      {},
      el("time", { datetime: event.occurred_at }, when(event.occurred_at)),
      ` · ${sentence}`,
      comment ? [t("job.colon"), el("span", { class: "comment" }, t("job.quoted", { comment }))] : null,
      doubtful(event),
    );
  };
  return el("ol", { class: "timeline", "aria-label": t("job.timeline") }, job.events.map(item));
}

function reopenForm(ctx, job, feedback) {
  const words = { label: t("job.reopenReason"), button: t("job.reopenJob") };
  return reasonForm(ctx, job, feedback, { action: "reopen", ...words, extra: { version: job.version } });
}

async function linkPanel(link) {
  const qr = await QRCode.toDataURL(link.url, { margin: 1, width: 200, errorCorrectionLevel: "M" });
  return el(
    "section",
    { class: "panel", "aria-labelledby": "link-title" },
    el("h3", { id: "link-title" }, t("job.link")),
    el("p", {}, el("a", { href: link.url, target: "_blank", rel: "noopener" }, link.url)),
    el("p", { class: "meta" }, t("job.linkValid", { until: when(link.expires_at) })),
    el("img", { src: qr, alt: t("job.linkQr"), width: 200, height: 200 }),
  );
}

async function confirmationLink(ctx, job, feedback) {
  const made = links.get(job.id);
  const create = async () => {
    try {
      links.set(job.id, await change("POST", `/work-orders/${job.id}/confirmation-link`));
      ctx.render();
    } catch (error) {
      feedback.textContent = failure(error);
    }
  };
  const button = el(
    "button",
    { type: "button", class: made ? "secondary" : null, on: { click: create } },
    t(made ? "job.newLink" : "job.createLink"),
  );
  return [button, made ? await linkPanel(made) : null];
}

function logs(job) {
  return el(
    "ul",
    { "aria-label": t("job.logs") },
    job.logs.map((log) =>
      el(
        "li",
        {},
        `${when(log.occurred_at)} · ${log.author.name} · ${LOG_KINDS[log.kind] ?? log.kind}${t("job.colon")}`,
        log.text ?? "",
        log.minutes ? ` (${minutesText(log.minutes)})` : "",
        log.parts.map((p) => ` ${p.qty} × ${p.name} (${p.sku})`).join(","),
      ),
    ),
  );
}

function dueTimes(job) {
  const text = t("job.dueTimes", { respond: when(job.response_due_at), resolve: when(job.resolve_due_at) });
  return el("p", { id: "due-times" }, text);
}

export async function jobView(ctx) {
  const [job, roster] = await Promise.all([
    request("GET", `/work-orders/${ctx.id}`),
    ctx.technicians(),
    loadSkills()
      .then((skills) => (vocabulary = skills))
      .catch(() => null),
  ]);
  const feedback = el("p", { class: "error", role: "alert" });
  // What this dispatcher may do now: the job's allowed_actions, and meta's activities for the rest.
  const may = (action) => job.allowed_actions.includes(action);
  const mayRecord = (activity) => mayDo(activity, job, ctx.meta, ctx.user.role);
  const candidates = mayRecord("candidates")
    ? (await request("GET", `/work-orders/${job.id}/candidates?per_page=10`)).items
    : [];
  return el(
    "article",
    { class: "job" },
    el("a", { href: "#/board" }, t("job.backToBoard")),
    el("h2", {}, `${job.number} · ${job.title}`),
    el(
      "p",
      {},
      `${TYPE_LABEL[job.type] ?? job.type} · ${LABEL[job.priority]} · ${LABEL[job.channel] ?? job.channel} · `,
      el("strong", { id: "job-status" }, LABEL[job.status]),
      ` · ${job.technician ? technicianLabel(job.technician, roster) : t("job.unassigned")}`,
    ),
    slaTimer(job),
    dueTimes(job),
    job.escalated_at ? el("p", { class: "flag escalated" }, t("job.escalated", { at: when(job.escalated_at) })) : null,
    el(
      "p",
      {},
      el("a", { href: `#/customers/${job.customer.id}` }, job.customer.name),
      job.customer.phone ? ` · ${job.customer.phone}` : "",
      job.address ? ` · ${job.address}` : "",
    ),
    job.description ? el("p", { class: "description" }, job.description) : null,
    job.required_skills.length ? el("p", {}, t("job.skills", { skills: named(job.required_skills) })) : null,
    mayRecord("update")
      ? el("p", {}, el("a", { href: `#/jobs/${job.id}/edit`, class: "button secondary" }, t("job.edit")))
      : null,
    feedback,
    candidates.length
      ? [
          el("h3", {}, t(job.technician ? "job.reassignTo" : "job.whoShouldGo")),
          candidateTable(ctx, job, candidates, feedback, roster),
        ]
      : null,
    may("resolve_remotely") ? resolveRemotelyForm(ctx, job, feedback) : null,
    mayRecord("confirmation_link") ? await confirmationLink(ctx, job, feedback) : null,
    may("reopen") ? reopenForm(ctx, job, feedback) : null,
    may("cancel") ? cancelForm(ctx, job, feedback) : null,
    job.resolution ? el("p", {}, el("strong", {}, t("job.resolution")), job.resolution) : null,
    kindFacts(job),
    await jobKnowledge(ctx, job),
    job.logs.length ? [el("h3", {}, t("job.logsAndParts")), logs(job)] : null,
    job.attachments.length
      ? [
          el("h3", {}, t("job.photos")),
          el(
            "div",
            { class: "photos" },
            job.attachments.map((a) =>
              el(
                "a",
                { href: a.url, target: "_blank" },
                el("img", { src: a.url, alt: t("job.photo", { id: a.id }), loading: "lazy" }),
              ),
            ),
          ),
        ]
      : null,
    signoffCard(job.signoff ?? job.signoffs?.at(-1)),
    await chargesPanel(ctx, job),
    el("h3", {}, t("job.timeline")),
    timeline(job, roster),
  );
}
