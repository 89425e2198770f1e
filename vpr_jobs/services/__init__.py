"""Every write of the VPR jobs domain, one module per concept:

- `submission`: the caller's CV, a submitted request (fingerprint, idempotency key, the
  existing-job rules) and its queue message.
- `lifecycle`: every status write: the claim, the worker's steps, cancel, the sweeper,
  operators' resets.
- `operations`: what operators do (retry, re-enqueue, DLQ requeue, purge); the admin and the
  management commands print what these return.
- `erasure`: a user's right to erasure.

Nothing is re-exported: callers import the module that is the name's home
(`from vpr_jobs.services import lifecycle`), so a reader and a monkeypatch find it there.
"""
