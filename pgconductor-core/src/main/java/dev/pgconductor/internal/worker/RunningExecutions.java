package dev.pgconductor.internal.worker;

import dev.pgconductor.TaskSignal;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** The handler runs in progress in one orchestrator, by execution id, so they can be signalled. */
final class RunningExecutions {
  private final Map<UUID, DefaultTaskContext<?>> running = new ConcurrentHashMap<>();

  void add(UUID id, DefaultTaskContext<?> ctx) {
    running.put(id, ctx);
  }

  void remove(UUID id) {
    running.remove(id);
  }

  /** The context of this execution's run here, or null. */
  DefaultTaskContext<?> get(UUID id) {
    return running.get(id);
  }

  /** Aborts the run of this execution, if it runs here, and interrupts its thread. */
  void abort(UUID id, TaskSignal.Reason reason) {
    DefaultTaskContext<?> ctx = running.get(id);
    if (ctx != null) {
      ctx.abort(reason, true);
    }
  }

  /** Sets the signal of every run here without interrupting (a graceful stop). */
  void signalAll(TaskSignal.Reason reason) {
    running.values().forEach(ctx -> ctx.abort(reason, false));
  }

  java.util.Set<UUID> ids() {
    return running.keySet();
  }
}
