package dev.pgconductor.internal.worker;

/**
 * How many executions a worker asks for in its next claim.
 *
 * <p>A claim of a few rows costs mostly its round trip: with the default batch of 10, about two
 * thirds of the claim's time is spent outside the statement, and a worker whose handlers are quick
 * spends its time waiting on claims while its handler slots stand empty. So the size starts at
 * {@code fetchBatchSize} and grows fourfold, up to {@link #MAX_GROWTH} times that and at most
 * {@link #GROWTH_CEILING} (never below {@code fetchBatchSize}), while the handlers keep running out
 * of work: a claim came back full, nothing claimed was left waiting when it did, a handler slot was
 * free, and since the previous claim came back at least a whole claim's worth of handlers finished.
 * Fourfold rather than twofold: a worker that starts on a backlog reaches its largest claims in
 * three growths instead of six, so its first claims, whose round trips outweigh their work, are
 * few. It halves back toward {@code fetchBatchSize} when a claim comes back while claimed
 * executions still wait for a slot (the handlers have enough), and it is back at {@code
 * fetchBatchSize} after any claim that came back short (the queue ran dry, so the next burst starts
 * small and is shared among workers).
 *
 * <p>Slow handlers therefore never grow the claims: they never use up the executions claimed ahead
 * while a claim is under way, so executions held stay few, as {@code fetchBatchSize} asks. Handlers
 * that turn slow after claims grew leave many claimed executions waiting; the fetcher hands those
 * back and {@link #reset() resets} the size. Used by the fetch thread only.
 */
final class ClaimSizer {
  /** Claims grow to at most this many times {@code fetchBatchSize}. */
  static final int MAX_GROWTH = 50;

  /** Nor past this many executions, where a claim's own work outweighs its round trip. */
  static final int GROWTH_CEILING = 500;

  /** How much a claim grows at a time. */
  static final int GROWTH_FACTOR = 4;

  private final int base;
  private final int max;
  private int size;

  ClaimSizer(int fetchBatchSize) {
    this.base = fetchBatchSize;
    this.max = ceiling(fetchBatchSize);
    this.size = fetchBatchSize;
  }

  /** The largest claim a worker with this {@code fetchBatchSize} makes. */
  static int ceiling(int fetchBatchSize) {
    return Math.max(fetchBatchSize, Math.min(fetchBatchSize * MAX_GROWTH, GROWTH_CEILING));
  }

  /** Back to {@code fetchBatchSize}: claimed executions waited too long and were handed back. */
  void reset() {
    size = base;
  }

  /** The size of the next claim. */
  int size() {
    return size;
  }

  /**
   * Adapts to how the last claim went.
   *
   * @param asked how many it asked for
   * @param got how many it returned
   * @param handlersWaited when it returned, nothing claimed was waiting and a handler slot was free
   * @param finishedSincePrevious handlers that finished between the previous claim's return and
   *     this one's
   */
  void claimed(int asked, int got, boolean handlersWaited, long finishedSincePrevious) {
    if (got < asked) {
      size = base;
    } else if (handlersWaited && finishedSincePrevious >= asked) {
      size = Math.min(max, asked * GROWTH_FACTOR);
    } else if (!handlersWaited) {
      size = Math.max(base, asked / 2);
    }
  }
}
