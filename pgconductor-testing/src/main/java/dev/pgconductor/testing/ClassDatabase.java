package dev.pgconductor.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One database per test class, for tests whose application context lives as long as the class (a
 * Spring Boot test, say): {@link #urlFor} creates it on first use on {@link TestPostgres}'s server,
 * and the extension drops it after the class. Declare it before the extension that closes the
 * context ({@code @ExtendWith({ClassDatabase.class, SpringExtension.class})}), so that the context
 * is closed first.
 */
public final class ClassDatabase implements AfterAllCallback {
  private static final Map<Class<?>, String> BY_CLASS = new ConcurrentHashMap<>();

  /** The JDBC URL of the test class's own database, created on first use. */
  public static String urlFor(Class<?> testClass) {
    return BY_CLASS.computeIfAbsent(testClass, c -> TestPostgres.createDatabase());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    String url = BY_CLASS.remove(context.getRequiredTestClass());
    if (url != null) {
      TestPostgres.dropDatabase(url);
    }
  }
}
