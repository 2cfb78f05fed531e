package dev.pgconductor.internal.worker;

/**
 * A run's handler slot (one of its worker's {@code concurrency}), which the run lends out while it
 * only waits for the database to commit its step: no code of the handler runs then, so another
 * execution may start in the slot. The handler takes a slot again before its own code goes on.
 */
interface HandlerSlot {
  /** A run that cannot lend its slot (batch runs). */
  HandlerSlot NONE =
      new HandlerSlot() {
        @Override
        public void lend() {}

        @Override
        public void reclaim() {}
      };

  /** The handler's own code stops until {@link #reclaim}: the slot may go to another execution. */
  void lend();

  /** The handler's code goes on: blocks until the run holds a slot again. */
  void reclaim();
}
