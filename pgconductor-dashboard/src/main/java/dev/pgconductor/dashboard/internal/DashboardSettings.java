package dev.pgconductor.dashboard.internal;

import dev.pgconductor.dashboard.Authenticator;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A dashboard's checked settings, from {@link dev.pgconductor.dashboard.Dashboard.Builder}. Not
 * part of the public API.
 *
 * @param dataSource the database
 * @param host the address to listen on
 * @param port the port, 0 for any
 * @param token the access token, or null
 * @param authenticator the authenticator, or null
 * @param allowActions whether retry and cancel are offered
 * @param basePath the path prefix, empty or starting with /
 * @param refreshInterval how often live pages get fresh numbers
 */
public record DashboardSettings(
    DataSource dataSource,
    String host,
    int port,
    String token,
    Authenticator authenticator,
    boolean allowActions,
    String basePath,
    Duration refreshInterval) {

  @Override
  public String toString() {
    return "DashboardSettings[host="
        + host
        + ", port="
        + port
        + ", token="
        + (token == null ? "none" : "****")
        + ", authenticator="
        + (authenticator == null ? "none" : authenticator.getClass().getName())
        + ", allowActions="
        + allowActions
        + ", basePath='"
        + basePath
        + "', refreshInterval="
        + refreshInterval
        + "]";
  }
}
