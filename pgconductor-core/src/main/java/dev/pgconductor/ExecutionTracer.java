package dev.pgconductor;

import java.time.Duration;
import java.util.Map;

/**
 * Carries a trace context from the code that stores executions to the runs of those executions: the
 * hook that distributed tracing is built on (the module {@code pgconductor-opentelemetry}
 * implements it with OpenTelemetry). Register one with {@link Conductor.Builder#tracer};
 * pgconductor itself depends on no tracing library, and without a tracer it computes and stores
 * nothing of this.
 *
 * <p>Two moments are traced:
 *
 * <ul>
 *   <li><b>Sending</b>: {@code invoke}, {@code invokeBatch}, {@code emit}, {@code emitBatch}, and
 *       from inside a handler {@code ctx.invoke} (a child) and {@code ctx.emit}. {@link #startSend}
 *       is called on the caller's thread before anything is written; the headers its {@link
 *       Send#headers()} returns are stored with every execution the call creates (column {@code
 *       trace_context}); {@link Send#end} is called once the write is over (or failed).
 *   <li><b>Running</b>: before a worker runs a handler, {@link #startAttempt} is called on the
 *       handler's own thread with the headers stored with the execution; {@link Attempt#end} is
 *       called on the same thread when the run ends, so an implementation may make its context
 *       current in between (code of the handler then sees it) and close that scope in {@code end}.
 * </ul>
 *
 * <p>Methods are called concurrently from many threads and must be fast and never block. An
 * exception thrown by one is logged and otherwise ignored (the invoke or the run goes on). Runs of
 * {@link Conductor#createBatchTask batch tasks} are not traced: one handler call serves many
 * executions, each with its own trace.
 */
public interface ExecutionTracer {

  /**
   * Called on the caller's thread before executions are stored.
   *
   * @param kind what stores them
   * @param name the task invoked, or the event emitted
   * @param queue the queue of the task invoked; null for an event (its subscribers have their own)
   * @return the send, never null
   */
  Send startSend(SendKind kind, String name, String queue);

  /**
   * Called on the handler's thread just before a worker runs a handler.
   *
   * @return the attempt, never null; its {@link Attempt#end} is called on this same thread
   */
  Attempt startAttempt(AttemptInfo attempt);

  /** What stores executions. */
  enum SendKind {
    /** {@code Conductor.invoke} or {@code invokeBatch}, in any of their forms. */
    INVOKE,
    /** {@code Conductor.emit} or {@code emitBatch}, or {@code TaskContext.emit}. */
    EMIT,
    /**
     * {@code TaskContext.invoke}: a child execution, stored with its parent's outcome at the
     * worker's next flush, after {@link Send#end} was called.
     */
    CHILD_INVOKE
  }

  /** A send in progress. */
  interface Send {
    /**
     * The headers to store with the executions (for OpenTelemetry, W3C {@code traceparent} and
     * {@code tracestate}); empty to store none.
     */
    Map<String, String> headers();

    /**
     * The send ended: the executions are stored ({@code error} null) or the call failed with {@code
     * error}. Called once, on the thread that started it.
     */
    void end(Throwable error);
  }

  /**
   * A run about to start.
   *
   * @param executionId the execution
   * @param taskName its task
   * @param queue its queue
   * @param attempt the attempt this run belongs to (1 for the first)
   * @param origin what created the execution: {@code invoked}, {@code child}, {@code scheduled},
   *     {@code emitted} or {@code row_changed}
   * @param parentId the parent execution of a child, else null
   * @param headers the headers stored with the execution when it was sent; empty when none were (no
   *     tracer then, a schedule, a row change)
   */
  record AttemptInfo(
      String executionId,
      String taskName,
      String queue,
      int attempt,
      String origin,
      String parentId,
      Map<String, String> headers) {
    public AttemptInfo {
      headers = Map.copyOf(headers);
    }
  }

  /** A run in progress, on the handler's thread. */
  interface Attempt {
    /** The handler recorded a step (not called for steps found recorded by an earlier run). */
    default void stepRecorded(String name, Duration duration) {}

    /**
     * The run ended; called once, on the handler's thread.
     *
     * @param outcome how
     * @param error what the handler threw when it failed ({@link RunOutcome#RETRYING} or {@link
     *     RunOutcome#FAILED}; a {@link java.util.concurrent.TimeoutException} when the run outlived
     *     its task's timeout), else null
     */
    void end(RunOutcome outcome, Throwable error);
  }

  /** How a run ended. */
  enum RunOutcome {
    /** The handler returned a result: the execution completed. */
    COMPLETED,
    /** The handler failed, and another attempt follows after a backoff. */
    RETRYING,
    /** The handler failed on its last attempt (or with an error no attempt can change). */
    FAILED,
    /** The execution was cancelled while it ran. */
    CANCELLED,
    /** A durable sleep: a later run resumes it. */
    SLEEPING,
    /** It waits for a child execution: a later run resumes it. */
    WAITING_FOR_CHILD,
    /** Its worker stopped: it runs again, here or elsewhere. */
    RELEASED
  }
}
