package dev.pgconductor.internal.task;

import dev.pgconductor.Task;
import dev.pgconductor.TaskHandler;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.util.List;

/** A task handler as registered with {@code Conductor.createTask}. */
public record RegisteredTask<P, R, C>(
    TaskOptions<P, R> options, List<Trigger> triggers, TaskHandler<P, R, C> handler)
    implements Task<P, R> {

  public RegisteredTask {
    triggers = List.copyOf(triggers);
  }

  public boolean invocable() {
    return triggers.contains(Trigger.invocable());
  }
}
