package dev.pgconductor.internal.worker;

import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.event.EventEmitter;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.listen.Tracing;
import dev.pgconductor.internal.schedule.DynamicSchedules;
import dev.pgconductor.internal.task.TaskRegistry;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * What a handler's run uses beyond its claim: JSON, the custom context, the logger its lines go to,
 * the task registry (for child invokes), the execution store (for transactional steps), the
 * engine's clock, the listeners, and how long a transactional step's transaction may sit idle (the
 * heartbeat timeout: no longer than a frozen worker may hold an execution's lock), and the
 * orchestrator's {@link Liveness}, the dynamic schedules (for {@code ctx.schedule}), the event
 * emitter (for {@code ctx.emit}) and the Conductor's tracer (or {@link Tracing#NONE}).
 *
 * @param <C> custom context type
 */
record RunEnvironment<C>(
    JsonCodec json,
    C context,
    Logger taskLogger,
    TaskRegistry tasks,
    ExecutionStore executions,
    Db db,
    Listeners listeners,
    Duration transactionIdleTimeout,
    Liveness liveness,
    DynamicSchedules schedules,
    EventEmitter events,
    Tracing tracing) {

  /** Whether a clock was configured (tests); otherwise the database clock rules. */
  boolean hasClock() {
    return db.hasClock();
  }

  /** The configured clock's time. */
  Instant clockNow() {
    return db.now();
  }
}
