package dev.pgconductor.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.Invocation;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.TaskDefinition;
import java.sql.Connection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Invokes and emits that join the Spring-managed transaction of the calling thread. Inside a
 * {@code @Transactional} method (or a {@code TransactionTemplate}) whose transaction manager works
 * on the application's {@link DataSource} ({@code DataSourceTransactionManager}, {@code
 * JdbcTransactionManager}, {@code JpaTransactionManager}), the execution is written on the
 * transaction's own connection and exists if and only if the transaction commits; workers hear of
 * it at that commit. Without a transaction, it is the plain {@link Conductor} call, which commits
 * at once.
 *
 * <pre>{@code
 * @Transactional
 * public void register(String userId) {
 *   jdbc.update("insert into users (id) values (?)", userId);
 *   conductorTemplate.invoke(WELCOME, new Welcome(userId)); // rolled back with the insert
 * }
 * }</pre>
 *
 * <p>The plain {@code conductor.invoke(...)} does not join the transaction: it group-commits on
 * connections of its own. Thread-safe.
 */
public class ConductorTemplate {
  private final Conductor<?> conductor;
  private final DataSource dataSource;

  /**
   * A template on a Conductor and the DataSource whose transactions it joins (the one the
   * transaction manager binds connections of).
   */
  public ConductorTemplate(Conductor<?> conductor, DataSource dataSource) {
    this.conductor = Objects.requireNonNull(conductor, "conductor");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /** The Conductor this template writes through. */
  public Conductor<?> conductor() {
    return conductor;
  }

  /**
   * Invokes a task in the current transaction, if any; see {@link Conductor#invoke(Connection,
   * TaskDefinition, Object, InvokeOptions)}. Returns the execution's id.
   */
  public <P> Optional<String> invoke(TaskDefinition<P, ?> task, P payload) {
    return invoke(task, payload, InvokeOptions.DEFAULT);
  }

  /**
   * Invokes a task with options in the current transaction, if any. Empty only when a throttle
   * drops the invoke.
   */
  public <P> Optional<String> invoke(TaskDefinition<P, ?> task, P payload, InvokeOptions options) {
    return joined(
        c -> conductor.invoke(c, task, payload, options),
        () -> conductor.invoke(task, payload, options));
  }

  /** Invokes many executions of one task in the current transaction, if any. */
  public <P> List<String> invokeBatch(TaskDefinition<P, ?> task, List<Invocation<P>> invocations) {
    return joined(
        c -> conductor.invokeBatch(c, task, invocations),
        () -> conductor.invokeBatch(task, invocations));
  }

  /**
   * Emits a custom event in the current transaction, if any: the event and the executions of its
   * subscribers exist if and only if the transaction commits. Returns the event's id.
   */
  public <E> String emit(EventDefinition<E> event, E payload) {
    return joined(c -> conductor.emit(c, event, payload), () -> conductor.emit(event, payload));
  }

  /** Whether the calling thread is inside a Spring-managed transaction. */
  public static boolean inTransaction() {
    return TransactionSynchronizationManager.isActualTransactionActive();
  }

  private <T> T joined(Function<Connection, T> onConnection, Supplier<T> alone) {
    if (!inTransaction()) {
      return alone.get();
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      return onConnection.apply(connection);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }
}
