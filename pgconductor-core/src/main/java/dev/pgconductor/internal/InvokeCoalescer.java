package dev.pgconductor.internal;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.NewExecution;
import dev.pgconductor.internal.util.GroupCommit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Single invokes, group-committed: concurrent callers share one round trip and one commit, one
 * {@code pgconductor.invoke} call per task among them (see {@link GroupCommit}).
 */
public final class InvokeCoalescer implements AutoCloseable {
  private static final int MAX_BATCH = 1000;

  /** One execution of a task to store. */
  public record Request(String task, String queue, NewExecution row) {}

  /**
   * Its id once stored, or why its task's call failed (other tasks of the batch are unaffected).
   */
  private record Answer(UUID id, RuntimeException failure) {}

  private final ExecutionStore store;
  private final GroupCommit<Request, Answer> commits;

  public InvokeCoalescer(ExecutionStore store) {
    this.store = store;
    this.commits = new GroupCommit<>("pgconductor-invoker", MAX_BATCH, this::write);
  }

  /** Stores the execution (with others that arrived meanwhile); returns its id once committed. */
  public UUID invoke(Request request) {
    Answer answer;
    try {
      answer = commits.submitUninterruptibly(request);
    } catch (IllegalStateException e) {
      throw new PgConductorException("The Conductor is closed", e);
    }
    if (answer.failure() != null) {
      throw answer.failure();
    }
    return answer.id();
  }

  @Override
  public void close() {
    commits.close();
  }

  private List<Answer> write(List<Request> batch) {
    Map<String, List<Integer>> byTask = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Request r = batch.get(i);
      byTask.computeIfAbsent(r.task() + '\n' + r.queue(), k -> new ArrayList<>()).add(i);
    }
    Answer[] answers = new Answer[batch.size()];
    for (List<Integer> positions : byTask.values()) {
      Request first = batch.get(positions.getFirst());
      try {
        List<UUID> stored =
            store.invoke(
                first.task(),
                first.queue(),
                positions.stream().map(p -> batch.get(p).row()).toList());
        for (int i = 0; i < positions.size(); i++) {
          answers[positions.get(i)] = new Answer(stored.get(i), null);
        }
      } catch (RuntimeException e) {
        positions.forEach(p -> answers[p] = new Answer(null, e));
      }
    }
    return List.of(answers);
  }
}
