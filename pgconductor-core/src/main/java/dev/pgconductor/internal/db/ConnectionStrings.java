package dev.pgconductor.internal.db;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Accepts both {@code jdbc:postgresql://…} URLs and libpq-style {@code
 * postgres://user:pass@host:port/db?…} URIs, and returns a JDBC URL.
 */
public final class ConnectionStrings {
  private ConnectionStrings() {}

  public static String toJdbcUrl(String connectionString) {
    String s = connectionString.trim();
    if (s.startsWith("jdbc:postgresql:")) {
      return s;
    }
    if (!s.startsWith("postgres://") && !s.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "connection string must start with postgres://, postgresql:// or jdbc:postgresql:, got '"
              + mask(s)
              + "'");
    }
    URI uri = URI.create(s);
    StringBuilder url = new StringBuilder("jdbc:postgresql://");
    url.append(uri.getHost() == null ? "localhost" : uri.getHost());
    if (uri.getPort() > 0) {
      url.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    url.append(path == null || path.isEmpty() ? "/" : path);
    StringBuilder query = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      appendParam(query, "user", URLDecoder.decode(user, StandardCharsets.UTF_8));
      if (colon >= 0) {
        appendParam(
            query,
            "password",
            URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
      }
    }
    if (!query.isEmpty()) {
      url.append('?').append(query);
    }
    return url.toString();
  }

  private static void appendParam(StringBuilder query, String key, String value) {
    if (!query.isEmpty()) {
      query.append('&');
    }
    query.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  /** The connection string with any password replaced, for messages and logs. */
  public static String mask(String connectionString) {
    return connectionString
        .replaceAll("(://[^:/@]+:)[^@]*@", "$1****@")
        .replaceAll("(?i)(password=)[^&]*", "$1****");
  }
}
