package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.LocalKafka;
import io.callscribe.testing.ScriptedVoskServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.callscribe.cli.RunHarness.audio8k;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code callscribe run --kafka}: against a real KRaft broker, and against none. */
@Tag("kafka")
class RunKafkaTest {

    private static final int CALLS = 20;

    /** Each call's event lines, in the order they were written (or published). */
    private static Map<String, List<String>> byCall(List<String> lines) throws Exception {
        Map<String, List<String>> calls = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                JsonNode n = EventJson.MAPPER.readTree(line);
                calls.computeIfAbsent(n.get("call").asText(), k -> new ArrayList<>()).add(line);
            }
        }
        return calls;
    }

    private static void playCalls(RunCommand.Service service, List<String> ids) throws Exception {
        try (ExecutorService asterisk = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                int seed = i;
                calls.add(asterisk.submit(() -> {
                    try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), UUID.fromString(id)).realTime(true)) {
                        call.sendAudio(8000, audio8k(2.5 + (seed % 4) * 0.4, seed)).hangup();
                    }
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        }
    }

    @Test
    void aConsumerReadsEveryEventOfTwentyConcurrentCallsInPerCallOrder(@TempDir Path dir) throws Exception {
        LocalKafka kafka = LocalKafka.get();
        String topic = "callscribe.events." + UUID.randomUUID().toString().substring(0, 8);
        Path events = dir.resolve("events.jsonl");
        Path out = dir.resolve("out");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            try (RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                    "--audiosocket", "127.0.0.1:0", "--http", "off", "--out-dir", out.toString(), "--store", "off",
                    "--events", events.toString(), "--kafka", kafka.bootstrap(), "--kafka-topic", topic)) {
                playCalls(service, ids);
                await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> Files.exists(out.resolve(id + ".json"))));
            } // closing the service flushes the producer
        }
        Map<String, List<String>> written = byCall(Files.readAllLines(events));
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        int total = written.values().stream().mapToInt(List::size).sum();

        List<String> published = new ArrayList<>();
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (published.size() < total && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    assertThat(EventJson.MAPPER.readTree(r.value()).get("call").asText()).isEqualTo(r.key());
                    published.add(r.value());
                }
            }
        }
        assertThat(published).hasSize(total);
        Map<String, List<String>> received = byCall(published);
        for (String id : ids) {
            assertThat(received.get(id)).as("events of call " + id).containsExactlyElementsOf(written.get(id));
            assertThat(received.get(id).getFirst()).contains("\"event\":\"call_start\"");
            assertThat(received.get(id).getLast()).contains("\"event\":\"call_end\"");
        }
    }

    @Test
    void aDeadBrokerNeverStallsOrFailsACall(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        long took;
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                    "--audiosocket", "127.0.0.1:0", "--http", "off", "--out-dir", out.toString(), "--store", "off",
                    "--kafka", "127.0.0.1:" + LocalKafka.freePort());
            try {
                long t0 = System.nanoTime();
                playCalls(service, ids);
                await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream().allMatch(id -> Files.exists(out.resolve(id + ".json"))));
                took = System.nanoTime() - t0;
            } finally {
                long c0 = System.nanoTime();
                service.close();
                assertThat(Duration.ofNanos(System.nanoTime() - c0)).isLessThan(Duration.ofSeconds(15));
            }
        }
        // The calls are 2.5-3.7 s of real-time audio: they end when their audio does, broker or not.
        assertThat(Duration.ofNanos(took)).isLessThan(Duration.ofSeconds(8));
        for (String id : ids) {
            JsonNode t = RunHarness.readJson(out.resolve(id + ".json"));
            assertThat(t.get("end_reason").asText()).isEqualTo("hangup");
            assertThat(RunHarness.words(t, null)).isEqualTo(RunHarness.expectedWordsFor(t));
        }
    }
}
