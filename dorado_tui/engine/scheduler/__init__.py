"""The scheduler's engine half: exchange calendars, calendar-aware triggers, the lease-holding
scheduler that runs a job table (`dorado_tui.jobs` builds it), and the services jobs call."""
