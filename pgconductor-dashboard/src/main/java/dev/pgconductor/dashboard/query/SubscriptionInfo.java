package dev.pgconductor.dashboard.query;

import java.time.Instant;
import java.util.List;

/**
 * A task's subscription to a custom event ({@code pgconductor.subscriptions}).
 *
 * @param event the event's name
 * @param task the subscribed task
 * @param fields the payload fields the task receives, or {@code null} for the whole payload
 * @param condition the SQL condition an event must meet, or {@code null}
 * @param updatedAt when an orchestrator last registered it
 */
public record SubscriptionInfo(
    String event, String task, List<String> fields, String condition, Instant updatedAt) {}
