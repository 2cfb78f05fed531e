package dev.pgconductor.dashboard;

import dev.pgconductor.dashboard.internal.DashboardServer;
import dev.pgconductor.dashboard.internal.DashboardSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The pgconductor web dashboard: queues, throughput, orchestrators, executions, schedules and
 * triggers of one database, with retry and cancel when actions are allowed. It needs nothing but
 * the database; start it inside an application:
 *
 * <pre>{@code
 * try (Dashboard dashboard =
 *     Dashboard.builder(dataSource).port(8081).token(System.getenv("DASHBOARD_TOKEN")).start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>or from the command line ({@code pgconductor dashboard --url ...}). By default it listens on
 * 127.0.0.1 only, is read-only, and asks for no credentials; listening on any other address
 * requires a {@linkplain Builder#token(String) token} or an {@linkplain Builder#authenticator
 * authenticator}. Actions (retry, cancel) must be {@linkplain Builder#allowActions(boolean)
 * allowed} and are protected against cross-site requests by a per-session token, a {@code
 * SameSite=Strict} session cookie and a check of the request's origin.
 *
 * <p>Open pages are updated live over server-sent events from one shared reader of the database,
 * whatever the number of pages open.
 */
public final class Dashboard implements AutoCloseable {
  private final DashboardServer server;

  private Dashboard(DashboardServer server) {
    this.server = server;
  }

  /**
   * A dashboard on this database. A pooled data source (the application's) is best: each page runs
   * a few short queries.
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /** The port it listens on (the one chosen by the system when the builder's port was 0). */
  public int port() {
    return server.port();
  }

  /** The address of its overview page, such as {@code http://127.0.0.1:8081/}. */
  public String url() {
    return server.url();
  }

  /** Stops serving; open pages lose their live updates. Repeating it does nothing. */
  @Override
  public void close() {
    server.stop();
  }

  /** Settings of a {@link Dashboard}; {@link #start()} starts it. */
  public static final class Builder {
    private final DataSource dataSource;
    private String host = "127.0.0.1";
    private int port = 8081;
    private String token;
    private Authenticator authenticator;
    private boolean allowActions;
    private String basePath = "";
    private Duration refreshInterval = Duration.ofSeconds(2);

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * The address to listen on; 127.0.0.1 by default. Any other address (such as {@code 0.0.0.0})
     * needs a token or an authenticator.
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port to listen on; 8081 by default, 0 for any free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("the port must be between 0 and 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Asks every visitor for this access token: open the dashboard once at {@code
     * http://host:port/?token=TOKEN} (or sign in on the page it shows) and a session cookie keeps
     * you in; scripts may send {@code Authorization: Bearer TOKEN}. {@code null} for none.
     */
    public Builder token(String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("the token must not be blank");
      }
      this.token = token;
      return this;
    }

    /** Lets your own code decide who may see the dashboard, instead of a token. */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = authenticator;
      return this;
    }

    /** Shows the retry and cancel buttons and accepts them; off by default (read-only). */
    public Builder allowActions(boolean allowActions) {
      this.allowActions = allowActions;
      return this;
    }

    /**
     * The path the dashboard is served under, such as {@code /ops/pgconductor}, for a reverse proxy
     * that forwards that path unchanged; empty by default.
     */
    public Builder basePath(String basePath) {
      Objects.requireNonNull(basePath, "basePath");
      String p = basePath.strip();
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      if (!p.isEmpty() && (!p.startsWith("/") || !p.matches("[/A-Za-z0-9._~-]+"))) {
        throw new IllegalArgumentException(
            "the base path must start with / and hold only letters, digits and ._~-, got '"
                + basePath
                + "'");
      }
      this.basePath = p;
      return this;
    }

    /** How often open pages get fresh numbers; 2 seconds by default, at least 200 ms. */
    public Builder refreshInterval(Duration refreshInterval) {
      Objects.requireNonNull(refreshInterval, "refreshInterval");
      if (refreshInterval.toMillis() < 200) {
        throw new IllegalArgumentException(
            "the refresh interval must be at least 200 ms, got " + refreshInterval);
      }
      this.refreshInterval = refreshInterval;
      return this;
    }

    /**
     * Starts serving.
     *
     * @throws IllegalStateException when both a token and an authenticator are set, or when the
     *     address is not a loopback address and neither is set
     */
    public Dashboard start() {
      if (token != null && authenticator != null) {
        throw new IllegalStateException("set a token or an authenticator, not both");
      }
      if (token == null && authenticator == null && !isLoopback(host)) {
        throw new IllegalStateException(
            "the dashboard listens on "
                + host
                + ", which other machines can reach: set a token or an authenticator, or listen"
                + " on 127.0.0.1");
      }
      DashboardSettings settings =
          new DashboardSettings(
              dataSource,
              host,
              port,
              token,
              authenticator,
              allowActions,
              basePath,
              refreshInterval);
      return new Dashboard(DashboardServer.start(settings));
    }

    private static boolean isLoopback(String host) {
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("unknown host '" + host + "'", e);
      }
    }
  }
}
