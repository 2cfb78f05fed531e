package dev.pgconductor.internal.listen;

import dev.pgconductor.ConductorListener;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of a Conductor or an orchestrator, called one after the other; one that throws is
 * logged and the others still hear the event. Callers test {@link #active()} before building an
 * event, so a process without listeners pays nothing.
 */
public final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  /** No listener. */
  public static final Listeners NONE = new Listeners(List.of());

  private final ConductorListener[] listeners;

  private Listeners(List<ConductorListener> listeners) {
    this.listeners = listeners.toArray(ConductorListener[]::new);
  }

  public static Listeners of(List<ConductorListener> listeners) {
    return listeners.isEmpty() ? NONE : new Listeners(listeners);
  }

  /** These listeners followed by {@code more}. */
  public Listeners with(List<ConductorListener> more) {
    if (more.isEmpty()) {
      return this;
    }
    return new Listeners(Stream.concat(Arrays.stream(listeners), more.stream()).toList());
  }

  /** Whether anyone listens. */
  public boolean active() {
    return listeners.length > 0;
  }

  /** Calls {@code call} on every listener, logging what one of them throws. */
  public void fire(Consumer<ConductorListener> call) {
    for (ConductorListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("Listener {} failed: {}", listener.getClass().getName(), e.toString(), e);
      }
    }
  }
}
