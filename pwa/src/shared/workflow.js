// The server's status machine (GET /api/v1/meta), used on the phone: which buttons a job shows
// when the phone cannot ask the server, and what a change made offline does to the phone's copy.

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

export function mayDo(activity, job, meta) {
  const rule = meta.activities.find((a) => a.name === activity);
  return Boolean(rule && rule.roles.includes("technician") && rule.statuses.includes(job.status));
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
