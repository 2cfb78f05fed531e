package dev.pgconductor;

/**
 * Logger of a running execution. Every line carries the task name, execution id and queue, both as
 * SLF4J key-values and in the MDC (keys {@code pgconductor.task}, {@code pgconductor.execution},
 * {@code pgconductor.queue}).
 */
public interface TaskLogger {
  void debug(String message, Object... args);

  void info(String message, Object... args);

  void warn(String message, Object... args);

  void error(String message, Object... args);
}
