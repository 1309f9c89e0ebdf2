package io.callscribe.testing.asterisk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * TEST DOUBLE with fault injection: a TCP proxy in front of a real Asterisk's HTTP port (ARI REST and the events
 * WebSocket) that fails or delays the ARI requests a rule picks, and passes everything else through unchanged.
 * Each plain request is forwarded on a connection of its own with {@code Connection: close}, so every request is
 * seen here; a WebSocket upgrade is forwarded as is and then piped both ways. A delayed request reaches Asterisk
 * after the delay even when the client has given up meanwhile, as a request to a slow Asterisk would.
 */
public final class FaultyAriProxy implements AutoCloseable {

    /** What to do with the requests whose request line ({@code "POST /ari/channels/x/snoop?..."}) matches. */
    private record Rule(Predicate<String> matches, int status, Duration delay, AtomicInteger left) {
    }

    private final int targetPort;
    private final ServerSocket listener;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> answered = new CopyOnWriteArrayList<>();
    private final List<String> held = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    private FaultyAriProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("faulty-ari-proxy").start(this::accept);
    }

    /** A proxy to {@code 127.0.0.1:targetPort}. */
    public static FaultyAriProxy to(int targetPort) throws IOException {
        return new FaultyAriProxy(targetPort);
    }

    /** The base URI to give callscribe's {@code --ari}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Answers the next {@code times} matching requests with {@code status} and does not forward them. */
    public FaultyAriProxy fail(Predicate<String> requestLine, int status, int times) {
        rules.add(new Rule(requestLine, status, Duration.ZERO, new AtomicInteger(times)));
        return this;
    }

    /** Holds the next {@code times} matching requests for {@code delay}, then forwards them. */
    public FaultyAriProxy delay(Predicate<String> requestLine, Duration delay, int times) {
        rules.add(new Rule(requestLine, 0, delay, new AtomicInteger(times)));
        return this;
    }

    /** The request lines a delay rule held. */
    public List<String> held() {
        return List.copyOf(held);
    }

    /** "request line -> Asterisk's status line" of every request forwarded, in order of the answers. */
    public List<String> answered() {
        return List.copyOf(answered);
    }

    private static String readStatusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Every request line seen so far, in order of arrival. */
    public List<String> requests() {
        return List.copyOf(seen);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                open.add(client);
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Waits until no request is held or being forwarded (a held one reaches Asterisk late); false on timeout. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private void serve(Socket client) {
        boolean counted = false;
        try (client) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            seen.add(requestLine);
            boolean upgrade = head.toLowerCase(Locale.ROOT).contains("\r\nupgrade:");
            if (!upgrade) {
                inFlight.incrementAndGet();
                counted = true;
            }
            byte[] body = upgrade ? new byte[0] : in.readNBytes(contentLength(head));
            Rule rule = rules.stream().filter(r -> r.matches().test(requestLine) && r.left().getAndDecrement() > 0)
                    .findFirst().orElse(null);
            if (rule != null && rule.status() > 0) {
                String reply = "{\"message\": \"injected by FaultyAriProxy\"}";
                client.getOutputStream().write(("HTTP/1.1 " + rule.status() + " Injected Fault\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + reply.length() + "\r\nConnection: close\r\n\r\n" + reply).getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (rule != null) {
                held.add(requestLine);
                Thread.sleep(rule.delay());
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                open.add(upstream);
                OutputStream up = upstream.getOutputStream();
                up.write((upgrade ? head : withConnectionClose(head)).getBytes(StandardCharsets.ISO_8859_1));
                up.write(body);
                up.flush();
                String status = readStatusLine(upstream.getInputStream());
                answered.add(requestLine + " -> " + status);
                client.getOutputStream().write((status + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client));
                if (upgrade) {
                    pipe(client, upstream);
                }
                back.join();
            }
        } catch (IOException | InterruptedException e) {
            // a side went away
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
        }
    }

    private static String withConnectionClose(String head) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (!line.isEmpty() && !line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                out.append(line).append("\r\n");
            }
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    /** The request line and headers up to the empty line, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        int state = 0; // how much of \r\n\r\n was just read
        while ((c = in.read()) >= 0) {
            head.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
