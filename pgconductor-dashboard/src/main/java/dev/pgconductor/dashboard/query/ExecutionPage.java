package dev.pgconductor.dashboard.query;

import java.util.List;

/**
 * A page of {@link ExecutionQuery#list}: newest first.
 *
 * @param executions the executions on this page, newest first
 * @param nextCursor the cursor of the next (older) page, to pass as {@link ExecutionFilter#after};
 *     {@code null} when this is the last page
 */
public record ExecutionPage(List<ExecutionSummary> executions, String nextCursor) {}
