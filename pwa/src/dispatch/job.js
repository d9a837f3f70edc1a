// A job in the console: who should go and why (ranked candidates), one-click assign or reassign,
// cancel with a reason; the full timeline, logs, parts, photos, and the sign-off with its record
// hash checked against the current record.
import { ApiError, change, request } from "../api.js";
import { el, field } from "../dom.js";
import { LABEL, minutesText, slaTimer, when } from "./common.js";

const ASSIGNABLE = new Set(["new", "assigned", "accepted", "on_hold"]);

function candidateTable(ctx, job, candidates, feedback) {
  const verb = job.technician ? "Reassign" : "Assign";
  const assign = async (candidate) => {
    try {
      await change("POST", `/work-orders/${job.id}/assign`, { technician_id: candidate.technician.id });
      ctx.render();
    } catch (error) {
      feedback.textContent = error instanceof ApiError ? error.message : "The server did not answer.";
    }
  };
  return el(
    "table",
    { class: "candidates", "aria-label": "Candidates" },
    el("thead", {}, el("tr", {}, ["Technician", "Distance", "ETA", "Load", "Missing skills", "Score", "Action"].map((h) => el("th", { scope: "col" }, h)))),
    el(
      "tbody",
      {},
      candidates.map((c) =>
        el(
          "tr",
          { class: c.qualified ? null : "unqualified" },
          el("th", { scope: "row" }, c.technician.name),
          el("td", {}, `${c.distance_km.toFixed(1)} km`),
          el("td", {}, minutesText(c.eta_minutes)),
          el("td", {}, `${c.open_jobs}/${c.technician.max_open_jobs}`),
          el("td", {}, c.skills_missing.join(", ") || "—"),
          el("td", {}, c.score.toFixed(1)),
          el("td", {}, job.technician?.id === c.technician.id ? "current" : el("button", { type: "button", "aria-label": `${verb} to ${c.technician.name}`, on: { click: () => assign(c) } }, verb)),
        ),
      ),
    ),
  );
}

function cancelForm(ctx, job, feedback) {
  const reason = el("input", { id: "cancel-reason", required: true, maxlength: 1000 });
  const submit = async (event) => {
    event.preventDefault();
    try {
      await change("POST", `/work-orders/${job.id}/actions/cancel`, { reason: reason.value.trim() });
      ctx.render();
    } catch (error) {
      feedback.textContent = error instanceof ApiError ? error.message : "The server did not answer.";
    }
  };
  return el("form", { class: "row", on: { submit } }, field("cancel-reason", "Cancel reason", reason), el("button", { type: "submit", class: "danger" }, "Cancel job"));
}

function signoffCard(signoff) {
  if (!signoff) return null;
  return el(
    "section",
    { class: "panel", "aria-labelledby": "signoff-title" },
    el("h3", { id: "signoff-title" }, "Sign-off"),
    el("p", {}, `${signoff.signer_name} · ${signoff.method === "link" ? "by link" : "on the technician's phone"} · ${when(signoff.signed_at)}`),
    signoff.rating ? el("p", {}, `Rating ${signoff.rating}/5`) : null,
    signoff.comment ? el("p", {}, signoff.comment) : null,
    signoff.signature_url ? el("img", { src: signoff.signature_url, alt: `Signature of ${signoff.signer_name}`, class: "signature-image" }) : null,
    el("p", {}, "Record hash ", el("code", {}, signoff.record_hash.slice(0, 16) + "…"), ": ", el("strong", { class: signoff.record_valid ? "ok" : "late", role: "status" }, signoff.record_valid ? "valid" : "altered since sign-off")),
  );
}

function timeline(job) {
  return el(
    "ol",
    { class: "timeline", "aria-label": "Timeline" },
    job.events.map((e) => el("li", {}, `${when(e.occurred_at)} · ${e.action}`, e.to_status ? ` → ${LABEL[e.to_status] ?? e.to_status}` : "", e.actor?.name ? ` · ${e.actor.name}` : "", e.details?.reason ? ` · ${e.details.reason}` : "")),
  );
}

function logs(job) {
  return el(
    "ul",
    { "aria-label": "Logs" },
    job.logs.map((log) => el("li", {}, `${when(log.occurred_at)} · ${log.author.name} · ${log.kind}: `, log.text ?? "", log.minutes ? ` (${log.minutes} min)` : "", log.parts.map((p) => ` ${p.qty} × ${p.name} (${p.sku})`).join(","))),
  );
}

export async function jobView(ctx) {
  const job = await request("GET", `/work-orders/${ctx.id}`);
  const feedback = el("p", { class: "error", role: "alert" });
  const candidates = ASSIGNABLE.has(job.status) ? (await request("GET", `/work-orders/${job.id}/candidates?per_page=10`)).items : [];
  return el(
    "article",
    { class: "job" },
    el("a", { href: "#/board" }, "← Board"),
    el("h2", {}, `${job.number} · ${job.title}`),
    el("p", {}, `${LABEL[job.priority]} · ${job.channel} · `, el("strong", { id: "job-status" }, LABEL[job.status]), job.technician ? ` · ${job.technician.name}` : " · unassigned"),
    slaTimer(job),
    job.escalated_at ? el("p", { class: "flag escalated" }, `Escalated ${when(job.escalated_at)}: nobody qualified`) : null,
    el("p", {}, `${job.customer.name}${job.customer.phone ? ` · ${job.customer.phone}` : ""}${job.address ? ` · ${job.address}` : ""}`),
    job.description ? el("p", { class: "description" }, job.description) : null,
    job.required_skills.length ? el("p", {}, `Skills: ${job.required_skills.join(", ")}`) : null,
    feedback,
    candidates.length ? [el("h3", {}, job.technician ? "Reassign to" : "Who should go"), candidateTable(ctx, job, candidates, feedback)] : null,
    job.status !== "closed" && job.status !== "cancelled" ? cancelForm(ctx, job, feedback) : null,
    job.resolution ? el("p", {}, el("strong", {}, "Resolution: "), job.resolution) : null,
    job.logs.length ? [el("h3", {}, "Logs and parts"), logs(job)] : null,
    job.attachments.length ? [el("h3", {}, "Photos"), el("div", { class: "photos" }, job.attachments.map((a) => el("a", { href: a.url, target: "_blank" }, el("img", { src: a.url, alt: `Photo ${a.id}`, loading: "lazy" }))))] : null,
    signoffCard(job.signoff ?? job.signoffs?.at(-1)),
    el("h3", {}, "Timeline"),
    timeline(job),
  );
}
