package dev.pgconductor.dashboard.internal;

import dev.pgconductor.dashboard.query.ExecutionPage;
import java.util.Collection;
import java.util.List;

/**
 * The executions list as the template shows it: a page of results and the filters as given. Not
 * public API.
 *
 * @param page the executions
 * @param state the state filter, or empty
 * @param task the task filter, or empty
 * @param queue the queue filter, or empty
 * @param since the lower time bound as given, or empty
 * @param until the upper time bound as given, or empty
 * @param search the dedupe key searched for, or empty
 * @param paged whether this is a later page than the first
 * @param tasks the registered tasks, for the filter's choices
 * @param queues their queues
 */
public record ExecutionsView(
    ExecutionPage page,
    String state,
    String task,
    String queue,
    String since,
    String until,
    String search,
    boolean paged,
    List<String> tasks,
    Collection<String> queues) {

  /** The query string of these filters (without the cursor), starting with {@code ?}. */
  public String query() {
    StringBuilder q = new StringBuilder("?");
    add(q, "state", state);
    add(q, "task", task);
    add(q, "queue", queue);
    add(q, "since", since);
    add(q, "until", until);
    add(q, "q", search);
    return q.toString();
  }

  private static void add(StringBuilder q, String key, String value) {
    if (value != null && !value.isEmpty()) {
      q.append(q.length() > 1 ? "&" : "").append(key).append('=').append(View.param(value));
    }
  }
}
