package io.callscribe.web;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.HeadlessChromium;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the dashboard in the system's headless Chromium while the test plays two calls into the registry
 * directly (the page's own logic: partial replacement, ordering, escaping, search). The real service behind the
 * page is {@link LiveServiceBrowserTest}'s. Skipped locally without Chromium, a failure in CI: see
 * {@link HeadlessChromium}.
 */
class DashboardBrowserTest {

    private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

    @TempDir
    Path profile;

    private CallRegistry registry;
    private io.callscribe.testing.SessionFeed feed;
    private WebServer server;
    private HeadlessChromium browser;
    private ChromeDriver driver;

    @BeforeEach
    void start() {
        HeadlessChromium.requireInstalled();
        registry = new CallRegistry();
        feed = new io.callscribe.testing.SessionFeed(registry);
        server = WebServer.start(new WebSettings("127.0.0.1", 0, "page-token"), registry, null);
        browser = HeadlessChromium.start(profile, 1280, 900);
        driver = browser.driver();
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
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

        feed.accept(new TranscriptEvent.CallStarted("alpha", T0, "file:/spool/alpha.wav"));
        registry.attach("alpha", new CallControl("vosk ws://127.0.0.1:2700", () -> { }, () -> 0.4, () -> 3.0));
        feed.accept(new TranscriptEvent.CallStarted("bravo", T0.plusSeconds(1), "audiosocket:bravo"));
        feed.accept(new TranscriptEvent.Partial("alpha", T0, "caller", "my parcel"));
        feed.accept(new TranscriptEvent.Partial("bravo", T0, null, "good morn"));

        waitFor(() -> text("#live [data-call='alpha'] .partial").contains("my parcel"));
        waitFor(() -> text("#live [data-call='bravo'] .partial").contains("good morn"));
        // A later partial replaces the earlier one rather than adding a line.
        feed.accept(new TranscriptEvent.Partial("alpha", T0, "caller", "my parcel never"));
        waitFor(() -> text("#live [data-call='alpha'] .partial").contains("my parcel never"));
        assertThat(driver.findElements(By.cssSelector("#live [data-call='alpha'] .partial"))).hasSize(1);

        feed.accept(new TranscriptEvent.Final("alpha", T0, "caller", "my parcel never arrived", 61.2, 63.0, List.of()));
        feed.accept(new TranscriptEvent.Final("bravo", T0, null, "good morning how can I help", 0.4, 2.0, List.of()));
        feed.accept(new TranscriptEvent.Partial("alpha", T0, "agent", "let me"));
        waitFor(() -> text("#live [data-call='alpha'] .final").replaceAll("\\s+", " ")
                .equals("01:01 caller: my parcel never arrived"));
        waitFor(() -> text("#live [data-call='bravo'] .final").contains("good morning how can I help"));
        assertThat(driver.findElements(By.cssSelector("#live [data-call='alpha'] .partial"))).hasSize(1);
        waitFor(() -> text("#live [data-call='alpha'] .meta").contains("vosk ws://127.0.0.1:2700")
                && text("#live [data-call='alpha'] .meta").contains("lag 0.4 s"));
        assertThat(text("#live-count")).isEqualTo("2");

        // Call text is shown as text, never parsed as markup.
        feed.accept(new TranscriptEvent.Final("bravo", T0, null, "<img src=x onerror=alert(1)>", 2.5, 3.0, List.of()));
        waitFor(() -> text("#live [data-call='bravo']").contains("<img src=x onerror=alert(1)>"));
        assertThat(driver.findElements(By.cssSelector("#live img"))).isEmpty();

        // An error shows in the call's transcript and, counted and in red, in its stats line.
        assertThat(text("#live [data-call='bravo'] .meta .stats")).contains("no errors");
        feed.accept(new TranscriptEvent.CallError("bravo", T0, "recogniser closed the connection (1011)"));
        waitFor(() -> text("#live [data-call='bravo'] .meta .stats .bad").equals("1 error"));
        assertThat(text("#live [data-call='bravo'] .error-line")).isEqualTo("error: recogniser closed the connection (1011)");

        feed.accept(new TranscriptEvent.CallEnded("alpha", T0.plusSeconds(65), 65.0, "hangup"));
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
        browser.click("#finished tbody tr[data-call='alpha']");
        waitFor(() -> driver.findElement(By.id("viewer")).isDisplayed()
                && text("#viewer-transcript").contains("my parcel never arrived"));
        assertThat(text("#viewer-meta")).contains("01:05").contains("hangup");

        Path shot = browser.screenshot("dashboard.png");
        assertThat(Files.size(shot)).isGreaterThan(1000);

        // The download buttons fetch the transcript through the API with the kept token.
        Object txt = browser.async(
                "fetch('/calls/alpha?format=txt', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('callscribe.token')}})"
                        + ".then(r => r.text()).then(done, e => done('failed ' + e));");
        assertThat(txt).isEqualTo("my parcel never arrived\n");
    }

    private String text(String css) {
        return browser.text(css);
    }

    private void waitFor(Callable<Boolean> condition) {
        browser.waitFor(condition);
    }
}
