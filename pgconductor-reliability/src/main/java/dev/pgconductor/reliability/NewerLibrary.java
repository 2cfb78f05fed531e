package dev.pgconductor.reliability;

import dev.pgconductor.Conductor;
import dev.pgconductor.internal.schema.Migrator;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;

/**
 * Makes a worker's library one schema version newer than the one the driver installed, as after an
 * upgrade of the application: it knows one more migration, which takes a while (so that a worker
 * can be killed in the middle of it) and leaves a row behind each time its transaction commits.
 *
 * <p>The library has a single baseline migration, so there is no real older version to start from.
 * The extra migration goes through the Conductor builder's test hook for newer versions
 * (package-private, reached by reflection: the harness runs on the class path).
 */
public final class NewerLibrary {
  /** The version of the extra migration. */
  public static final int VERSION = 900;

  /** The table the migration creates; one row per commit of the migration. */
  public static final String MARKER = "pgconductor.reliability_upgrade";

  private NewerLibrary() {}

  /** Adds the extra migration, which sleeps {@code millis} before it changes anything. */
  static void apply(Conductor.Builder<?> builder, long millis) {
    String sql =
        String.format(
            Locale.ROOT,
            """
            select pg_sleep(%.3f);
            create table %s (applied_at timestamptz not null default now());
            insert into %s default values;
            """,
            millis / 1000.0,
            MARKER,
            MARKER);
    var migration = new Migrator.Migration(VERSION, "V900__reliability_upgrade.sql", sql);
    try {
      Method hook = Conductor.Builder.class.getDeclaredMethod("extraMigrations", List.class);
      hook.setAccessible(true);
      hook.invoke(builder, List.of(migration));
    } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("the Conductor builder has no test hook for migrations", e);
    }
  }
}
