package dev.pgconductor.bench.db;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for {@code jdbc:postgresql://host:port/db?params} URLs. */
public final class JdbcUrl {
  private JdbcUrl() {}

  /** The same server and parameters, another database. */
  public static String withDatabase(String url, String database) {
    int schemeEnd = url.indexOf("//") + 2;
    int slash = url.indexOf('/', schemeEnd);
    int query = url.indexOf('?', schemeEnd);
    int hostEnd =
        slash >= 0 && (query < 0 || slash < query) ? slash : (query < 0 ? url.length() : query);
    String rest = query < 0 ? "" : url.substring(query);
    return url.substring(0, hostEnd) + "/" + database + rest;
  }

  /** Host, port, database, user and password of a URL (libpq names: host, port, dbname, …). */
  public static Map<String, String> parts(String url) {
    Map<String, String> parts = new LinkedHashMap<>();
    int schemeEnd = url.indexOf("//") + 2;
    int query = url.indexOf('?', schemeEnd);
    String main = query < 0 ? url.substring(schemeEnd) : url.substring(schemeEnd, query);
    int slash = main.indexOf('/');
    String hostPort = slash < 0 ? main : main.substring(0, slash);
    parts.put("dbname", slash < 0 ? "" : main.substring(slash + 1));
    int colon = hostPort.lastIndexOf(':');
    parts.put("host", colon < 0 ? hostPort : hostPort.substring(0, colon));
    parts.put("port", colon < 0 ? "5432" : hostPort.substring(colon + 1));
    if (query >= 0) {
      for (String kv : url.substring(query + 1).split("&")) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          parts.put(
              kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return parts;
  }

  /** The URL as {@code postgres://user:pass@host:port/db}, the form Node clients take. */
  public static String toLibpqUri(String url) {
    Map<String, String> p = parts(url);
    StringBuilder s = new StringBuilder("postgres://");
    if (p.containsKey("user")) {
      s.append(enc(p.get("user")));
      if (p.containsKey("password")) {
        s.append(':').append(enc(p.get("password")));
      }
      s.append('@');
    }
    return s.append(p.get("host"))
        .append(':')
        .append(p.get("port"))
        .append('/')
        .append(p.get("dbname"))
        .toString();
  }

  /** The URL with any password hidden. */
  public static String mask(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1****");
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
