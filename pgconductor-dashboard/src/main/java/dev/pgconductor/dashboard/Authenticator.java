package dev.pgconductor.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Decides whether a request may see the dashboard: plug in your own to reuse what already guards
 * your operators' tools, such as a header set by an authenticating reverse proxy or a client
 * certificate checked in front of the application. It is asked on every request but those for the
 * dashboard's static files (scripts and styles, which hold no data).
 *
 * <pre>{@code
 * Dashboard.builder(dataSource)
 *     .authenticator(request -> "ops".equals(request.header("X-Forwarded-Group")))
 *     .start();
 * }</pre>
 *
 * <p>An authenticator that trusts a header must only be used behind a proxy that sets that header
 * itself and strips it from what clients send.
 */
@FunctionalInterface
public interface Authenticator {

  /** Whether this request may see the dashboard; a refused one gets HTTP 401. */
  boolean authenticate(Request request);

  /**
   * An authenticator that lets in requests with the header {@code Authorization: Bearer TOKEN}.
   * (The dashboard's own {@link Dashboard.Builder#token(String)} also accepts the token once in the
   * address and then keeps a session cookie, which is what a browser needs.)
   */
  static Authenticator bearer(String token) {
    Objects.requireNonNull(token, "token");
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    return request -> {
      String header = request.header("Authorization");
      return header != null
          && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    };
  }

  /** What an authenticator may look at in a request. */
  interface Request {
    /** The value of a request header, or {@code null}. */
    String header(String name);

    /** The value of a cookie, or {@code null}. */
    String cookie(String name);

    /** The address of the client, or of the proxy in front of the dashboard. */
    String remoteAddress();

    /** The path asked for, such as {@code /executions}. */
    String path();
  }
}
