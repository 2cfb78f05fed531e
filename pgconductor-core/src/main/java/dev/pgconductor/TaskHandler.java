package dev.pgconductor;

/**
 * The code of a task. Runs on a virtual thread. The return value is stored as the execution's
 * result (JSON); a thrown exception fails the attempt, which is retried until the task's {@code
 * maxAttempts} is reached.
 *
 * @param <P> payload type
 * @param <R> result type ({@code Void}: return {@code null})
 * @param <C> custom context type of the Conductor
 */
@FunctionalInterface
public interface TaskHandler<P, R, C> {
  R handle(TaskEvent<P> event, TaskContext<C> ctx) throws Exception;
}
