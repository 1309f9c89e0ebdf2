package io.callscribe.cli;

import io.callscribe.source.audiosocket.AudioSocketCodec;
import io.callscribe.source.audiosocket.AudioSocketMessage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * TEST SUPPORT: a TCP pass-through between Asterisk and callscribe's AudioSocket listener that keeps a copy of what
 * Asterisk sent, so a test can feed exactly those samples to the engine directly. Bytes are forwarded unchanged
 * both ways; closing either side closes the other.
 */
final class AudioSocketTap implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final List<ByteArrayOutputStream> connections = new CopyOnWriteArrayList<>();

    AudioSocketTap(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("audiosocket-tap").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket from = listener.accept();
                Socket to = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                ByteArrayOutputStream copy = new ByteArrayOutputStream();
                connections.add(copy);
                Thread.ofVirtual().start(() -> pipe(from, to, copy));
                Thread.ofVirtual().start(() -> pipe(to, from, null));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void pipe(Socket in, Socket out, ByteArrayOutputStream copy) {
        byte[] buf = new byte[8192];
        try (InputStream i = in.getInputStream(); OutputStream o = out.getOutputStream()) {
            int n;
            while ((n = i.read(buf)) > 0) {
                o.write(buf, 0, n);
                if (copy != null) {
                    synchronized (copy) { // in-memory only, never blocks
                        copy.write(buf, 0, n);
                    }
                }
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            try {
                in.close();
                out.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** The PCM of every audio message Asterisk sent on the {@code index}-th connection, in order. */
    byte[] audioOf(int index) throws IOException {
        ByteArrayOutputStream copy = connections.get(index);
        byte[] all;
        synchronized (copy) {
            all = copy.toByteArray();
        }
        AudioSocketCodec codec = new AudioSocketCodec(AudioSocketCodec.PROTOCOL_MAX_PAYLOAD);
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(all);
        AudioSocketMessage m;
        while ((m = codec.read(in)) != null) {
            if (m instanceof AudioSocketMessage.Audio a) {
                pcm.write(a.pcm());
            }
        }
        return pcm.toByteArray();
    }

    int connections() {
        return connections.size();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
