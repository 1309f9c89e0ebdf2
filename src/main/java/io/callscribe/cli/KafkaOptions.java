package io.callscribe.cli;

import io.callscribe.sink.KafkaSink;
import picocli.CommandLine.Option;

/** {@code run}'s Kafka publisher of every event. */
final class KafkaOptions {

    @Option(names = "--kafka", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Publish every event (JSON lines, keyed by call id) to Kafka at these bootstrap servers.")
    String servers;

    @Option(names = "--kafka-topic", defaultValue = "callscribe.events", paramLabel = "TOPIC",
            description = "Kafka topic for --kafka (default ${DEFAULT-VALUE}).")
    String topic;

    /** The publisher's settings; null without {@code --kafka} (or with {@code --kafka off}). */
    KafkaSink.Settings settings() {
        boolean off = servers == null || servers.isBlank() || servers.equalsIgnoreCase("off");
        return off ? null : KafkaSink.Settings.of(servers.strip(), topic);
    }
}
