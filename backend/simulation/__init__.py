"""The dispatch simulator: requests replayed through OnSite's own domain code on a simulated clock.

A manager tries a dispatch policy on last month's requests (or on a synthetic city) before switching
it on. Each policy runs in a fresh database of its own, with simulated technicians who accept at
once, drive, ping their position as the app does and work for the job's duration; the figures come
from the simulator's own records and agree with OnSite's KPI report on the same database.

- `clock`: the simulated clock (an agenda of what happens when).
- `requests`: requests from a CSV file, or a synthetic city with its crew.
- `crew`: the simulated technicians, acting through `domain.workflow.apply`.
- `policies`: who gets a new job (`baseline`, `onsite`, `onsite+plan`).
- `report`: the figures per policy, the side-by-side table and the per-job CSV.
- `runner`: a fresh database per policy and the loop that drives it all.
"""

POLICIES = ("baseline", "onsite", "onsite+plan")
