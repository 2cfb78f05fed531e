package dev.pgconductor.spring;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.ExecutionTracer;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;

/**
 * The auto-configured Conductor together with the connection pool it owns, if any, so that the
 * context closes them in that order: the Conductor, then its pool.
 */
final class ConductorResources implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConductorResources.class);

  private final Conductor<Object> conductor;
  private final HikariDataSource ownPool;

  private ConductorResources(Conductor<Object> conductor, HikariDataSource ownPool) {
    this.conductor = conductor;
    this.ownPool = ownPool;
  }

  static ConductorResources create(
      DataSource applicationDataSource,
      ObjectProvider<JdbcConnectionDetails> connectionDetails,
      PgConductorProperties properties,
      ObjectProvider<TaskSchemas> taskSchemas,
      ObjectProvider<TaskDefinition<?, ?>> taskDefinitions,
      ObjectProvider<EventSchemas> eventSchemas,
      ObjectProvider<EventDefinition<?>> eventDefinitions,
      ObjectProvider<ConductorListener> listeners,
      ObjectProvider<ExecutionTracer> tracer,
      ObjectProvider<ConductorBuilderCustomizer> customizers) {
    Integer size = properties.getPool().getSize();
    HikariDataSource pool =
        size == null ? null : ownPool(applicationDataSource, connectionDetails, size);
    try {
      Conductor.Builder<Object> builder =
          Conductor.builder()
              .context((Object) null)
              .dataSource(pool != null ? pool : applicationDataSource)
              .tasks(taskSchemas(taskSchemas, taskDefinitions))
              .events(eventSchemas(eventSchemas, eventDefinitions));
      listeners.orderedStream().forEach(builder::listener);
      tracer.ifUnique(builder::tracer);
      customizers.orderedStream().forEach(c -> c.customize(builder));
      Conductor<Object> conductor = builder.build();
      if (properties.isInstallSchema()) {
        conductor.ensureInstalled();
      }
      return new ConductorResources(conductor, pool);
    } catch (RuntimeException e) {
      if (pool != null) {
        pool.close();
      }
      throw e;
    }
  }

  Conductor<Object> conductor() {
    return conductor;
  }

  /** The pool of pgconductor's own ({@code pgconductor.pool.size}), if it has one. */
  java.util.Optional<HikariDataSource> ownPool() {
    return java.util.Optional.ofNullable(ownPool);
  }

  @Override
  public void close() {
    try {
      conductor.close();
    } finally {
      if (ownPool != null) {
        ownPool.close();
      }
    }
  }

  /** The definitions of all TaskSchemas beans and all TaskDefinition beans, by name. */
  static TaskSchemas taskSchemas(
      ObjectProvider<TaskSchemas> schemas, ObjectProvider<TaskDefinition<?, ?>> definitions) {
    Map<String, TaskDefinition<?, ?>> byName = new LinkedHashMap<>();
    List<TaskDefinition<?, ?>> all = new ArrayList<>();
    schemas.orderedStream().forEach(s -> all.addAll(s.all()));
    definitions.orderedStream().forEach(all::add);
    for (TaskDefinition<?, ?> d : all) {
      TaskDefinition<?, ?> previous = byName.putIfAbsent(d.name(), d);
      if (previous != null && !previous.equals(d)) {
        throw new IllegalStateException(
            "task '" + d.name() + "' is defined twice, differently: " + previous + " and " + d);
      }
    }
    return TaskSchemas.of(byName.values());
  }

  /** The definitions of all EventSchemas beans and all EventDefinition beans, by name. */
  static EventSchemas eventSchemas(
      ObjectProvider<EventSchemas> schemas, ObjectProvider<EventDefinition<?>> definitions) {
    Map<String, EventDefinition<?>> byName = new LinkedHashMap<>();
    List<EventDefinition<?>> all = new ArrayList<>();
    schemas.orderedStream().forEach(s -> all.addAll(s.all()));
    definitions.orderedStream().forEach(all::add);
    for (EventDefinition<?> d : all) {
      EventDefinition<?> previous = byName.putIfAbsent(d.name(), d);
      if (previous != null && !previous.equals(d)) {
        throw new IllegalStateException(
            "event '" + d.name() + "' is defined twice, differently: " + previous + " and " + d);
      }
    }
    return EventSchemas.of(byName.values());
  }

  /**
   * A pool of pgconductor's own to the application's database: a copy of the application's Hikari
   * settings when its DataSource is a HikariDataSource, else from Spring Boot's connection details
   * ({@code spring.datasource.url}, username, password).
   */
  private static HikariDataSource ownPool(
      DataSource applicationDataSource,
      ObjectProvider<JdbcConnectionDetails> connectionDetails,
      int size) {
    if (size < 2) {
      throw new IllegalArgumentException("pgconductor.pool.size must be at least 2, got " + size);
    }
    HikariConfig config = new HikariConfig();
    HikariDataSource hikari = unwrapHikari(applicationDataSource);
    if (hikari != null) {
      hikari.copyStateTo(config);
    } else {
      JdbcConnectionDetails details = connectionDetails.getIfAvailable();
      if (details == null) {
        throw new IllegalStateException(
            "pgconductor.pool.size is set, but the application's DataSource is not a"
                + " HikariDataSource and there are no JdbcConnectionDetails to copy: leave"
                + " pgconductor.pool.size unset to share the application's DataSource");
      }
      config.setJdbcUrl(details.getJdbcUrl());
      config.setUsername(details.getUsername());
      config.setPassword(details.getPassword());
    }
    config.setPoolName("pgconductor");
    config.setMaximumPoolSize(size);
    if (config.getMinimumIdle() > size) {
      config.setMinimumIdle(size);
    }
    config.setAutoCommit(true);
    LOG.info("pgconductor: a pool of its own, {} connections", size);
    return new HikariDataSource(config);
  }

  private static HikariDataSource unwrapHikari(DataSource dataSource) {
    if (dataSource instanceof HikariDataSource hikari) {
      return hikari;
    }
    try {
      return dataSource.isWrapperFor(HikariDataSource.class)
          ? dataSource.unwrap(HikariDataSource.class)
          : null;
    } catch (java.sql.SQLException e) {
      return null;
    }
  }
}
