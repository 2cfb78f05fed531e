package dev.pgconductor.internal.worker;

import dev.pgconductor.Task;
import dev.pgconductor.Trigger;
import dev.pgconductor.Worker;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.db.OrchestratorStore.StaticSchedule;
import dev.pgconductor.internal.schedule.CronExpressions;
import dev.pgconductor.internal.util.UuidV7;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cron schedules of an orchestrator's tasks in the database: at start it writes the
 * static schedules its code declares (and removes those that left the code), and from then on it
 * makes sure every schedule of its tasks has a pending occurrence. The next occurrence after each
 * run is created by the flush that finishes it; this only fills gaps (a first start, a cancelled
 * occurrence, a schedule whose occurrence ended where no next one could be made).
 */
final class ScheduleKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleKeeper.class);

  private final OrchestratorStore store;
  private final Db db;
  private final List<String> servedTasks = new ArrayList<>();
  private final List<Trigger.Cron> crons = new ArrayList<>();
  private final List<String> cronTasks = new ArrayList<>();
  private final java.util.Map<String, String> queues = new java.util.HashMap<>();
  private final java.util.function.BiConsumer<String, Instant> dueAt;

  /** {@code dueAt} hears the queue and due time of each occurrence made here. */
  ScheduleKeeper(
      OrchestratorStore store,
      Db db,
      List<Worker> workers,
      java.util.function.BiConsumer<String, Instant> dueAt) {
    this.store = store;
    this.db = db;
    this.dueAt = dueAt;
    for (Worker worker : workers) {
      for (Task<?, ?> task : worker.tasks()) {
        servedTasks.add(task.name());
        queues.put(task.name(), worker.queue());
        for (Trigger trigger : task.triggers()) {
          if (trigger instanceof Trigger.Cron cron) {
            crons.add(cron);
            cronTasks.add(task.name());
          }
        }
      }
    }
  }

  /** At start: the static schedules as the code declares them, each with a pending occurrence. */
  void register() {
    if (servedTasks.isEmpty()) {
      return;
    }
    Instant now = db.now();
    List<StaticSchedule> schedules = new ArrayList<>();
    for (int i = 0; i < crons.size(); i++) {
      Trigger.Cron cron = crons.get(i);
      Optional<Instant> next = CronExpressions.next(cron.expression(), cron.zone(), now);
      if (next.isEmpty()) {
        LOG.warn(
            "Schedule '{}' of task '{}' ('{}') has no occurrence after {}; it never runs",
            cron.name(),
            cronTasks.get(i),
            cron.expression(),
            now);
        continue;
      }
      schedules.add(
          new StaticSchedule(
              cronTasks.get(i),
              cron.name(),
              cron.expression(),
              cron.zone().getId(),
              next.get(),
              UuidV7.next()));
    }
    store.registerSchedules(servedTasks, schedules);
    schedules.forEach(s -> dueAt.accept(queues.get(s.task()), s.nextAt()));
  }

  /** Creates the pending occurrence of every schedule of the served tasks that has none. */
  void fill() throws SQLException {
    if (servedTasks.isEmpty()) {
      return;
    }
    Instant now = db.now();
    List<StaticSchedule> occurrences = new ArrayList<>();
    for (OrchestratorStore.ScheduleToFill s : store.schedulesToFill(servedTasks)) {
      try {
        CronExpressions.next(s.cron(), ZoneId.of(s.zone()), now)
            .ifPresent(
                next ->
                    occurrences.add(
                        new StaticSchedule(
                            s.task(), s.name(), s.cron(), s.zone(), next, UuidV7.next())));
      } catch (RuntimeException e) {
        LOG.warn(
            "Schedule '{}' of task '{}' cannot be computed ({}): {}",
            s.name(),
            s.task(),
            s.cron(),
            e.getMessage());
      }
    }
    if (!occurrences.isEmpty()) {
      store.createOccurrences(occurrences);
      occurrences.forEach(s -> dueAt.accept(queues.get(s.task()), s.nextAt()));
    }
  }
}
