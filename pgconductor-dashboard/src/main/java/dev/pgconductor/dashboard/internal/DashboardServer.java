package dev.pgconductor.dashboard.internal;

import dev.pgconductor.Conductor;
import dev.pgconductor.dashboard.query.QueryException;
import dev.pgconductor.dashboard.query.SchemaNotInstalledException;
import dev.pgconductor.dashboard.query.StatusQuery;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP server of a dashboard: Javalin on Jetty, its routes and its error pages. */
public final class DashboardServer {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);

  private final Javalin app;
  private final LiveUpdates live;
  private final Conductor<Void> conductor;
  private final String url;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private DashboardServer(
      Javalin app, LiveUpdates live, Conductor<Void> conductor, DashboardSettings settings) {
    this.app = app;
    this.live = live;
    this.conductor = conductor;
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    this.url = "http://" + host + ":" + app.port() + settings.basePath() + "/";
  }

  /** Starts a dashboard with these settings. */
  public static DashboardServer start(DashboardSettings settings) {
    Templates templates = new Templates();
    Page.Assets assets = assets();
    // retry and cancel go through the library, as an application's own calls would
    Conductor<Void> conductor = Conductor.builder().dataSource(settings.dataSource()).build();
    LiveUpdates live =
        new LiveUpdates(
            new StatusQuery(settings.dataSource()),
            templates,
            settings.refreshInterval(),
            settings.basePath());
    Security security = new Security(settings, templates, assets);
    Pages pages = new Pages(settings, templates, assets, live, conductor);
    Javalin app =
        Javalin.create(
            config -> {
              config.jetty.host = settings.host();
              config.jetty.port = settings.port();
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.router.contextPath = settings.basePath().isEmpty() ? "/" : settings.basePath();
              config.router.ignoreTrailingSlashes = true;
              config.staticFiles.enableWebjars();
              config.staticFiles.add(
                  files -> {
                    files.hostedPath = "/assets";
                    files.directory = "/dev/pgconductor/dashboard/assets";
                    files.location = Location.CLASSPATH;
                  });
              config.routes.before(security::check);
              config.routes.get("/", pages::overview);
              config.routes.get("/executions", pages::executions);
              config.routes.get("/executions/{id}", pages::execution);
              config.routes.post("/executions/{id}/retry", pages::retry);
              config.routes.post("/executions/{id}/cancel", pages::cancel);
              config.routes.get("/failed", pages::failed);
              config.routes.get("/schedules", pages::schedules);
              config.routes.get("/events", pages::subscriptions);
              config.routes.get("/triggers", pages::triggers);
              config.routes.get("/login", security::loginPage);
              config.routes.post("/login", security::login);
              config.routes.sse("/live", live::add);
              config.routes.exception(
                  HttpProblem.class, (e, ctx) -> pages.error(ctx, e.status, e.getMessage()));
              config.routes.exception(
                  SchemaNotInstalledException.class,
                  (e, ctx) -> pages.error(ctx, 503, e.getMessage()));
              config.routes.exception(
                  QueryException.class,
                  (e, ctx) -> {
                    log.warn("Dashboard query failed: {}", e.getMessage());
                    pages.error(ctx, 503, "The database could not answer: " + e.getMessage());
                  });
              config.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("Dashboard request {} {} failed", ctx.method(), ctx.path(), e);
                    pages.error(
                        ctx, 500, "Something went wrong; the server's log has the details.");
                  });
              config.routes.error(404, ctx -> notFound(pages, ctx));
            });
    try {
      app.start();
    } catch (RuntimeException e) {
      live.close();
      conductor.close();
      throw e;
    }
    DashboardServer server = new DashboardServer(app, live, conductor, settings);
    log.info("pgconductor dashboard at {} ({})", server.url, settings);
    return server;
  }

  private static void notFound(Pages pages, Context ctx) {
    // a route's own 404 (unknown execution) already rendered its page
    if (ctx.result() == null || ctx.result().isEmpty()) {
      pages.error(ctx, 404, "There is no page at " + ctx.path() + ".");
    }
  }

  private static Page.Assets assets() {
    Properties p = new Properties();
    try (InputStream in = DashboardServer.class.getResourceAsStream("assets.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Page.Assets(
        p.getProperty("htmx"),
        p.getProperty("sse"),
        p.getProperty("uplot"),
        p.getProperty("uplotCss"));
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** The overview's address. */
  public String url() {
    return url;
  }

  /** The number of pages listening for live updates (for tests). */
  public int liveListeners() {
    return live.listeners();
  }

  /** Stops the server, the live updates and the actions' conductor. */
  public void stop() {
    if (stopped.compareAndSet(false, true)) {
      live.close();
      app.stop();
      conductor.close();
    }
  }

  static Map<String, Object> params(Object... keyValues) {
    java.util.HashMap<String, Object> map = new java.util.HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return map;
  }
}
