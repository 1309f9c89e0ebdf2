package io.callscribe.service;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.session.CallOutcome;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.vad.VadMode;
import io.callscribe.source.TailOptions;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SpoolWatcherTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);

    @Test
    void theMixOfAnRtPairIsNotTranscribedAsASecondCall(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool"));
        Path state = dir.resolve("state");
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        List<CallOutcome> ended = new CopyOnWriteArrayList<>();
        CallManager calls = new CallManager(new TestRecognizer(3200, 2),
                SessionSettingsBuilder.settings().vad(VadMode.OFF).build(), events::add) // silent test audio: send it all
                .onEnded(ended::add);
        var settings = new SpoolWatcher.Settings(spool,
                Map.of("-in", "caller", "-out", "agent"), Duration.ofSeconds(1), Duration.ofMillis(200), state, false);
        try (SpoolWatcher watcher = new SpoolWatcher(settings,
                new TailingRecordingOpener(TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(5)), 1,
                        List.of("caller", "agent")), calls)) {
            watcher.start();
            // MixMonitor(X.wav,r(X-in.wav)t(X-out.wav)) opens the three files one after the other; the watcher
            // scans every 200 ms here, so it sees the mix alone first.
            try (var mix = MixMonitorWriter.wav(spool.resolve("X.wav"), RATE_8K, null);
                 var in = openLater(spool.resolve("X-in.wav"));
                 var out = MixMonitorWriter.wav(spool.resolve("X-out.wav"), RATE_8K, null)) {
                byte[] second = new byte[16000];
                mix.write(second);
                in.write(second);
                out.write(second);
            }
            await().atMost(15, TimeUnit.SECONDS).until(() -> ended.size() == 1);
            Thread.sleep(500); // a second call for the mix would have started by now
        }
        assertThat(calls.callsStarted()).isEqualTo(1);
        assertThat(ended.get(0).callId()).isEqualTo("X");
        assertThat(events).filteredOn(e -> e instanceof TranscriptEvent.Final)
                .extracting(e -> ((TranscriptEvent.Final) e).speaker()).containsOnly("caller", "agent");
        // since-line, three recordings started (legs) or skipped (mix), then both legs done
        await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(state)
                && Files.readAllLines(state).stream().filter(l -> l.startsWith("{\"done\"")).count() == 3);
        try (SpoolState reread = SpoolState.open(state)) {
            for (String name : List.of("X.wav", "X-in.wav", "X-out.wav")) {
                Path f = spool.resolve(name).toAbsolutePath().normalize();
                assertThat(reread.entry(f, SpoolWatcher.fileKey(f))).as(name).hasValueSatisfying(e -> {
                    assertThat(e.done()).isTrue();
                    assertThat(e.id()).isEqualTo("X");
                });
            }
        }
    }

    @Test
    void everyFormatTranscribeReadsIsPickedUpAndNothingElse(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool"));
        // Finished recordings present at start-up (includeExisting): .slin16 and .sln48 were skipped before.
        Files.write(spool.resolve("A.slin16"), new byte[32000]);
        Files.write(spool.resolve("B.sln48"), new byte[96000]);
        Files.write(spool.resolve("C.sln12"), new byte[24000]);
        Files.write(spool.resolve("notes.txt"), new byte[100]);
        Files.write(spool.resolve("D.gsm"), new byte[100]);
        List<CallOutcome> ended = new CopyOnWriteArrayList<>();
        CallManager calls = new CallManager(new TestRecognizer(3200, 2), SessionSettingsBuilder.defaults(), e -> { })
                .onEnded(ended::add);
        var settings = new SpoolWatcher.Settings(spool, Map.of(), Duration.ofSeconds(1), Duration.ofMillis(200),
                null, true);
        try (SpoolWatcher watcher = new SpoolWatcher(settings,
                new TailingRecordingOpener(TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(1)), 1,
                        List.of("caller", "agent")), calls)) {
            watcher.start();
            await().atMost(15, TimeUnit.SECONDS).until(() -> ended.size() == 3);
            Thread.sleep(300);
        }
        assertThat(ended).extracting(CallOutcome::callId).containsExactlyInAnyOrder("A", "B", "C");
    }

    private static MixMonitorWriter openLater(Path file) throws Exception {
        Thread.sleep(400);
        return MixMonitorWriter.wav(file, RATE_8K, null);
    }
}
