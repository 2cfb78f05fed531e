package dev.pgconductor.spring.dashboard;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code pgconductor.dashboard.*} properties of the web dashboard. */
@ConfigurationProperties("pgconductor.dashboard")
public class PgConductorDashboardProperties {
  /** Whether to start the web dashboard (needs pgconductor-dashboard on the class path). */
  private boolean enabled;

  /** The address the dashboard listens on; any other than a loopback address needs a token. */
  private String host = "127.0.0.1";

  /** The port the dashboard listens on, 0 for any free one. */
  private int port = 8081;

  /** The access token visitors must give; none when unset. */
  private String token;

  /** Whether the dashboard offers retry and cancel (read-only otherwise). */
  private boolean allowActions;

  /** The path the dashboard is served under, for a reverse proxy, such as /ops/pgconductor. */
  private String basePath = "";

  /** Whether to start the dashboard. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether to start the dashboard. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The address to listen on. */
  public String getHost() {
    return host;
  }

  /** Sets the address to listen on. */
  public void setHost(String host) {
    this.host = host;
  }

  /** The port to listen on. */
  public int getPort() {
    return port;
  }

  /** Sets the port to listen on. */
  public void setPort(int port) {
    this.port = port;
  }

  /** The access token, or null. */
  public String getToken() {
    return token;
  }

  /** Sets the access token. */
  public void setToken(String token) {
    this.token = token == null || token.isBlank() ? null : token;
  }

  /** Whether retry and cancel are offered. */
  public boolean isAllowActions() {
    return allowActions;
  }

  /** Sets whether retry and cancel are offered. */
  public void setAllowActions(boolean allowActions) {
    this.allowActions = allowActions;
  }

  /** The base path. */
  public String getBasePath() {
    return basePath;
  }

  /** Sets the base path. */
  public void setBasePath(String basePath) {
    this.basePath = basePath == null ? "" : basePath;
  }
}
