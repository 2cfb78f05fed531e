package dev.pgconductor;

import java.util.List;

/**
 * The code of a batch task ({@link Conductor#createBatchTask}): it receives up to the task's batch
 * size of events at once and returns one result per event, in the same order. Runs on a virtual
 * thread.
 *
 * <p>A thrown exception fails the attempt of every execution of the batch; each is retried on its
 * own schedule (its own attempt count and the task's retry policy), not necessarily in the same
 * batch again. A returned list of another length fails them all too.
 *
 * @param <P> payload type
 * @param <R> result type ({@code Void}: a list of {@code null}s)
 * @param <C> custom context type of the Conductor
 */
@FunctionalInterface
public interface BatchTaskHandler<P, R, C> {
  List<R> handle(List<TaskEvent<P>> events, BatchTaskContext<C> ctx) throws Exception;
}
