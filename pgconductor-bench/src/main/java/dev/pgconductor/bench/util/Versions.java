package dev.pgconductor.bench.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions of pgconductor and the in-JVM peers, as the build recorded them. */
public final class Versions {
  private static final Properties VERSIONS = load();

  private Versions() {}

  /** The version of {@code name} ("pgconductor", "db-scheduler", "jobrunr"), or "?". */
  public static String of(String name) {
    return VERSIONS.getProperty(name, "?");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in =
        Versions.class.getResourceAsStream("/dev/pgconductor/bench/versions.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
