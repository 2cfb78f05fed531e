package dev.pgconductor;

import java.time.Duration;
import java.util.Objects;

/**
 * How a worker fetches and runs executions.
 *
 * @param concurrency handlers running their code at once (default 10); a handler waiting for its
 *     step to be committed lends its slot to another execution meanwhile
 * @param pollInterval how often an idle worker looks for work when no notification arrives (default
 *     1 s); new work normally wakes it at once through LISTEN/NOTIFY, and sleeps and schedule
 *     occurrences it wrote wake it when they are due
 * @param flushInterval longest time a finished execution's outcome waits in memory before it is
 *     written back (default 2 s); outcomes are written sooner when a batch fills or the worker goes
 *     idle
 * @param fetchBatchSize executions claimed in one round trip (default 10); while quick handlers
 *     keep running out of work, claims grow up to fifty times this, at most 500, and they fall back
 *     to it otherwise (docs/worker-config.md)
 */
public record WorkerConfig(
    int concurrency, Duration pollInterval, Duration flushInterval, int fetchBatchSize) {

  /** The defaults: concurrency 10, poll 1 s, flush 2 s, fetch batch 10. */
  public static final WorkerConfig DEFAULT =
      new WorkerConfig(10, Duration.ofSeconds(1), Duration.ofSeconds(2), 10);

  public WorkerConfig {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(flushInterval, "flushInterval");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    if (fetchBatchSize < 1) {
      throw new IllegalArgumentException(
          "fetchBatchSize must be at least 1, got " + fetchBatchSize);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
    }
    if (flushInterval.isNegative()) {
      throw new IllegalArgumentException(
          "flushInterval must not be negative, got " + flushInterval);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder starting from {@link #DEFAULT}. */
  public static final class Builder {
    private int concurrency = DEFAULT.concurrency;
    private Duration pollInterval = DEFAULT.pollInterval;
    private Duration flushInterval = DEFAULT.flushInterval;
    private int fetchBatchSize = DEFAULT.fetchBatchSize;

    private Builder() {}

    public Builder concurrency(int concurrency) {
      this.concurrency = concurrency;
      return this;
    }

    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    public Builder flushInterval(Duration flushInterval) {
      this.flushInterval = flushInterval;
      return this;
    }

    public Builder fetchBatchSize(int fetchBatchSize) {
      this.fetchBatchSize = fetchBatchSize;
      return this;
    }

    public WorkerConfig build() {
      return new WorkerConfig(concurrency, pollInterval, flushInterval, fetchBatchSize);
    }
  }
}
