package io.callscribe.source.rtp;

import io.callscribe.audio.PcmFormat;
import io.callscribe.source.BufferLimits;
import io.callscribe.source.LiveAudioSource;
import io.callscribe.source.SpillingPcmBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * Receives one RTP stream of slin16 (big-endian 16-bit, 16 kHz mono) on a UDP port of its own, as Asterisk's
 * externalMedia {@code encapsulation=rtp} sends it, and offers it as an {@link AudioSource}: in sequence order,
 * losses filled with silence, no packet held more than 60 ms. The receiving thread never waits for the reader
 * (audio goes to a {@link SpillingPcmBuffer} within the {@link BufferLimits}: beyond them the stream ends with an error
 * after the audio buffered, and the socket is closed). UDP has no hang-up: otherwise the stream ends with {@link #stop()}.
 */
public final class RtpReceiver extends LiveAudioSource {

    private static final Logger log = LoggerFactory.getLogger(RtpReceiver.class);
    private static final PcmFormat FORMAT = PcmFormat.mono(16000);
    private static final int POLL_MS = 10;

    private final DatagramSocket socket;
    private final String description;
    private final RtpReorderBuffer reorder;
    private final Thread reader;
    private volatile InetSocketAddress expectedSender;
    private volatile boolean stopping;
    private long foreign;
    private long malformed;

    private RtpReceiver(DatagramSocket socket, String name, BufferLimits limits) {
        super(FORMAT, 0, log);
        this.socket = socket;
        this.description = "rtp " + name + " on " + socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        this.reorder = RtpReorderBuffer.defaults();
        start(FORMAT, limits, "callscribe-rtp-");
        this.reader = Thread.ofVirtual().name("rtp-" + socket.getLocalPort()).unstarted(this::receive);
    }

    /** Binds a free UDP port on {@code host} and starts receiving, with the default buffer limits (60 s + 3600 s). */
    public static RtpReceiver open(String host, String name) throws IOException {
        return open(host, name, BufferLimits.defaults("--ari"));
    }

    /** Binds a free UDP port on {@code host} and starts receiving, buffering within {@code limits}. */
    public static RtpReceiver open(String host, String name, BufferLimits limits) throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        socket.setReceiveBufferSize(256 * 1024);
        socket.setSoTimeout(POLL_MS);
        RtpReceiver r = new RtpReceiver(socket, name, limits);
        r.reader.start();
        return r;
    }

    /** {@code host:port} for externalMedia's {@code external_host}. */
    public String localAddress() {
        return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Accept datagrams from this address only (Asterisk's UNICASTRTP_LOCAL_ADDRESS/PORT); others are dropped. */
    public void expectFrom(InetSocketAddress sender) {
        this.expectedSender = sender;
    }

    private void receive() {
        byte[] data = new byte[2048];
        DatagramPacket dp = new DatagramPacket(data, data.length);
        try {
            while (!stopping) {
                try {
                    socket.receive(dp);
                } catch (SocketTimeoutException e) {
                    write(reorder.poll(System.nanoTime()));
                    continue;
                }
                InetSocketAddress from = (InetSocketAddress) dp.getSocketAddress();
                InetSocketAddress expected = expectedSender;
                if (expected != null && !expected.equals(from)) {
                    if (foreign++ == 0) {
                        log.warn("{}: dropping datagrams from {} (expected {})", description, from, expected);
                    }
                    continue;
                }
                RtpPacket packet;
                try {
                    packet = RtpPacket.parse(data, dp.getLength());
                } catch (RtpPacket.RtpFormatException e) {
                    if (malformed++ == 0) {
                        log.warn("{}: dropping a datagram from {}: {}", description, from, e.getMessage());
                    }
                    continue;
                }
                write(reorder.offer(packet, System.nanoTime()));
            }
            write(reorder.drain());
            endLoggingLosses("stopped", null);
        } catch (SocketException e) {
            write(reorder.drain());
            endLoggingLosses(stopping ? "stopped" : "socket closed", null);
        } catch (IOException e) {
            endLoggingLosses("audio error", new IOException(description + ": " + e.getMessage(), e));
        } finally {
            socket.close();
        }
    }

    private void write(List<byte[]> pcm) {
        try {
            for (byte[] b : pcm) {
                if (b.length > 0 && !offer(b)) {
                    // Ended with the buffer-full error after the audio buffered so far (logged once): stop receiving.
                    stopping = true;
                    return;
                }
            }
        } catch (IOException e) {
            buffer().fail(new IOException(description + ": cannot buffer audio: " + e.getMessage(), e));
        }
    }

    private void endLoggingLosses(String reason, IOException error) {
        if (end(reason, error) && reorder.lostPackets() + reorder.duplicates() + reorder.late() > 0) {
            log.info("{}: {} packet(s) lost (filled with silence), {} duplicate(s), {} late", description,
                    reorder.lostPackets(), reorder.duplicates(), reorder.late());
        }
    }

    @Override
    public String description() {
        return description;
    }

    /** Ends the stream: held packets are played (gaps filled), then {@link #read} returns -1. Idempotent. */
    @Override
    public void stop() {
        stopping = true; // the reader notices within POLL_MS, drains and closes the socket
    }

    @Override
    public void close() {
        stop();
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        closeBuffer();
    }
}
