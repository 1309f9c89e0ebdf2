package io.callscribe.testing;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process) for tests, run from the
 * Kafka server artifact on the test classpath ({@code org.apache.kafka:kafka_2.13}, the version of kafka-clients)
 * as a separate JVM: {@code kafka.tools.StorageTool format}, then {@code kafka.Kafka}. One broker per test JVM,
 * on free loopback ports, data in a temp directory; topics are created on first use.
 */
public final class LocalKafka {

    private static LocalKafka shared;
    private static String unavailable;

    private final Path dir;
    private final int port;
    private final Process process;

    private LocalKafka(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** The JVM's broker, started on first use; skips or fails the test (see {@link RequiredService}) when it cannot start. */
    public static synchronized LocalKafka get() {
        if (shared == null && unavailable == null) {
            try {
                shared = startNew();
                LocalKafka k = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(k::destroy));
            } catch (Exception e) {
                unavailable = e.getMessage();
            }
        }
        if (shared == null) {
            RequiredService.unavailable("a Kafka broker", unavailable);
        }
        return shared;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private static LocalKafka startNew() throws IOException, InterruptedException {
        try {
            Class.forName("kafka.Kafka");
        } catch (ClassNotFoundException e) {
            throw new IOException("the Kafka server (org.apache.kafka:kafka_2.13) is not on the test classpath");
        }
        Path dir = Files.createTempDirectory("callscribe-kafka");
        int port = freePort();
        int controller = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=4",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.messages=1000000") + "\n");
        Path log = dir.resolve("kafka.log");
        run(dir, log, List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()), 120);
        Process broker = java(dir, log, List.of("kafka.Kafka", props.toString()));
        LocalKafka kafka = new LocalKafka(dir, port, broker);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!reachable(port)) {
            if (!broker.isAlive()) {
                throw new IOException("the Kafka broker exited (" + broker.exitValue() + "); see " + log);
            }
            if (System.nanoTime() > deadline) {
                kafka.destroy();
                throw new IOException("the Kafka broker did not listen within 90 s; see " + log);
            }
            Thread.sleep(100);
        }
        return kafka;
    }

    private static Process java(Path dir, Path log, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + writeLogback(dir)));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static void run(Path dir, Path log, List<String> mainAndArgs, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = java(dir, log, mainAndArgs);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(mainAndArgs.getFirst() + " did not finish; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException(mainAndArgs.getFirst() + " failed (" + p.exitValue() + "): " + Files.readString(log));
        }
    }

    private static Path writeLogback(Path dir) throws IOException {
        Path f = dir.resolve("logback.xml");
        if (!Files.exists(f)) {
            Files.writeString(f, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
        }
        return f;
    }

    private static boolean reachable(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void destroy() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir
        }
    }

    /** A loopback port nothing listens on (a dead broker). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
