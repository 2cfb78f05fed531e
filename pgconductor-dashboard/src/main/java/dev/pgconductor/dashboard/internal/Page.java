package dev.pgconductor.dashboard.internal;

/**
 * What every page's frame needs: its title, which section of the navigation it is, where the
 * dashboard is served and the session's CSRF token. Used by the templates; not public API.
 *
 * @param title the page's title
 * @param section the navigation entry to highlight
 * @param base the base path (empty or starting with /), prefixed to every link
 * @param csrf the session's CSRF token, carried by every form that changes something
 * @param actions whether retry and cancel are offered
 * @param assets where the scripts and styles are
 * @param notice a message to show at the top (an action's outcome), or null
 */
public record Page(
    String title,
    String section,
    String base,
    String csrf,
    boolean actions,
    Assets assets,
    String notice) {

  /** The address of a path of the dashboard, such as {@code /executions}. */
  public String link(String path) {
    return base + path;
  }

  /**
   * Where the browser libraries are served (webjars on the class path), with their versions.
   *
   * @param htmx htmx
   * @param sse htmx's server-sent events extension
   * @param uplot uPlot, the chart library
   * @param uplotCss uPlot's styles
   */
  public record Assets(String htmx, String sse, String uplot, String uplotCss) {}
}
