package io.callscribe.testing;

import io.callscribe.source.audiosocket.AudioSocketCodec;
import io.callscribe.source.audiosocket.AudioSocketMessage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * TEST DOUBLE: plays Asterisk's side of an AudioSocket connection (what {@code AudioSocket(uuid,host:port)}
 * or {@code Dial(AudioSocket/...)} does): connects, sends the UUID, 20 ms slin frames, DTMF, hangup,
 * or drops the connection. For tests and benchmarks of the AudioSocket server; no Asterisk involved.
 */
public final class FakeAsterisk implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private boolean realTime;
    /** Counted down when the {@link #discardingReplies()} reader has ended (null without one). */
    private java.util.concurrent.CountDownLatch readerDone;
    private long nextFrameNanos;

    private FakeAsterisk(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Connects to an AudioSocket server; frames are sent as fast as possible unless {@link #realTime} is set. */
    public static FakeAsterisk connect(String host, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setTcpNoDelay(true);
        return new FakeAsterisk(s);
    }

    /** Connects and sends the UUID, like Asterisk does at call start. */
    public static FakeAsterisk call(int port, UUID id) throws IOException {
        FakeAsterisk a = connect("127.0.0.1", port);
        a.sendUuid(id);
        return a;
    }

    /**
     * Reads and discards what the server sends (its keepalive silence, audio to play) on a virtual thread of its own,
     * as Asterisk reads it. A socket closed with data left unread sends a TCP reset instead of a FIN, and the
     * server's kernel then drops what it had received and not yet read: the end of the call's audio.
     */
    public FakeAsterisk discardingReplies() {
        readerDone = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = readerDone;
        Thread.ofVirtual().name("fake-asterisk-reader").start(() -> {
            byte[] buf = new byte[4096];
            try {
                java.io.InputStream in = socket.getInputStream();
                while (in.read(buf) >= 0) {
                    // discarded
                }
            } catch (IOException closed) {
                // this side closed the socket, or the server reset it
            } finally {
                done.countDown();
            }
        });
        return this;
    }

    /**
     * Sends the hangup and, with {@link #discardingReplies()}, waits up to {@code millis} for the server to close its
     * side before closing this one, so that nothing the server sent is left unread here. A socket closed with unread
     * data sends a TCP reset, and the server's kernel then drops audio it had received and not yet read: at 1000 bench
     * calls one call in about ten runs lost its last 0.24 s that way (the server had sent keepalive silence while the
     * bench's callers were stalled).
     */
    public FakeAsterisk hangupAndAwaitClose(int millis) throws IOException, InterruptedException {
        hangup();
        if (readerDone != null) {
            socket.shutdownOutput();
            readerDone.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Paces audio frames at 20 ms each, as a live call does. */
    public FakeAsterisk realTime(boolean on) {
        this.realTime = on;
        this.nextFrameNanos = System.nanoTime();
        return this;
    }

    public FakeAsterisk sendUuid(UUID id) throws IOException {
        return send(new AudioSocketMessage.Uuid(id));
    }

    /** Sends {@code pcm} (16-bit LE mono at {@code sampleRate}) as 20 ms frames, e.g. 320 bytes at 8 kHz, 640 at 16 kHz. */
    public FakeAsterisk sendAudio(int sampleRate, byte[] pcm) throws IOException {
        int frame = sampleRate / 50 * 2;
        for (int p = 0; p < pcm.length; p += frame) {
            byte[] f = new byte[Math.min(frame, pcm.length - p)];
            System.arraycopy(pcm, p, f, 0, f.length);
            pace();
            send(new AudioSocketMessage.Audio(sampleRate, f));
        }
        return this;
    }

    public FakeAsterisk sendDtmf(char digit) throws IOException {
        return send(new AudioSocketMessage.Dtmf(digit));
    }

    public FakeAsterisk hangup() throws IOException {
        return send(new AudioSocketMessage.Hangup());
    }

    public FakeAsterisk send(AudioSocketMessage message) throws IOException {
        out.write(AudioSocketCodec.encode(message));
        out.flush();
        return this;
    }

    /** Sends arbitrary bytes, for malformed-input tests. */
    public FakeAsterisk sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one message the server sent back (audio to play to the caller), or null at end of stream. */
    public AudioSocketMessage readMessage(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        return new AudioSocketCodec().read(socket.getInputStream());
    }

    /** Drops the connection with a TCP reset, as when Asterisk crashes or the network fails. */
    public void abruptClose() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Whether the server closed its side (reads EOF within {@code millis}). */
    public boolean serverClosed(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the server
        }
    }

    private void pace() {
        if (!realTime) {
            return;
        }
        nextFrameNanos += 20_000_000L;
        long wait = nextFrameNanos - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    /** Closes the connection normally (FIN), without a hangup message. */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Deterministic test audio: sample i of stream {@code seed} (so two calls' audio differ). */
    public static byte[] pattern(int seed, int samples) {
        byte[] b = new byte[samples * 2];
        for (int i = 0; i < samples; i++) {
            short v = (short) (seed * 1000 + i * 7);
            b[2 * i] = (byte) v;
            b[2 * i + 1] = (byte) (v >> 8);
        }
        return b;
    }
}
