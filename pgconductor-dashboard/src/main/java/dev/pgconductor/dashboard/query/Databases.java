package dev.pgconductor.dashboard.query;

import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Database URLs and connections for the read queries of this package.
 *
 * <p>A URL may be given in either of the two usual forms: a JDBC URL ({@code
 * jdbc:postgresql://host:5432/db?user=app&password=secret}) or a libpq-style URI ({@code
 * postgres://app:secret@host:5432/db?sslmode=require}, also {@code postgresql://}). {@link
 * #dataSource(String)} turns either into a {@link DataSource} that opens a plain connection per
 * call, which is what a short-lived command needs; a long-running application (a dashboard) hands
 * its own pooled {@code DataSource} to the queries instead.
 */
public final class Databases {
  private Databases() {}

  /**
   * The JDBC URL for a database URL in either form.
   *
   * @throws IllegalArgumentException when the URL is in neither form, or is not a valid URI
   */
  public static String jdbcUrl(String url) {
    Objects.requireNonNull(url, "url");
    String s = url.strip();
    if (s.startsWith("jdbc:postgresql:")) {
      return s;
    }
    if (!s.startsWith("postgres://") && !s.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "a database URL starts with postgres://, postgresql:// or jdbc:postgresql:, got '"
              + mask(s)
              + "'");
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + mask(s) + "' is not a valid database URL: " + e.getReason(), e);
    }
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://");
    jdbc.append(uri.getHost() == null ? "localhost" : uri.getHost());
    if (uri.getPort() > 0) {
      jdbc.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    jdbc.append(path == null || path.isEmpty() ? "/" : path);
    StringBuilder query = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      param(query, "user", URLDecoder.decode(user, StandardCharsets.UTF_8));
      if (colon >= 0) {
        param(
            query,
            "password",
            URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
      }
    }
    if (!query.isEmpty()) {
      jdbc.append('?').append(query);
    }
    return jdbc.toString();
  }

  private static void param(StringBuilder query, String key, String value) {
    if (!query.isEmpty()) {
      query.append('&');
    }
    query.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  /** The URL with any password replaced by {@code ****}, for messages. */
  public static String mask(String url) {
    return url.replaceAll("(://[^:/@]+:)[^@]*@", "$1****@")
        .replaceAll("(?i)(password=)[^&]*", "$1****");
  }

  /**
   * A {@link DataSource} that opens one new connection per {@code getConnection()} call (no pool),
   * named {@code pgconductor-cli} in {@code pg_stat_activity}. A connection attempt gives up after
   * 10 seconds unless the URL sets {@code connectTimeout} (and {@code loginTimeout}).
   *
   * @throws IllegalArgumentException when the URL is in neither accepted form
   */
  public static DataSource dataSource(String url) {
    String jdbc = jdbcUrl(url);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(jdbc);
    if (!jdbc.contains("ApplicationName=")) {
      ds.setApplicationName("pgconductor-cli");
    }
    if (!jdbc.contains("connectTimeout=")) {
      ds.setConnectTimeout(10);
    }
    if (!jdbc.contains("loginTimeout=")) {
      ds.setLoginTimeout(10);
    }
    return ds;
  }

  /**
   * Whether a failure means the database could not be reached or would not let us in: a refused or
   * lost connection, a timeout while connecting, a failed login, or a database that does not exist
   * (SQLSTATE classes 08 and 28, and 3D000), found anywhere in the cause chain.
   */
  public static boolean isConnectionFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08") || state.startsWith("28") || state.equals("3D000")) {
          return true;
        }
      }
      if (t instanceof ConnectException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
