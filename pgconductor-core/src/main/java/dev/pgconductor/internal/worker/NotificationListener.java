package dev.pgconductor.internal.worker;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that LISTENs on the {@code pgconductor} channel (payload: the queue name,
 * sent once per invoking transaction) and wakes the worker of that queue. After a lost connection
 * it reconnects and wakes every worker, in case a notification was missed. Also listens on {@code
 * pgconductor_cancel} (payload: an execution id) to abort cancelled runs.
 */
final class NotificationListener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);
  static final String CHANNEL = "pgconductor";
  static final String CANCEL_CHANNEL = "pgconductor_cancel";

  private final DataSource dataSource;
  private final Map<String, ? extends WorkerRunner<?>> workers;
  private final Consumer<UUID> onCancel;
  private volatile boolean running = true;

  NotificationListener(
      DataSource dataSource,
      Map<String, ? extends WorkerRunner<?>> workers,
      Consumer<UUID> onCancel) {
    this.dataSource = dataSource;
    this.workers = workers;
    this.onCancel = onCancel;
  }

  void stop() {
    running = false;
  }

  @Override
  public void run() {
    long retryMs = 500;
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true); // LISTEN takes effect at commit
        PGConnection pg = connection.unwrap(PGConnection.class);
        try (Statement st = connection.createStatement()) {
          st.execute("listen " + CHANNEL);
          st.execute("listen " + CANCEL_CHANNEL);
        }
        retryMs = 500;
        wakeAll(workers.values());
        while (running) {
          PGNotification[] notifications = pg.getNotifications(250);
          if (notifications == null) {
            continue;
          }
          for (PGNotification n : notifications) {
            if (CANCEL_CHANNEL.equals(n.getName())) {
              onCancel.accept(UUID.fromString(n.getParameter()));
              continue;
            }
            WorkerRunner<?> worker = workers.get(n.getParameter());
            if (worker != null) {
              worker.wake();
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.warn("LISTEN connection lost, reconnecting in {} ms: {}", retryMs, e.getMessage());
        try {
          Thread.sleep(retryMs);
        } catch (InterruptedException ie) {
          return;
        }
        retryMs = Math.min(retryMs * 2, 10_000);
      }
    }
  }

  private static void wakeAll(Collection<? extends WorkerRunner<?>> workers) {
    workers.forEach(WorkerRunner::wake);
  }
}
