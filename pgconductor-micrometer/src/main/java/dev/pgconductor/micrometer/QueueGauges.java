package dev.pgconductor.micrometer;

import dev.pgconductor.PgConductorException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauges of queue depth: one query for all queues on a background thread every refresh
 * interval, its values cached, and the gauges reading the cache, so that a scrape never touches the
 * database.
 */
final class QueueGauges implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueueGauges.class);

  // pgconductor.queue_metrics walks the claim indexes with bounded work (see the baseline
  // migration); the age is taken by the database clock, which the due times are written with
  private static final String QUERY =
      """
      select m.queue, m.ready, m.scheduled, m.waiting,
             coalesce(extract(epoch from now() - m.oldest_ready), 0)::float8
      from pgconductor.queue_metrics(?, null) m
      """;

  // undefined schema or function: the schema is not installed yet, or older than this library
  private static final Set<String> NOT_INSTALLED = Set.of("3F000", "42883");

  private static final int QUERY_TIMEOUT_SECONDS = 30;

  private final MeterRegistry registry;
  private final Tags tags;
  private final DataSource dataSource;
  private final int depthLimit;
  private final Map<String, QueueValues> queues = new ConcurrentHashMap<>();
  private final List<Meter> meters = new ArrayList<>();
  private final ScheduledExecutorService scheduler;
  private boolean failing; // guarded by this
  private boolean notInstalled; // guarded by this
  private boolean closed; // guarded by this

  /** What the last refresh read of one queue; NaN after a refresh that failed. */
  private static final class QueueValues {
    volatile double ready;
    volatile double scheduled;
    volatile double waiting;
    volatile double oldestReadyAge;

    void set(double ready, double scheduled, double waiting, double oldestReadyAge) {
      this.ready = ready;
      this.scheduled = scheduled;
      this.waiting = waiting;
      this.oldestReadyAge = oldestReadyAge;
    }
  }

  QueueGauges(
      MeterRegistry registry,
      Tags tags,
      DataSource dataSource,
      int depthLimit,
      Duration refreshInterval) {
    this.registry = registry;
    this.tags = tags;
    this.dataSource = dataSource;
    this.depthLimit = depthLimit;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pgconductor-metrics");
              t.setDaemon(true);
              return t;
            });
    long millis = refreshInterval.toMillis();
    scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, millis, TimeUnit.MILLISECONDS);
  }

  /** Reads the depth of every queue and updates the gauges. */
  synchronized void refresh() {
    if (closed) {
      return;
    }
    Set<String> seen = new HashSet<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(QUERY)) {
      ps.setInt(1, depthLimit);
      // a refresh takes milliseconds; one stuck behind a lock must not hold the thread for ever
      ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String queue = rs.getString(1);
          seen.add(queue);
          values(queue).set(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getDouble(5));
        }
      }
    } catch (SQLException e) {
      if (NOT_INSTALLED.contains(e.getSQLState())) {
        // metrics are often built before the Conductor installs or upgrades the schema
        queues.values().forEach(v -> v.set(0, 0, 0, 0));
        if (!notInstalled) {
          notInstalled = true;
          LOG.info(
              "No queue gauges yet: the pgconductor schema is not installed, or older than this"
                  + " library ({})",
              e.getMessage());
        }
        return;
      }
      throw failed(e);
    } catch (RuntimeException e) {
      throw failed(e);
    }
    notInstalled = false;
    queues.forEach(
        (queue, v) -> {
          if (!seen.contains(queue)) {
            v.set(0, 0, 0, 0); // its partition is gone (the schema was reinstalled)
          }
        });
    if (failing) {
      failing = false;
      LOG.info("The pgconductor gauges read the depth of the queues again");
    }
  }

  private RuntimeException failed(Exception e) {
    queues.values().forEach(v -> v.set(Double.NaN, Double.NaN, Double.NaN, Double.NaN));
    if (!failing) {
      failing = true;
      LOG.warn(
          "Cannot read the depth of the queues for the pgconductor gauges (they read NaN until a"
              + " refresh succeeds): {}",
          e.toString(),
          e);
    }
    return e instanceof RuntimeException r
        ? r
        : new PgConductorException("cannot read the depth of the queues", e);
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // logged by refresh, once per run of failures
    }
  }

  private QueueValues values(String queue) {
    QueueValues v = queues.get(queue);
    if (v != null) {
      return v;
    }
    QueueValues created = new QueueValues();
    queues.put(queue, created);
    Tags queueTags = tags.and(PgConductorMetrics.TAG_QUEUE, queue);
    depth(created, queueTags, "ready", x -> x.ready);
    depth(created, queueTags, "scheduled", x -> x.scheduled);
    depth(created, queueTags, "waiting", x -> x.waiting);
    meters.add(
        TimeGauge.builder(
                PgConductorMetrics.OLDEST_READY_AGE,
                created,
                TimeUnit.SECONDS,
                x -> x.oldestReadyAge)
            .tags(queueTags)
            .description(
                "How long the oldest ready execution of the queue has been due (0: none is ready),"
                    + " as of the last refresh")
            .strongReference(true)
            .register(registry));
    return created;
  }

  private void depth(QueueValues v, Tags queueTags, String state, ToDoubleFunction<QueueValues> f) {
    meters.add(
        Gauge.builder(PgConductorMetrics.DEPTH, v, f)
            .tags(queueTags.and(PgConductorMetrics.TAG_STATE, state))
            .description(
                "Executions of the queue not running, by state, as of the last refresh (counted up"
                    + " to the depth limit)")
            .strongReference(true)
            .register(registry));
  }

  /** Stops the refreshes and removes the gauges. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    synchronized (this) {
      closed = true;
      meters.forEach(registry::remove);
      meters.clear();
      queues.clear();
    }
  }
}
