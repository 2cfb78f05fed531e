package dev.pgconductor;

/**
 * A snapshot of an orchestrator's lifecycle.
 *
 * @param id the id it registered with
 * @param running started and not yet stopping
 * @param shuttingDown stopping: no new work is fetched
 * @param stopped fully stopped
 */
public record OrchestratorInfo(String id, boolean running, boolean shuttingDown, boolean stopped) {}
