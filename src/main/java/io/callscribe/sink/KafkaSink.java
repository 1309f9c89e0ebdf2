package io.callscribe.sink;

import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes every event to a Kafka topic: the value is the event's JSON-lines object ({@link EventJson}), the key its
 * call id, so that one call's events land on one partition in order; the producer is idempotent (retries neither
 * duplicate nor reorder). {@link #accept} only queues (bounded, never blocks the call); one sender thread hands
 * events to the producer, whose own buffer and retries deal with a slow broker. An event that cannot be queued or
 * sent (broker gone past the delivery timeout) is counted and logged, the call goes on. Metrics:
 * {@code callscribe_kafka_sent_total}, {@code callscribe_kafka_failed_total}, {@code callscribe_kafka_dropped_total}.
 */
public final class KafkaSink implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);

    public static final int DEFAULT_QUEUE = 100_000;

    /** Where and how to publish. {@code deliveryTimeout}: how long the producer keeps retrying one event. */
    public record Settings(String bootstrapServers, String topic, int queueCapacity, Duration deliveryTimeout) {
        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("--kafka-topic: '" + topic
                        + "' is not a Kafka topic name (1-249 letters, digits, '.', '_', '-')");
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("Kafka queue capacity must be at least 1, got " + queueCapacity);
            }
        }

        public static Settings of(String bootstrapServers, String topic) {
            return new Settings(bootstrapServers, topic, DEFAULT_QUEUE, Duration.ofMinutes(2));
        }
    }

    private record Pending(String key, String value) {
    }

    private static final Pending STOP = new Pending(null, null);

    private final Settings settings;
    private final Producer<String, String> producer;
    private final BlockingQueue<Pending> queue;
    private final Thread sender;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final Counter sentCounter;
    private final Counter failedCounter;
    private final Counter droppedCounter;
    private volatile boolean failing;

    public KafkaSink(Settings settings, MeterRegistry metrics) {
        this.settings = settings;
        this.producer = new KafkaProducer<>(producerConfig(settings), new StringSerializer(), new StringSerializer());
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        MeterRegistry m = metrics != null ? metrics : new SimpleMeterRegistry();
        sentCounter = Counter.builder("callscribe.kafka.sent").description("events acknowledged by Kafka").register(m);
        failedCounter = Counter.builder("callscribe.kafka.failed")
                .description("events Kafka did not take within the delivery timeout").register(m);
        droppedCounter = Counter.builder("callscribe.kafka.dropped")
                .description("events dropped because the Kafka queue was full").register(m);
        this.sender = Thread.ofPlatform().name("kafka-sender").daemon().start(this::run);
        log.info("kafka: publishing events to topic {} at {}", settings.topic(), settings.bootstrapServers());
    }

    static Map<String, Object> producerConfig(Settings s) {
        int delivery = (int) Math.max(1000, s.deliveryTimeout().toMillis());
        return Map.ofEntries(
                Map.entry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers()),
                Map.entry(ProducerConfig.CLIENT_ID_CONFIG, "callscribe"),
                Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                Map.entry(ProducerConfig.ACKS_CONFIG, "all"),
                Map.entry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5),
                Map.entry(ProducerConfig.LINGER_MS_CONFIG, 5),
                Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, delivery - 10)),
                Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery),
                // send() may wait this long for metadata or buffer space: only the sender thread ever waits
                Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000));
    }

    @Override
    public void accept(TranscriptEvent event) {
        if (!queue.offer(new Pending(event.call(), EventJson.toLine(event)))) {
            long n = dropped.incrementAndGet();
            droppedCounter.increment();
            if (n == 1 || n % 1000 == 0) {
                log.error("kafka: queue full ({} events wait for {}), dropped {} event(s) so far", queue.size(),
                        settings.bootstrapServers(), n);
            }
        }
    }

    private void run() {
        while (true) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (p == STOP) {
                return;
            }
            try {
                producer.send(new ProducerRecord<>(settings.topic(), p.key(), p.value()), (metadata, error) -> {
                    if (error == null) {
                        sent.incrementAndGet();
                        sentCounter.increment();
                        if (failing) {
                            failing = false;
                            log.info("kafka: {} takes events again", settings.bootstrapServers());
                        }
                    } else {
                        failed(p, error);
                    }
                });
            } catch (RuntimeException e) { // metadata or buffer wait timed out, producer closed
                failed(p, e);
            }
        }
    }

    private void failed(Pending p, Exception error) {
        long n = failed.incrementAndGet();
        failedCounter.increment();
        if (!failing || n % 1000 == 0) {
            failing = true;
            log.error("kafka: events of call {} not delivered to {} ({}); {} event(s) lost so far, calls go on",
                    p.key(), settings.bootstrapServers(), error.getMessage(), n);
        }
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Sends what is queued (up to 5 s for a slow broker), then closes the producer; what is left is logged as lost. */
    @Override
    public void close() {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!queue.offer(STOP, 100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (sender.isAlive()) {
                sender.interrupt();
            }
            producer.close(Duration.ofMillis(Math.max(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            producer.close(Duration.ZERO);
        }
        int left = queue.size();
        if (left > 0) {
            log.error("kafka: stopping with {} event(s) not handed to {}", left, settings.bootstrapServers());
        }
    }
}
