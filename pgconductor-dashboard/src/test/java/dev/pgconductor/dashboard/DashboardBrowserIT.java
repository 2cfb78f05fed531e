package dev.pgconductor.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.ExecutionState;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium (Debian's chromium and chromium-driver), driven by Selenium,
 * against an orchestrator that ran real executions: every page loads, the overview updates live,
 * filters and search work, and retry and cancel do what they say. One browser for the class.
 *
 * <p>With {@code -Dpgconductor.dashboard.screenshots=true} it saves a screenshot of each page to
 * {@code docs/images/dashboard-*.png}.
 */
class DashboardBrowserIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final String TOKEN = "browser-token";
  static Scenario scenario;
  static Dashboard dashboard;
  static ChromeDriver browser;
  static WebDriverWait wait;
  static Path userDataDir;

  @BeforeAll
  static void start() throws IOException {
    scenario = new Scenario(db);
    dashboard =
        Dashboard.builder(db.dataSource())
            .port(0)
            .token(TOKEN)
            .allowActions(true)
            .refreshInterval(Duration.ofMillis(500))
            .start();
    File chromium = new File(System.getProperty("pgconductor.chromium", "/usr/bin/chromium"));
    File chromedriver =
        new File(System.getProperty("pgconductor.chromedriver", "/usr/bin/chromedriver"));
    if (!chromium.canExecute() || !chromedriver.canExecute()) {
      throw new IllegalStateException(
          "the browser tests need Chromium at "
              + chromium
              + " and ChromeDriver at "
              + chromedriver
              + ": install Debian's chromium and chromium-driver packages, or give their paths"
              + " with -Dpgconductor.chromium=... -Dpgconductor.chromedriver=...");
    }
    userDataDir = Files.createTempDirectory("pgconductor-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + userDataDir);
    // the machine's own driver: Selenium Manager never downloads one
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver)
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1400, 1000));
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    signIn();
  }

  @AfterAll
  static void stop() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    if (scenario != null) {
      scenario.close();
    }
    if (userDataDir != null) {
      try (var files = Files.walk(userDataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  static void signIn() {
    open("/?token=" + TOKEN);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("queues")));
  }

  static void open(String path) {
    browser.get(dashboard.url() + path.substring(1));
  }

  /**
   * The text of an element; read again when a live update replaced the element between finding it
   * and reading it.
   */
  static String text(String id) {
    return wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> d.findElement(By.id(id)).getText());
  }

  static void screenshot(String name) {
    if (!Boolean.getBoolean("pgconductor.dashboard.screenshots")) {
      return;
    }
    Path dir = Path.of(System.getProperty("pgconductor.dashboard.images", "target/screenshots"));
    try {
      Files.createDirectories(dir);
      File shot = browser.getScreenshotAs(OutputType.FILE);
      Files.copy(
          shot.toPath(),
          dir.resolve("dashboard-" + name + ".png"),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theOverviewShowsQueuesOrchestratorsAndThroughput() {
    open("/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("queues"), "backlog"));
    String queues = text("queues");
    assertThat(queues).contains("default", "backlog");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("orchestrators"), "alive"));
    assertThat(text("orchestrators")).contains("greet");
    // uPlot drew the chart from the server's data
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#throughput canvas")));
    assertThat(Long.parseLong(text("completed"))).isGreaterThanOrEqualTo(61);
    assertThat(Long.parseLong(text("failed"))).isGreaterThanOrEqualTo(2);
    assertThat(text("failure-rate")).endsWith("%");
    screenshot("overview");
  }

  @Test
  void theOverviewUpdatesLiveWithoutReloading() {
    open("/");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("completed")));
    ((JavascriptExecutor) browser).executeScript("window.notReloaded = true");
    long before = Long.parseLong(text("completed"));
    for (int i = 0; i < 3; i++) {
      scenario.conductor.invoke(Scenario.GREET, new Scenario.Greet("live " + i));
    }
    wait.until(d -> Long.parseLong(d.findElement(By.id("completed")).getText()) >= before + 3);
    assertThat(((JavascriptExecutor) browser).executeScript("return window.notReloaded"))
        .isEqualTo(true);
  }

  @Test
  void theExecutionsListFiltersSearchesAndPages() {
    open("/executions");
    List<WebElement> rows = browser.findElements(By.cssSelector("table.executions tbody tr"));
    assertThat(rows).hasSize(50);
    screenshot("executions");
    browser.findElement(By.id("next-page")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("first-page")));
    assertThat(browser.findElements(By.cssSelector("table.executions tbody tr"))).isNotEmpty();

    open("/executions");
    new Select(browser.findElement(By.id("filter-state"))).selectByValue("failed");
    new Select(browser.findElement(By.id("filter-task"))).selectByValue("explode");
    browser.findElement(By.id("apply")).click();
    wait.until(ExpectedConditions.urlContains("state=failed"));
    List<String> ids = rowIds();
    assertThat(ids).contains(scenario.explodes.getLast());
    assertThat(browser.findElements(By.cssSelector("table.executions .state")))
        .allSatisfy(state -> assertThat(state.getText()).isEqualTo("failed"));

    open("/executions");
    browser.findElement(By.id("filter-q")).sendKeys("order-42");
    browser.findElement(By.id("apply")).click();
    wait.until(ExpectedConditions.urlContains("q=order-42"));
    assertThat(rowIds()).containsExactly(scenario.deduped);

    open("/executions");
    browser.findElement(By.id("filter-q")).sendKeys(scenario.parent);
    browser.findElement(By.id("apply")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("execution-id")));
    assertThat(text("execution-id")).isEqualTo(scenario.parent);
  }

  static List<String> rowIds() {
    return browser.findElements(By.cssSelector("table.executions tbody tr[data-id]")).stream()
        .map(row -> row.getAttribute("data-id"))
        .toList();
  }

  @Test
  void anExecutionShowsItsStepsChildrenParentAndErrors() {
    open("/executions/" + scenario.parent);
    assertThat(text("execution-state")).isEqualTo("waiting");
    assertThat(text("execution-origin")).contains("invoked");
    assertThat(text("payload")).contains("\"name\" : \"p\"");
    String timeline = text("timeline");
    assertThat(timeline).contains("prepare", "charge", "cool-off");
    screenshot("execution");
    browser.findElement(By.cssSelector("table.executions tbody tr[data-id] a")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("execution-origin"), "child"));
    assertThat(text("result")).contains("child of p");
    browser.findElement(By.cssSelector("#execution-parent a")).click();
    wait.until(ExpectedConditions.textToBe(By.id("execution-id"), scenario.parent));

    // each failed attempt with its error and stack trace
    open("/executions/" + scenario.explodes.getLast());
    var attempts = browser.findElements(By.cssSelector("#failed-attempts tr.failed-attempt"));
    assertThat(attempts).hasSize(2);
    assertThat(attempts).allSatisfy(a -> assertThat(a.getText()).contains("boom for y"));
    assertThat(attempts.getFirst().getText()).startsWith("1");
    assertThat(
            attempts.getLast().findElement(By.cssSelector("pre.stack")).getAttribute("textContent"))
        .contains("java.lang.IllegalStateException");
  }

  @Test
  void retryRunsAFailedExecutionAgain() {
    String id = scenario.explodes.getFirst();
    Scenario.HEALED.add("x"); // the bug is fixed: the next run completes
    open("/failed");
    assertThat(text("retrying")).contains("the payment service is down");
    screenshot("failed");
    browser.findElement(By.cssSelector("#failed tr[data-id='" + id + "'] button.retry")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("notice")));
    assertThat(text("notice")).startsWith("Retried");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                scenario.conductor.getExecution(id).orElseThrow().state()
                    == ExecutionState.COMPLETED);
    open("/executions/" + id);
    assertThat(text("execution-state")).isEqualTo("completed");
  }

  @Test
  void cancelStopsAnExecutionThatHasNotRun() {
    String id = scenario.backlog.getLast();
    open("/executions/" + id);
    assertThat(text("execution-state")).isEqualTo("pending");
    browser.findElement(By.id("cancel")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("notice")));
    assertThat(text("execution-state")).isEqualTo("failed");
    assertThat(text("last-error")).contains("Cancelled from the dashboard");
    assertThat(browser.findElements(By.id("cancel"))).isEmpty();
  }

  @Test
  void schedulesSubscriptionsAndRowTriggersAreListed() {
    open("/schedules");
    assertThat(text("schedules")).contains("nightly", "0 3 * * *", "cron trigger");
    screenshot("schedules");
    open("/events");
    assertThat(text("subscriptions")).contains("user.signed-up", "welcome");
    screenshot("events");
    open("/triggers");
    assertThat(text("row-triggers"))
        .contains("public.contacts", "insert", "contact-added", "installed");
    screenshot("triggers");
  }

  @Test
  void withoutTheSessionTheDashboardAsksForTheToken() {
    browser.manage().deleteAllCookies();
    try {
      open("/executions");
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("token")));
      browser.findElement(By.id("token")).sendKeys("wrong");
      browser.findElement(By.id("sign-in")).click();
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("problem")));
      browser.findElement(By.id("token")).sendKeys(TOKEN);
      browser.findElement(By.id("sign-in")).click();
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("queues")));
    } finally {
      signIn();
    }
  }
}
