package io.callscribe.web;

import io.callscribe.cli.RunningService;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.HeadlessChromium;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in headless Chromium in front of the real {@code callscribe run} service: two AudioSocket calls
 * played in real time by {@link FakeAsterisk}, recognised by a {@link ScriptedVoskServer} (a test double that
 * names each word after the audio it covers, so each call's audio carries its own script), token required.
 * Checks the token form, both calls growing live, the Hang up button, search, the transcript viewer and its
 * download; saves target/screenshots/dashboard-live.png (desktop, both calls live) and dashboard-phone.png.
 */
class LiveServiceBrowserTest {

    private static final String TOKEN = "s3cret-page-token";

    /** 0.3 s of 8 kHz audio per word, a final every 4 words (1.2 s): several finals in each second call. */
    private static final int BYTES_PER_WORD = 4800;
    private static final int WORDS_PER_FINAL = 4;
    /** A word's first sample is FIRST_WORD + its index in VOCABULARY. */
    private static final int FIRST_WORD = 1000;

    private static final List<String> PARCEL_CALL = List.of(("hello I am calling about my parcel it was due on monday "
            + "and it never arrived the tracking page says delivered but nobody rang the bell could you check "
            + "where it is and send it again please").split(" "));
    private static final List<String> MORTGAGE_CALL = List.of(("good morning I would like to ask about my mortgage "
            + "the rate changed last month and the payment went up can you explain why and whether I can fix it "
            + "for two years").split(" "));
    private static final List<String> VOCABULARY;

    static {
        VOCABULARY = new ArrayList<>(PARCEL_CALL);
        VOCABULARY.addAll(MORTGAGE_CALL);
    }

    @TempDir
    Path temp;

    private ScriptedVoskServer vosk;
    private RunningService service;
    private HeadlessChromium browser;
    private ChromeDriver driver;
    private final List<Player> players = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        HeadlessChromium.requireInstalled();
        vosk = ScriptedVoskServer.start().bytesPerWord(BYTES_PER_WORD).wordsPerFinal(WORDS_PER_FINAL)
                .namesFromAudio(first -> first >= FIRST_WORD && first < FIRST_WORD + VOCABULARY.size()
                        ? VOCABULARY.get(first - FIRST_WORD) : "?");
        Path spool = Files.createDirectories(temp.resolve("spool"));
        service = RunningService.start("--asr", vosk.uri().toString(), "--http", "127.0.0.1:0",
                "--audiosocket", "127.0.0.1:0", "--spool", spool.toString(), "--out-dir", temp.resolve("out").toString(),
                "--token", TOKEN, "--shutdown-grace", "5");
        browser = HeadlessChromium.start(Files.createDirectories(temp.resolve("profile")), 1280, 1000);
        driver = browser.driver();
    }

    @AfterEach
    void stop() throws Exception {
        for (Player p : players) {
            p.stop();
        }
        if (browser != null) {
            browser.close();
        }
        if (service != null) {
            service.close();
        }
        if (vosk != null) {
            vosk.close();
        }
    }

    @Test
    void twoCallsLiveThenHangUpSearchOpenAndDownload() throws Exception {
        // Without the token the page asks for one and its API and feed calls are refused.
        driver.get(service.url());
        browser.waitFor(() -> driver.findElement(By.id("token-form")).isDisplayed());
        browser.waitFor(() -> browser.text("#status").equals("token required"));
        assertThat(status("/calls", null)).isEqualTo(401);
        assertThat(status("/feed", null)).isEqualTo(401);
        assertThat(status("/calls", "not-" + TOKEN)).isEqualTo(401);
        assertThat(status("/metrics", null)).isEqualTo(401);
        assertThat(browser.count("#live .card")).isZero();

        driver.findElement(By.id("token-input")).sendKeys(TOKEN);
        driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        browser.waitFor(() -> browser.text("#status").equals("live"));
        assertThat(driver.findElement(By.id("token-form")).isDisplayed()).isFalse();
        assertThat(status("/calls", TOKEN)).isEqualTo(200);

        // Two calls in real time: the parcel call runs until hung up from the page, the mortgage call hangs up itself.
        UUID parcel = UUID.randomUUID();
        UUID mortgage = UUID.randomUUID();
        Player parcelCall = play(parcel, PARCEL_CALL, 12.0, false);
        Player mortgageCall = play(mortgage, MORTGAGE_CALL, 8.0, true);
        String parcelCard = "#live .card[data-call='" + parcel + "']";
        String mortgageCard = "#live .card[data-call='" + mortgage + "']";

        browser.waitFor(() -> browser.count(parcelCard) == 1 && browser.count(mortgageCard) == 1);
        assertThat(browser.text("#live-count")).isEqualTo("2");

        // Finals appear and keep growing while both calls run.
        browser.waitFor(() -> browser.count(parcelCard + " .final") >= 1 && browser.count(mortgageCard + " .final") >= 1);
        int parcelFinals = browser.count(parcelCard + " .final");
        int mortgageFinals = browser.count(mortgageCard + " .final");
        browser.waitFor(() -> browser.count(parcelCard + " .final") > parcelFinals
                && browser.count(mortgageCard + " .final") > mortgageFinals);
        assertThat(browser.text(parcelCard + " .transcript")).startsWith("00:00 hello I am calling")
                .doesNotContain("mortgage");
        assertThat(browser.text(mortgageCard + " .transcript")).startsWith("00:00 good morning I would")
                .doesNotContain("parcel");

        // The words being spoken show as one partial line after the finals, set apart from them.
        browser.waitFor(() -> browser.count(parcelCard + " .partial") == 1 && browser.count(mortgageCard + " .partial") == 1
                && browser.count(parcelCard + " .final") >= 4 && browser.count(mortgageCard + " .final") >= 4);
        // Read in one script: a final replaces the partial several times a second.
        AtomicReference<Map<String, Object>> look = new AtomicReference<>();
        browser.waitFor(() -> {
            look.set(lookOfPartial(parcelCard));
            return look.get() != null;
        });
        assertThat(look.get()).containsEntry("partialStyle", "italic").containsEntry("finalStyle", "normal")
                .containsEntry("partialIsLast", true);
        assertThat(look.get().get("partialColor")).isNotEqualTo(look.get().get("finalColor"));

        // Per call: duration, lag, source and recogniser (refreshed from the API every 2 s).
        browser.waitFor(() -> browser.text(parcelCard + " .meta").contains("lag ")
                && browser.text(mortgageCard + " .meta").contains("lag "));
        String meta = browser.text(parcelCard + " .meta");
        assertThat(meta).contains("audiosocket").contains("vosk").contains(vosk.uri().toString()).containsPattern("00:0\\d")
                .contains("no errors");

        Path live = browser.screenshot("dashboard-live.png");
        assertThat(browser.count(parcelCard) + browser.count(mortgageCard)).as("both calls still live after the screenshot")
                .isEqualTo(2);
        browser.viewport(390, 844);
        browser.waitFor(() -> (Boolean) driver.executeScript(
                "return window.innerWidth === 390 && document.documentElement.scrollWidth <= window.innerWidth;"));
        Path phone = browser.screenshot("dashboard-phone.png");
        assertThat(browser.count(parcelCard) + browser.count(mortgageCard)).isEqualTo(2);
        browser.viewport(1280, 1000);
        assertThat(Files.size(live)).isGreaterThan(10_000);
        assertThat(Files.size(phone)).isGreaterThan(10_000);

        // Hang up the parcel call from its card; the mortgage call ends by itself.
        driver.findElement(By.cssSelector(parcelCard + " button.hangup")).click();
        browser.waitFor(() -> browser.count(parcelCard) == 0);
        parcelCall.stop(); // Asterisk would stop sending once the channel is gone
        mortgageCall.await();
        browser.waitFor(() -> browser.count("#live .card") == 0 && browser.text("#live-count").equals("0"));
        assertThat(driver.findElement(By.id("live-empty")).isDisplayed()).isTrue();
        browser.waitFor(() -> browser.count("#finished tbody tr[data-call='" + parcel + "']") == 1
                && browser.count("#finished tbody tr[data-call='" + mortgage + "']") == 1);

        // Search by a word of one transcript (the store's full-text search, any case): one call row, and under it the
        // matching line with the word marked; then open that call.
        String rows = "#finished tbody tr:not(.match)";
        WebElement search = driver.findElement(By.id("search"));
        search.sendKeys("PARCEL");
        browser.waitFor(() -> browser.count(rows) == 1
                && browser.count(rows + "[data-call='" + parcel + "']") == 1
                && browser.text("#finished tbody tr.match[data-call='" + parcel + "'] mark").equalsIgnoreCase("parcel"));
        search.clear();
        search.sendKeys("mortgage");
        browser.waitFor(() -> browser.count(rows) == 1
                && browser.count(rows + "[data-call='" + mortgage + "']") == 1);
        search.clear();
        search.sendKeys("parcel");
        browser.waitFor(() -> browser.count(rows + "[data-call='" + parcel + "']") == 1
                && browser.count(rows) == 1);
        browser.click(rows + "[data-call='" + parcel + "']");
        browser.waitFor(() -> driver.findElement(By.id("viewer")).isDisplayed()
                && browser.text("#viewer-transcript").replaceAll("\\s*\\n\\d\\d:\\d\\d", "")
                        .startsWith("00:00 hello I am calling about my parcel it was due on monday"));
        assertThat(browser.text("#viewer-title")).isEqualTo(parcel.toString());
        assertThat(browser.text("#viewer-meta")).contains("ended: stopped").contains("no errors").contains("audiosocket").contains("vosk");
        browser.screenshot("dashboard-finished.png");

        // The Text button hands the browser the same transcript the service wrote to its out-dir.
        Path written = temp.resolve("out").resolve(parcel + ".txt");
        browser.waitFor(() -> Files.exists(written));
        driver.executeScript("window.__download = null;"
                + "HTMLAnchorElement.prototype.click = function () { window.__download = {name: this.download, href: this.href}; };");
        driver.findElement(By.cssSelector("#viewer .downloads button[data-format='txt']")).click();
        browser.waitFor(() -> driver.executeScript("return window.__download") != null);
        @SuppressWarnings("unchecked")
        Map<String, Object> download = (Map<String, Object>) driver.executeScript("return window.__download");
        assertThat(download.get("name")).isEqualTo(parcel + ".txt");
        Object downloaded = browser.async("fetch(window.__download.href).then(r => r.text()).then(done, e => done('failed ' + e));");
        assertThat(downloaded).isEqualTo(Files.readString(written)).asString().startsWith("hello I am calling\nabout my parcel it\n");
        // The same transcript through the API: with the token it is served, without it refused.
        assertThat(fetchText("/calls/" + parcel + "?format=txt", TOKEN)).isEqualTo(downloaded);
        assertThat(status("/calls/" + parcel + "?format=txt", null)).isEqualTo(401);
    }

    /** Computed styles of the call's partial line and of its first final, or null while it shows no partial. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> lookOfPartial(String card) {
        return (Map<String, Object>) driver.executeScript("""
                const t = document.querySelector(arguments[0] + ' .transcript');
                const p = t && t.querySelector('.partial'), f = t && t.querySelector('.final');
                if (!p || !f) return null;
                const ps = getComputedStyle(p), fs = getComputedStyle(f);
                return {partialStyle: ps.fontStyle, partialColor: ps.color, finalStyle: fs.fontStyle,
                        finalColor: fs.color, partialIsLast: t.lastElementChild === p};
                """, card);
    }

    /** HTTP status of a GET from inside the page, with {@code token} as bearer (none when null). */
    private int status(String path, String token) {
        Object s = browser.async("fetch(arguments[0], {headers: arguments[1] ? {Authorization: 'Bearer ' + arguments[1]} : {}})"
                + ".then(r => { const s = r.status; if (r.body) r.body.cancel(); done(s); }, e => done(-1));", path, token);
        return ((Number) s).intValue();
    }

    private Object fetchText(String path, String token) {
        return browser.async("fetch(arguments[0], {headers: {Authorization: 'Bearer ' + arguments[1]}})"
                + ".then(r => r.text()).then(done, e => done('failed ' + e));", path, token);
    }

    /** 8 kHz audio whose word-sized blocks each start with the sample that names the next word of {@code words}. */
    private static byte[] speech(List<String> words, double seconds) {
        int samples = (int) Math.round(seconds * 8000);
        int samplesPerWord = BYTES_PER_WORD / 2;
        byte[] pcm = new byte[samples * 2];
        for (int i = 0; i < samples; i++) {
            int v = i % samplesPerWord == 0
                    ? FIRST_WORD + VOCABULARY.indexOf(words.get(i / samplesPerWord % words.size()))
                    : (int) (3000 * Math.sin(i * 0.05));
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        return pcm;
    }

    private Player play(UUID id, List<String> words, double seconds, boolean hangUpAtEnd) throws IOException {
        Player p = new Player(FakeAsterisk.call(service.audioSocketPort(), id).realTime(true), speech(words, seconds), hangUpAtEnd);
        players.add(p);
        Thread.ofVirtual().name("fake-asterisk-" + id).start(p.task);
        return p;
    }

    /** One call played by FakeAsterisk on its own thread, 200 ms at a time so that it can be stopped. */
    private static final class Player {
        final FakeAsterisk asterisk;
        final AtomicBoolean stopped = new AtomicBoolean();
        final FutureTask<Void> task;

        Player(FakeAsterisk asterisk, byte[] pcm, boolean hangUpAtEnd) {
            this.asterisk = asterisk;
            this.task = new FutureTask<>(() -> {
                int piece = 3200;
                for (int p = 0; p < pcm.length && !stopped.get(); p += piece) {
                    byte[] b = new byte[Math.min(piece, pcm.length - p)];
                    System.arraycopy(pcm, p, b, 0, b.length);
                    try {
                        asterisk.sendAudio(8000, b);
                    } catch (IOException e) {
                        return null; // the service hung up and closed the connection
                    }
                }
                if (hangUpAtEnd && !stopped.get()) {
                    asterisk.hangup();
                }
                return null;
            });
        }

        void await() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
            task.get(20, TimeUnit.SECONDS);
        }

        void stop() throws IOException {
            stopped.set(true);
            try {
                task.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // ended already or failed: closed below either way
            }
            asterisk.close();
        }
    }
}
