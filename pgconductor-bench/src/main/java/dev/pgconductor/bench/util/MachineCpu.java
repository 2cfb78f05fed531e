package dev.pgconductor.bench.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The busy CPU time of the whole machine, from Linux's {@code /proc/stat}: every process counts,
 * the database's as much as this JVM's.
 */
public final class MachineCpu {
  private static final Path STAT = Path.of("/proc/stat");

  /** {@code /proc/stat} counts in USER_HZ, which is 100 on every Linux platform Java runs on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private MachineCpu() {}

  /**
   * Busy CPU time of all cores since boot (user, nice, system, irq, softirq and steal; not idle or
   * iowait), in nanoseconds with a resolution of 10 ms; -1 where there is no {@code /proc/stat}.
   */
  public static long busyNanos() {
    if (!Files.isReadable(STAT)) {
      return -1;
    }
    try {
      String line = Files.readAllLines(STAT).getFirst(); // "cpu  user nice system idle iowait ..."
      String[] f = line.trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) { // idle, iowait
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
