package dev.pgconductor.examples.guide;

import dev.pgconductor.dashboard.Authenticator;
import dev.pgconductor.dashboard.Dashboard;
import javax.sql.DataSource;

/** The code of docs/dashboard.md: the dashboard started from an application. */
public final class DashboardExamples {
  private DashboardExamples() {}

  /** The dashboard on the application's data source, with a token and actions allowed. */
  public static Dashboard embedded(DataSource dataSource, String token) {
    // tag::embedded[]
    Dashboard dashboard =
        Dashboard.builder(dataSource) // the application's pool
            .port(8081) // on 127.0.0.1 unless .host(...) says otherwise
            .token(token) // visitors open http://127.0.0.1:8081/?token=… once
            .allowActions(true) // retry and cancel; off by default
            .start(); // close() stops it
    // end::embedded[]
    return dashboard;
  }

  /** The dashboard behind a proxy that authenticates operators and says so in a header. */
  public static Dashboard behindAProxy(DataSource dataSource) {
    // tag::authenticator[]
    Authenticator operators =
        request -> "operators".equals(request.header("X-Auth-Request-Groups"));
    Dashboard dashboard =
        Dashboard.builder(dataSource)
            .host("0.0.0.0") // reachable by the proxy
            .authenticator(operators) // asked on every request
            .basePath("/ops/pgconductor") // the path the proxy forwards
            .start();
    // end::authenticator[]
    return dashboard;
  }
}
