package io.callscribe.testing;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The system's headless Chromium driven through its chromedriver, for browser tests of the dashboard.
 * Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian packages chromium, chromium-driver): without them
 * {@link #start} skips the test locally and fails it in CI (CI=true), so a CI machine without a browser cannot
 * pass by skipping.
 * <pre>{@code
 * try (HeadlessChromium browser = HeadlessChromium.start(profileDir, 1280, 900)) {
 *     browser.driver().get(url);
 *     browser.waitFor(() -> browser.text("#status").equals("live"));
 *     browser.screenshot("dashboard.png");   // target/screenshots/dashboard.png
 * }
 * }</pre>
 */
public final class HeadlessChromium implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Skips (locally) or fails (CI=true) the calling test when the browser or its driver is not installed. */
    public static void requireInstalled() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "headless browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver)";
        if (!installed && "true".equals(System.getenv("CI"))) {
            fail(missing + "; CI must not skip it");
        }
        assumeTrue(installed, missing);
    }

    /** Starts a browser with a fresh profile in {@code profile} and a window of the given size in CSS pixels. */
    public static HeadlessChromium start(Path profile, int width, int height) {
        requireInstalled();
        // An explicit driver executable keeps Selenium Manager from looking for (or downloading) one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile.toAbsolutePath());
        // Selenium warns that it has no CDP bindings for this Chromium: the tests use none.
        java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(java.util.logging.Level.SEVERE);
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(5));
        return new HeadlessChromium(driver);
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Resizes the viewport (not the outer window): what a page at that device size lays out in. */
    public void viewport(int width, int height) {
        // Headless windows have no frame, so window size and viewport size are the same.
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** The visible text of the first element matching {@code css}, "" when there is none. */
    public String text(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    public int count(String css) {
        return driver.findElements(By.cssSelector(css)).size();
    }

    /** Polls {@code condition} (exceptions count as false) for up to 10 s. */
    public void waitFor(Callable<Boolean> condition) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(condition);
    }

    /**
     * Clicks the element {@code css} names, finding it again if the page re-rendered it between finding and clicking
     * (the finished-calls table is rebuilt when a search or the store answers).
     */
    public void click(String css) {
        waitFor(() -> {
            driver.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** Runs {@code script} in the page with a {@code done} callback; returns what it passed to {@code done}. */
    public Object async(String script, Object... args) {
        return driver.executeAsyncScript("const done = arguments[arguments.length - 1];" + script, args);
    }

    /** Saves the viewport as target/screenshots/{@code name} and returns that path. */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path target = SCREENSHOTS.resolve(name);
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
