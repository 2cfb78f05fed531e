package dev.pgconductor.internal.worker;

import dev.pgconductor.TaskLogger;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/** A {@link TaskLogger} on SLF4J: every line carries task, execution and queue as key-values. */
final class Slf4jTaskLogger implements TaskLogger {
  private final Logger logger;
  private final String task;
  private final String executionId;
  private final String queue;

  Slf4jTaskLogger(Logger logger, String task, String executionId, String queue) {
    this.logger = logger;
    this.task = task;
    this.executionId = executionId;
    this.queue = queue;
  }

  @Override
  public void debug(String message, Object... args) {
    log(Level.DEBUG, message, args);
  }

  @Override
  public void info(String message, Object... args) {
    log(Level.INFO, message, args);
  }

  @Override
  public void warn(String message, Object... args) {
    log(Level.WARN, message, args);
  }

  @Override
  public void error(String message, Object... args) {
    log(Level.ERROR, message, args);
  }

  private void log(Level level, String message, Object[] args) {
    if (!logger.isEnabledForLevel(level)) {
      return;
    }
    LoggingEventBuilder event =
        logger
            .atLevel(level)
            .addKeyValue("task", task)
            .addKeyValue("execution", executionId)
            .addKeyValue("queue", queue);
    event.log(message, args);
  }
}
