package dev.pgconductor.internal.worker;

import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.task.TaskRegistry;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * What a handler's run uses beyond its claim: JSON, the custom context, the logger its lines go to,
 * the task registry (for child invokes), the execution store (for transactional steps), the
 * engine's clock, the listeners, and how long a transactional step's transaction may sit idle (the
 * heartbeat timeout: no longer than a frozen worker may hold an execution's lock).
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
    Duration transactionIdleTimeout) {

  /** Whether a clock was configured (tests); otherwise the database clock rules. */
  boolean hasClock() {
    return db.hasClock();
  }

  /** The configured clock's time. */
  Instant clockNow() {
    return db.now();
  }
}
