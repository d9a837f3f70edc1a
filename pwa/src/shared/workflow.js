// The server's status machine (GET /api/v1/meta): which buttons a job shows when the phone cannot ask
// the server, what a change made offline does to the phone's copy, what a role may record on a job, and
// which SLA due time counts down in which status (the phone's and the console's timers).

const STAMPS = {
  accept: "accepted_at",
  depart: "departed_at",
  arrive: "arrived_at",
  complete: "completed_at",
  close: "closed_at",
};

/** The actions the assigned technician may take now (table order), from the job's own list when
 * the server sent one for its current status, else from the table. */
export function allowedActions(job, meta) {
  if (job.allowed_actions && !job.changedOffline) return job.allowed_actions;
  return meta.actions
    .filter((a) => a.roles.includes("technician") && a.from_statuses.includes(job.status))
    .map((a) => a.name);
}

/** Whether `role` may do `activity` (log, candidates, update ...) on the job in its current status. */
export function mayDo(activity, job, meta, role = "technician") {
  const rule = meta.activities.find((a) => a.name === activity);
  return Boolean(rule && rule.roles.includes(role) && rule.statuses.includes(job.status));
}

/** The SLA due time counting down now: `{responding, minutes}` (to the response due time until the
 * technician is on site, then to the resolve due time), or null once done or without a due time. */
export function slaCountdown(job, meta, now = Date.now()) {
  const statuses = meta?.sla_countdown;
  if (!statuses) return null; // a phone's meta saved before the server said
  const responding = statuses.respond.includes(job.status);
  if (!responding && !statuses.resolve.includes(job.status)) return null;
  const due = responding ? job.response_due_at : job.resolve_due_at;
  return due ? { responding, minutes: (Date.parse(due) - now) / 60000 } : null;
}

/** The phone's copy of `job` after `action` done at `at` (ISO), before the server has seen it. */
export function applyLocally(job, action, params, at, meta) {
  const rule = meta.actions.find((a) => a.name === action);
  const next = { ...job, status: rule.to_status, changedOffline: true };
  const stamp = STAMPS[action];
  if (stamp && !(action === "arrive" && job.arrived_at)) next[stamp] = at;
  if (action === "complete")
    Object.assign(next, { resolution: params.resolution, first_time_fix: params.first_time_fix });
  if (action === "resolve_remotely") Object.assign(next, { resolution: params.resolution, resolved_remotely: true });
  if (action === "decline") Object.assign(next, { technician: null, mine: false });
  next.events = [
    ...(job.events ?? []),
    { action, from_status: job.status, to_status: rule.to_status, occurred_at: at, details: params, pending: true },
  ];
  return next;
}
