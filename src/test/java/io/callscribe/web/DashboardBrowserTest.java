package io.callscribe.web;

import io.callscribe.event.TranscriptEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Drives the dashboard in the system's headless Chromium while the test plays two calls into the registry.
 * Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian packages chromium, chromium-driver): skipped locally
 * without them, a failure in CI (CI=true).
 */
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

    @TempDir
    Path profile;

    private CallRegistry registry;
    private WebServer server;
    private ChromeDriver driver;

    @BeforeEach
    void start() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "headless browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver)";
        if (!installed && "true".equals(System.getenv("CI"))) {
            fail(missing);
        }
        assumeTrue(installed, missing);

        registry = new CallRegistry();
        server = WebServer.start(WebSettings.loopback(0).withToken("page-token"), registry, null);

        // An explicit driver executable keeps Selenium Manager from looking for (or downloading) one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
        // Selenium warns that it has no CDP bindings for this Chromium: the test uses none.
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(java.util.logging.Level.SEVERE);
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void followsTwoLiveCallsThenFindsAFinishedOne() throws Exception {
        // Opened with the token in the URL: the page keeps it for its API and feed calls.
        driver.get(server.url() + "?token=page-token");
        waitFor(() -> driver.findElement(By.id("status")).getText().equals("live"));
        assertThat(driver.getCurrentUrl()).doesNotContain("page-token");

        registry.accept(new TranscriptEvent.CallStarted("alpha", T0, "file:/spool/alpha.wav"));
        registry.attach("alpha", new CallControl("vosk ws://127.0.0.1:2700", () -> { }, () -> 0.4, () -> 3.0));
        registry.accept(new TranscriptEvent.CallStarted("bravo", T0.plusSeconds(1), "audiosocket:bravo"));
        registry.accept(new TranscriptEvent.Partial("alpha", T0, "caller", "my parcel"));
        registry.accept(new TranscriptEvent.Partial("bravo", T0, null, "good morn"));

        waitFor(() -> text("#live [data-call='alpha'] .partial").contains("my parcel"));
        waitFor(() -> text("#live [data-call='bravo'] .partial").contains("good morn"));
        // A later partial replaces the earlier one rather than adding a line.
        registry.accept(new TranscriptEvent.Partial("alpha", T0, "caller", "my parcel never"));
        waitFor(() -> text("#live [data-call='alpha'] .partial").contains("my parcel never"));
        assertThat(driver.findElements(By.cssSelector("#live [data-call='alpha'] .partial"))).hasSize(1);

        registry.accept(new TranscriptEvent.Final("alpha", T0, "caller", "my parcel never arrived", 61.2, 63.0, List.of()));
        registry.accept(new TranscriptEvent.Final("bravo", T0, null, "good morning how can I help", 0.4, 2.0, List.of()));
        registry.accept(new TranscriptEvent.Partial("alpha", T0, "agent", "let me"));
        waitFor(() -> text("#live [data-call='alpha'] .final").replaceAll("\\s+", " ")
                .equals("01:01 caller: my parcel never arrived"));
        waitFor(() -> text("#live [data-call='bravo'] .final").contains("good morning how can I help"));
        assertThat(driver.findElements(By.cssSelector("#live [data-call='alpha'] .partial"))).hasSize(1);
        waitFor(() -> text("#live [data-call='alpha'] .meta").contains("vosk ws://127.0.0.1:2700")
                && text("#live [data-call='alpha'] .meta").contains("lag 0.4 s"));
        assertThat(text("#live-count")).isEqualTo("2");

        // Call text is shown as text, never parsed as markup.
        registry.accept(new TranscriptEvent.Final("bravo", T0, null, "<img src=x onerror=alert(1)>", 2.5, 3.0, List.of()));
        waitFor(() -> text("#live [data-call='bravo']").contains("<img src=x onerror=alert(1)>"));
        assertThat(driver.findElements(By.cssSelector("#live img"))).isEmpty();

        registry.accept(new TranscriptEvent.CallEnded("alpha", T0.plusSeconds(65), 65.0, "hangup"));
        waitFor(() -> driver.findElements(By.cssSelector("#live [data-call='alpha']")).isEmpty());
        waitFor(() -> !driver.findElements(By.cssSelector("#finished tbody tr[data-call='alpha']")).isEmpty());

        WebElement search = driver.findElement(By.id("search"));
        search.sendKeys("ARRIVED");
        waitFor(() -> driver.findElements(By.cssSelector("#finished tbody tr")).size() == 1
                && !driver.findElements(By.cssSelector("#finished tbody tr[data-call='alpha']")).isEmpty());
        search.clear();
        search.sendKeys("nothing-like-this");
        waitFor(() -> driver.findElements(By.cssSelector("#finished tbody tr")).isEmpty());
        search.clear();
        search.sendKeys("parcel");
        waitFor(() -> driver.findElements(By.cssSelector("#finished tbody tr")).size() == 1);
        driver.findElement(By.cssSelector("#finished tbody tr[data-call='alpha']")).click();
        waitFor(() -> driver.findElement(By.id("viewer")).isDisplayed()
                && text("#viewer-transcript").contains("my parcel never arrived"));
        assertThat(text("#viewer-meta")).contains("01:05").contains("hangup");

        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), shots.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(shots.resolve("dashboard.png"))).isGreaterThan(1000);

        // The download buttons fetch the transcript through the API with the kept token.
        Object txt = driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/calls/alpha?format=txt', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('callscribe.token')}})"
                        + ".then(r => r.text()).then(done, e => done('failed ' + e));");
        assertThat(txt).isEqualTo("my parcel never arrived\n");
    }

    private String text(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private static void waitFor(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions().until(condition);
    }
}
