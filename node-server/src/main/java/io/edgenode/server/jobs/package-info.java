/**
 * Per-session schedules ("remind me in 10 minutes", "every morning at 8, five times"): the request's rules
 * ({@link io.edgenode.server.jobs.ScheduleRequest}), when a schedule is next due ({@link io.edgenode.server.jobs.Cadence}),
 * the durable record of schedules and runs ({@link io.edgenode.server.jobs.ScheduleStore}, {@code <dataDir>/jobs.db}),
 * and the one thread that owns time ({@link io.edgenode.server.jobs.JobScheduler}). What a run does is a
 * {@link io.edgenode.server.jobs.JobAction} supplied by the server (a session turn, a webhook POST); nothing here
 * knows HTTP.
 */
package io.edgenode.server.jobs;
