package io.callscribe.net;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.server.JettyWebSocketCreator;
import org.eclipse.jetty.websocket.server.config.JettyWebSocketServletContainerInitializer;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An embedded Jetty 11 server that upgrades every path to a WebSocket handled by endpoints from one
 * creator. The native Jetty listener API is used (rather than Javalin's) for pong frames and close codes.
 * A connection must finish its HTTP upgrade within a total deadline from accept ({@link #HANDSHAKE_DEADLINE} by
 * default): Jetty's idle timeout counts per read, so a client sending its request one byte at a time would hold the
 * connection for ever.
 */
public final class JettyWebSocketHost implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JettyWebSocketHost.class);

    /** How long a new connection may take, from accept, to complete its WebSocket upgrade. */
    public static final Duration HANDSHAKE_DEADLINE = Duration.ofSeconds(10);

    private final Server server;
    private final ServerConnector connector;

    private JettyWebSocketHost(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * @param port            0 picks a free port
     * @param maxMessageBytes larger messages are refused with close 1009
     * @param idleTimeout     a connection with no traffic at all for this long is closed
     */
    public static JettyWebSocketHost start(String host, int port, int maxMessageBytes, Duration idleTimeout,
                                           JettyWebSocketCreator creator, String threadName) throws Exception {
        return start(host, port, maxMessageBytes, idleTimeout, HANDSHAKE_DEADLINE, creator, threadName);
    }

    /** @param handshakeDeadline a connection still not upgraded this long after accept is closed */
    public static JettyWebSocketHost start(String host, int port, int maxMessageBytes, Duration idleTimeout,
                                           Duration handshakeDeadline, JettyWebSocketCreator creator, String threadName)
            throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(256, 4);
        threads.setName(threadName);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        connector.addBean(new HandshakeDeadline(connector.getScheduler(), handshakeDeadline, threadName));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        server.setHandler(context);
        JettyWebSocketServletContainerInitializer.configure(context, (servletContext, container) -> {
            container.setMaxBinaryMessageSize(maxMessageBytes);
            container.setMaxTextMessageSize(maxMessageBytes);
            // Jetty's 64 KiB frame default would refuse one-frame messages well under the message limit.
            container.setMaxFrameSize(maxMessageBytes);
            container.setIdleTimeout(idleTimeout);
            container.addMapping("/*", creator);
        });
        server.setStopTimeout(2000);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new JettyWebSocketHost(server, connector);
    }

    /**
     * Closes a connection that is still HTTP (not upgraded to a WebSocket) when its deadline comes. Jetty tells every
     * connection's opening and closing (an upgrade closes the HTTP connection and opens the WebSocket one).
     */
    private static final class HandshakeDeadline implements Connection.Listener {
        private final Scheduler scheduler;
        private final Duration deadline;
        private final String name;
        private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

        HandshakeDeadline(Scheduler scheduler, Duration deadline, String name) {
            this.scheduler = scheduler;
            this.deadline = deadline;
            this.name = name;
        }

        @Override
        public void onOpened(Connection connection) {
            if (!(connection instanceof HttpConnection)) {
                return;
            }
            EndPoint endPoint = connection.getEndPoint();
            pending.put(connection, scheduler.schedule(() -> {
                pending.remove(connection);
                if (endPoint.isOpen() && endPoint.getConnection() == connection) {
                    log.info("{}: connection from {} did not finish its WebSocket handshake within {} ms: closed", name,
                            endPoint.getRemoteSocketAddress(), deadline.toMillis());
                    endPoint.close();
                }
            }, deadline.toMillis(), TimeUnit.MILLISECONDS));
        }

        @Override
        public void onClosed(Connection connection) {
            Scheduler.Task task = pending.remove(connection);
            if (task != null) {
                task.cancel();
            }
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    public URI uri() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        return URI.create("ws://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    @Override
    public void close() {
        int port = port();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop WebSocket server on port " + port, e);
        }
    }
}
