package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.LocalKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link KafkaSink} without a broker (a free port nobody listens on): what cannot be queued or sent is counted and
 * logged, and {@code accept} never waits. Delivery to a real broker is {@code RunKafkaTest}.
 */
class KafkaSinkTest {

    private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    @Test
    void theProducerIsIdempotentAndWaitsForAllReplicas() {
        Map<String, Object> c = KafkaSink.producerConfig(KafkaSink.Settings.of("127.0.0.1:9092", "callscribe.events"));
        assertThat(c).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5) // <= 5 keeps order with idempotence
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        assertThatThrownBy(() -> KafkaSink.Settings.of("127.0.0.1:9092", "no spaces allowed"))
                .hasMessageContaining("--kafka-topic: 'no spaces allowed'");
    }

    @Test
    void aDeadBrokerCostsTheCallNothingAndEveryLostEventIsCountedAndLogged() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String broker = "127.0.0.1:" + LocalKafka.freePort();
        try (CapturedLog log = CapturedLog.of(KafkaSink.class)) {
            KafkaSink sink = new KafkaSink(new KafkaSink.Settings(broker, "callscribe.events", 3, Duration.ofSeconds(1)), meters);
            try {
                io.callscribe.event.EventJson.toLine(new TranscriptEvent.Partial("warm-up", T0, null, "")); // class loading
                long t0 = System.nanoTime();
                sink.accept(new TranscriptEvent.CallStarted("c1", T0, "audiosocket"));
                for (int i = 0; i < 49; i++) {
                    sink.accept(new TranscriptEvent.Partial("c1", T0, "caller", "word" + i));
                }
                // the sender waits for the broker's metadata (up to 10 s per event); the call's thread never does
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
                // one event with the sender, at most 3 queued: the rest dropped, counted, logged
                assertThat(sink.dropped()).isBetween(46L, 47L);
                assertThat(meters.get("callscribe.kafka.dropped").counter().count()).isEqualTo(sink.dropped());
                assertThat(log.matching("kafka: queue full")).hasSize(1);
                assertThat(log.matching("kafka: queue full").getFirst()).contains(broker).contains("dropped 1 event(s)");

                // the event the sender holds is given up when the producer stops waiting for the broker (10 s)
                await().atMost(Duration.ofSeconds(25)).until(() -> sink.failed() >= 1);
                assertThat(meters.get("callscribe.kafka.failed").counter().count()).isEqualTo(sink.failed());
                assertThat(sink.sent()).isZero();
                assertThat(log.matching("not delivered to " + broker)).isNotEmpty();
                assertThat(log.matching("not delivered to " + broker).getFirst()).contains("events of call c1")
                        .contains("calls go on");
            } finally {
                long c0 = System.nanoTime();
                sink.close();
                assertThat(Duration.ofNanos(System.nanoTime() - c0)).isLessThan(Duration.ofSeconds(10));
            }
        }
    }
}
