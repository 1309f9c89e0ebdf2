package io.callscribe.source.websocket;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The connector's URI rules and failures without Asterisk (the real /media is in RunChanWebSocketAsteriskTest). */
class MediaWebSocketConnectorTest {

    @Test
    void mediaUriFromAsteriskBase() {
        assertThat(MediaWebSocketConnector.mediaUri(URI.create("http://127.0.0.1:8088"), "abc-1"))
                .isEqualTo(URI.create("ws://127.0.0.1:8088/media/abc-1"));
        assertThat(MediaWebSocketConnector.mediaUri(URI.create("http://127.0.0.1:8088/ari/"), "abc-1"))
                .isEqualTo(URI.create("ws://127.0.0.1:8088/media/abc-1"));
        assertThat(MediaWebSocketConnector.mediaUri(URI.create("https://pbx:8089/asterisk/ari"), "x"))
                .isEqualTo(URI.create("wss://pbx:8089/asterisk/media/x"));
        assertThatThrownBy(() -> MediaWebSocketConnector.mediaUri(URI.create("http://h:1"), "../ari"))
                .hasMessageContaining("connection id '../ari' is not a plain id");
        assertThatThrownBy(() -> MediaWebSocketConnector.mediaUri(URI.create("ftp://h:1"), "a"))
                .hasMessageContaining("is not http(s):// or ws(s)://");
    }

    @Test
    void unreachableAsteriskIsAnIOExceptionNamingTheUri() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (MediaWebSocketConnector connector = new MediaWebSocketConnector(MediaWebSocketCall.Config.defaults())) {
            int p = port;
            assertThatThrownBy(() -> connector.connect(URI.create("http://127.0.0.1:" + p), "c1", null, null, Duration.ofSeconds(2)))
                    .isInstanceOf(IOException.class).hasMessageContaining("ws://127.0.0.1:" + p + "/media/c1");
        }
    }
}
