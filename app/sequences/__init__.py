"""Step sequences (ステップ配信): messages that follow a friend over days after a moment
that matters (added the shop, linked their account, first purchase, …).

- `enroll`: triggers start runs (`on_event`), exits end them (purchase, unlink, block,
  opt-out, by hand);
- `timing`: when a step is due (minutes/hours/days after the trigger or the previous step,
  or "N days later at HH:MM" in the shop's time zone);
- `advance`: the worker's job: due runs → step condition → a `Notification` in the outbox
  (key per run and step) → the next step's time;
- `editor`: checking and saving a sequence (nothing half-saved), `welcome`: the shipped one;
- `results`: per-step figures from the outbox, clicks and attributions.

Steps are sent by the outbox's dispatcher like any marketing flow (`Flow.SEQUENCE`): quiet
hours, the caps (a capped step waits up to the sequence's `cap_wait_days`), opt-outs.
"""
