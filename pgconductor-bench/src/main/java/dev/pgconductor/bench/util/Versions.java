package dev.pgconductor.bench.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions of libraries on the class path, read from the {@code pom.properties} Maven packs. */
public final class Versions {
  private Versions() {}

  /** The version of a Maven artifact on the class path, or "?" when it cannot be told. */
  public static String of(String groupId, String artifactId) {
    String path = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    try (InputStream in = Versions.class.getResourceAsStream(path)) {
      if (in == null) {
        return "?";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }
}
