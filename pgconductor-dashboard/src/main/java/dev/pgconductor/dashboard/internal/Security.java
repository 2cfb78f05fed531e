package dev.pgconductor.dashboard.internal;

import dev.pgconductor.dashboard.Authenticator;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.Header;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may see the dashboard and which requests may change something.
 *
 * <ul>
 *   <li>With a token: a session cookie signed in with the token (from {@code ?token=} or the
 *       sign-in form), or the header {@code Authorization: Bearer TOKEN}.
 *   <li>With an authenticator: whatever it says, asked on every request.
 *   <li>Otherwise (only possible on a loopback address): everyone.
 * </ul>
 *
 * Every browser gets a session (an {@code HttpOnly}, {@code SameSite=Strict} cookie) whose CSRF
 * token the forms of actions carry; an action must present it and come from the dashboard's own
 * origin. The static files (scripts, styles) need nothing: they hold no data.
 */
final class Security {
  static final String SESSION_ATTRIBUTE = "pgconductor.session";

  private final DashboardSettings settings;
  private final Templates templates;
  private final Page.Assets assets;
  private final Sessions sessions = new Sessions();
  private final Authenticator authenticator;

  Security(DashboardSettings settings, Templates templates, Page.Assets assets) {
    this.settings = settings;
    this.templates = templates;
    this.assets = assets;
    this.authenticator =
        settings.authenticator() != null
            ? settings.authenticator()
            : settings.token() != null ? Authenticator.bearer(settings.token()) : null;
  }

  /** Runs before every request: lets it through, or answers it with 401, 403 or a redirect. */
  void check(Context ctx) {
    String path = relativePath(ctx);
    if (path.startsWith("/webjars/") || path.startsWith("/assets/")) {
      return;
    }
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "same-origin");
    ctx.header("Cache-Control", "no-store");
    Sessions.Session session = sessions.find(ctx.cookie(Sessions.COOKIE));
    String given = ctx.queryParam("token");
    if (settings.token() != null && given != null && ctx.method() == HandlerType.GET) {
      if (tokenMatches(given)) {
        session = sessions.create(true);
        setCookie(ctx, session);
        // the token leaves the address bar (and the history) at once
        ctx.redirect(withoutToken(ctx));
        ctx.skipRemainingHandlers();
        return;
      }
      refuse(ctx, "The access token is wrong.");
      return;
    }
    if (path.equals("/login")) {
      ensureSession(ctx, session);
      return;
    }
    boolean allowed;
    if (settings.token() != null) {
      allowed = (session != null && session.signedIn) || authenticator.authenticate(request(ctx));
    } else if (authenticator != null) {
      allowed = authenticator.authenticate(request(ctx));
    } else {
      allowed = true;
    }
    if (!allowed) {
      refuse(ctx, null);
      return;
    }
    ensureSession(ctx, session);
    if (ctx.method() == HandlerType.POST) {
      checkAction(ctx);
    }
  }

  private void ensureSession(Context ctx, Sessions.Session session) {
    if (session == null) {
      session = sessions.create(false);
      setCookie(ctx, session);
    }
    ctx.attribute(SESSION_ATTRIBUTE, session);
  }

  /** A request that changes something: actions allowed, same origin, the session's CSRF token. */
  private void checkAction(Context ctx) {
    if (relativePath(ctx).equals("/login")) {
      return;
    }
    if (!settings.allowActions()) {
      throw HttpProblem.forbidden(
          "This dashboard is read-only: actions are not allowed (start it with actions allowed).");
    }
    if (!sameOrigin(ctx)) {
      throw HttpProblem.forbidden("Refused a request from another site.");
    }
    Sessions.Session session = ctx.attribute(SESSION_ATTRIBUTE);
    String given = ctx.formParam("csrf");
    if (given == null) {
      given = ctx.header("X-CSRF-Token");
    }
    if (given == null
        || !MessageDigest.isEqual(
            session.csrf.getBytes(StandardCharsets.UTF_8),
            given.getBytes(StandardCharsets.UTF_8))) {
      throw HttpProblem.forbidden(
          "Refused a request without this session's form token: reload the page and try again.");
    }
  }

  /**
   * Whether the request comes from the dashboard's own pages: the browser's {@code Origin} (or,
   * failing that, {@code Referer}) names the host the request was sent to, and {@code
   * Sec-Fetch-Site} does not say cross-site.
   */
  private static boolean sameOrigin(Context ctx) {
    String fetchSite = ctx.header("Sec-Fetch-Site");
    if (fetchSite != null && fetchSite.equals("cross-site")) {
      return false;
    }
    String origin = ctx.header(Header.ORIGIN);
    if (origin == null || origin.equals("null")) {
      String referer = ctx.header(Header.REFERER);
      if (referer == null) {
        return origin == null; // no browser header at all: a script, which needs the token
      }
      origin = referer;
    }
    String host = ctx.header(Header.HOST);
    try {
      URI uri = URI.create(origin);
      String authority = uri.getRawAuthority();
      return host != null && host.equalsIgnoreCase(authority);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  void loginPage(Context ctx) {
    if (settings.token() == null) {
      ctx.redirect(settings.basePath() + "/");
      return;
    }
    ctx.html(
        templates.render(
            "login.jte", DashboardServer.params("page", page(ctx, "Sign in"), "failed", false)));
  }

  void login(Context ctx) {
    if (settings.token() == null) {
      ctx.redirect(settings.basePath() + "/", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    String given = ctx.formParam("token");
    if (given != null && tokenMatches(given)) {
      setCookie(ctx, sessions.create(true));
      ctx.redirect(settings.basePath() + "/", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    ctx.status(401)
        .html(
            templates.render(
                "login.jte", DashboardServer.params("page", page(ctx, "Sign in"), "failed", true)));
  }

  private void refuse(Context ctx, String message) {
    ctx.status(401);
    if (ctx.header(Header.ACCEPT) != null && ctx.header(Header.ACCEPT).contains("text/html")) {
      ctx.html(
          templates.render(
              "login.jte",
              DashboardServer.params("page", page(ctx, "Sign in"), "failed", message != null)));
    } else {
      ctx.result("401 Unauthorized: this dashboard needs an access token or a sign-in");
    }
    ctx.skipRemainingHandlers();
  }

  private Page page(Context ctx, String title) {
    Sessions.Session session = ctx.attribute(SESSION_ATTRIBUTE);
    return new Page(
        title,
        "login",
        settings.basePath(),
        session == null ? "" : session.csrf,
        false,
        assets,
        null);
  }

  private boolean tokenMatches(String given) {
    return MessageDigest.isEqual(
        settings.token().getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  private void setCookie(Context ctx, Sessions.Session session) {
    String path = settings.basePath().isEmpty() ? "/" : settings.basePath();
    boolean secure =
        "https".equalsIgnoreCase(ctx.scheme())
            || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    ctx.res()
        .addHeader(
            "Set-Cookie",
            Sessions.COOKIE
                + "="
                + session.id
                + "; Path="
                + path
                + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : ""));
    ctx.attribute(SESSION_ATTRIBUTE, session);
  }

  private String withoutToken(Context ctx) {
    StringBuilder query = new StringBuilder();
    ctx.queryParamMap()
        .forEach(
            (key, values) -> {
              if (!key.equals("token")) {
                for (String v : values) {
                  query.append(query.isEmpty() ? "?" : "&").append(View.param(key)).append('=');
                  query.append(View.param(v));
                }
              }
            });
    return ctx.path() + query;
  }

  private String relativePath(Context ctx) {
    String path = ctx.path();
    return path.startsWith(settings.basePath())
        ? path.substring(settings.basePath().length())
        : path;
  }

  private static Authenticator.Request request(Context ctx) {
    return new Authenticator.Request() {
      @Override
      public String header(String name) {
        return ctx.header(name);
      }

      @Override
      public String cookie(String name) {
        return ctx.cookie(name);
      }

      @Override
      public String remoteAddress() {
        return ctx.req().getRemoteAddr();
      }

      @Override
      public String path() {
        return ctx.path();
      }
    };
  }
}
