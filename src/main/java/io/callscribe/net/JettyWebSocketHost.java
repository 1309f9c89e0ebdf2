package io.callscribe.net;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.JettyWebSocketCreator;
import org.eclipse.jetty.websocket.server.config.JettyWebSocketServletContainerInitializer;

import java.net.URI;
import java.time.Duration;

/**
 * An embedded Jetty 11 server that upgrades every path to a WebSocket handled by endpoints from one
 * creator. The native Jetty listener API is used (rather than Javalin's) for pong frames and close codes.
 */
public final class JettyWebSocketHost implements AutoCloseable {

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
        QueuedThreadPool threads = new QueuedThreadPool(256, 4);
        threads.setName(threadName);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
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
