package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.CallParty;
import io.callscribe.source.AudioSource;
import io.callscribe.source.rtp.RtpReceiver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One party of a transcribed call and what callscribe created in Asterisk for it: a snoop channel on the
 * party (spy in), an externalMedia channel streaming to callscribe, and a mixing bridge holding the two.
 * All ids carry the app's prefix ({@code <app>-sn-}, {@code <app>-em-}, {@code <app>-br-}) so that leftovers of
 * an earlier run can be recognised and removed.
 * <p>Thread contract: {@link #setUp()} and the teardown run on virtual threads of their own, never on the ARI
 * event thread nor the audio thread; {@link #end} may be called from any thread, any number of times.
 */
final class AriParty {

    private static final Logger log = LoggerFactory.getLogger(AriParty.class);

    /** How long the AudioSocket connection may take to close after its channel was hung up before we close it. */
    private static final long MEDIA_CLOSE_WAIT_MS = 1000;
    private static final long ADD_TO_BRIDGE_PATIENCE_MS = 5000;
    /** RTP has no close: after the hang-up, wait for packets in flight and the reorder hold (60 ms). */
    private static final long RTP_DRAIN_MS = 120;
    /**
     * At a hand-over, how much audio the new stream must have delivered before the old one is ended: a snoop starts
     * at about the time it is bridged, and the old stream's last frames are still in flight when it is hung up (on
     * a real Asterisk, ending the old stream as soon as the new one was bridged overlapped them by 0-30 ms and once
     * lost 50 ms of speech).
     */
    static final double HANDOVER_OVERLAP_SECONDS = 0.3;
    /** How long a hand-over waits for the new stream's first audio before it ends the old stream anyway. */
    static final long HANDOVER_PATIENCE_MS = 2000;

    volatile String callId;
    final AriChannel channel;
    final CallParty info;
    final UUID mediaId;
    final String snoopId;
    final String mediaChannelId;
    final String bridgeId;
    final PartyAudio audio;

    private final AriClient ari;
    private final MediaTransport transport;
    private final String audioSocketHost;
    private final String rtpHost;
    private final io.callscribe.source.BufferLimits rtpBuffer;
    private final io.callscribe.source.websocket.MediaWebSocketConnector websocket;
    private final ReentrantLock setupLock = new ReentrantLock();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CountDownLatch tornDown = new CountDownLatch(1);
    private final java.util.function.Consumer<AriParty> onTornDown;
    private volatile String bridge; // the call bridge the party is in now, null between bridges
    private volatile String lastBridge; // the bridge it was in last (the one it is in, or the one it left)
    private boolean bridgeRequested;
    private boolean snoopRequested;
    private boolean mediaRequested;
    private RtpReceiver rtp;
    private volatile String endReason;
    /** Completed on the event thread by the StasisStart of our snoop / externalMedia channel. */
    private final java.util.concurrent.CompletableFuture<Void> snoopInStasis = new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.CompletableFuture<Void> mediaInStasis = new java.util.concurrent.CompletableFuture<>();

    AriParty(String callId, AriChannel channel, String bridge, CallParty info, AriClient ari, MediaTransport transport,
             String audioSocketHost, String rtpHost, io.callscribe.source.BufferLimits rtpBuffer,
             io.callscribe.source.websocket.MediaWebSocketConnector websocket, java.util.function.Consumer<AriParty> onTornDown) {
        this.websocket = websocket;
        this.rtpBuffer = rtpBuffer;
        this.callId = callId;
        this.channel = channel;
        this.bridge = bridge;
        this.lastBridge = bridge;
        this.info = info;
        this.ari = ari;
        this.transport = transport;
        this.audioSocketHost = audioSocketHost;
        this.rtpHost = rtpHost;
        this.onTornDown = onTornDown;
        this.mediaId = UUID.randomUUID();
        String app = ari.settings().app();
        this.snoopId = app + "-sn-" + mediaId;
        this.mediaChannelId = app + "-em-" + mediaId;
        this.bridgeId = app + "-br-" + mediaId;
        this.audio = new PartyAudio("ari " + channel.name() + " (" + info.speaker() + ")", () -> end("stopped"));
    }

    String label() {
        return "call " + callId + ", " + info.speaker() + " (" + channel.name() + ")";
    }

    String currentBridge() {
        return bridge;
    }

    void inBridge(String bridgeId) {
        if (bridgeId != null) {
            this.lastBridge = bridgeId;
        }
        this.bridge = bridgeId;
    }

    /**
     * Whether the party is in {@code bridgeId}, or left it and has been in no bridge since (held outside any bridge,
     * or being transferred): what makes the party an orphan when that bridge is destroyed.
     */
    boolean lastIn(String bridgeId) {
        String now = bridge;
        return bridgeId.equals(now) || (now == null && bridgeId.equals(lastBridge));
    }

    boolean isEnded() {
        return ended.get();
    }

    /**
     * Waits until this party's stream has delivered {@code seconds} of audio, it ended, or {@code millis} passed:
     * whether the audio came. Polls every 10 ms; for the hand-over thread only (never the event or audio thread).
     */
    boolean awaitAudio(double seconds, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (audio.receivedSeconds() < seconds) {
            if (ended.get() || System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Our snoop or externalMedia channel entered Stasis (its StasisStart event): it can be bridged now. Never blocks. */
    void inStasis(String channelId) {
        if (channelId.equals(snoopId)) {
            snoopInStasis.complete(null);
        } else if (channelId.equals(mediaChannelId)) {
            mediaInStasis.complete(null);
        }
    }

    /**
     * Creates the bridge, the snoop and the externalMedia channel, the three requests at once, and adds the snoop and
     * the media channel to the bridge each as soon as it is in Stasis (its StasisStart event), not by polling.
     */
    void setUp() {
        setupLock.lock();
        List<Thread> requests = new java.util.ArrayList<>();
        try {
            if (ended.get()) {
                return;
            }
            Map<String, String> q = new LinkedHashMap<>();
            q.put("format", "slin16");
            q.put("direction", "both");
            if (transport == MediaTransport.RTP) {
                rtp = RtpReceiver.open(rtpHost, channel.name(), rtpBuffer);
                RtpReceiver receiving = rtp;
                // UDP has no hang-up: a receiver that stopped by itself (its buffer full) ends the party, so that its
                // snoop goes (over AudioSocket and chan_websocket, Asterisk hangs up the media channel instead).
                rtp.whenEnded(() -> end(receiving.endReason()));
                q.put("external_host", rtp.localAddress());
                q.put("encapsulation", "rtp");
                q.put("transport", "udp");
            } else if (transport == MediaTransport.WEBSOCKET) {
                q.put("encapsulation", "none");
                q.put("transport", "websocket");
                q.put("connection_type", "server");
            } else {
                q.put("external_host", audioSocketHost);
                q.put("encapsulation", "audiosocket");
                q.put("transport", "tcp");
                q.put("data", mediaId.toString());
            }
            // Marked before the requests: one that fails or times out may still have been carried out by Asterisk,
            // so the teardown removes whatever was asked for (a removal of what does not exist is quiet).
            bridgeRequested = true;
            snoopRequested = true;
            mediaRequested = true;
            java.util.concurrent.CompletableFuture<Void> bridged = async(requests, "br", () -> {
                ari.createBridge(bridgeId, "callscribe " + callId);
                return null;
            });
            java.util.concurrent.CompletableFuture<Void> snooped = async(requests, "sn", () -> {
                ari.snoop(channel.id(), snoopId);
                return null;
            });
            java.util.concurrent.CompletableFuture<JsonNode> mediaReply = async(requests, "em",
                    () -> ari.externalMedia(mediaChannelId, q));
            java.util.concurrent.CompletableFuture<Void> snoopAdded = async(requests, "add-sn", () -> {
                join(bridged);
                join(snooped);
                addWhenInStasis(snoopId, snoopInStasis);
                return null;
            });
            JsonNode reply;
            try {
                reply = join(mediaReply);
            } catch (IOException e) {
                // Report what failed first in the order the requests depend on each other: bridge, snoop, media.
                firstFailure(bridged, snooped);
                throw e;
            }
            if (rtp != null) {
                JsonNode vars = reply.path("channelvars");
                String host = vars.path("UNICASTRTP_LOCAL_ADDRESS").asText("");
                int port = vars.path("UNICASTRTP_LOCAL_PORT").asInt(0);
                if (!host.isEmpty() && port > 0) {
                    rtp.expectFrom(new InetSocketAddress(host, port));
                }
                audio.attach(rtp);
            }
            String how = rtp != null ? "rtp to " + rtp.localAddress() : "audiosocket " + mediaId;
            if (transport == MediaTransport.WEBSOCKET) {
                // chan_websocket's server-mode channel enters Stasis only once we are connected to /media/<id>,
                // and sends MEDIA_START only once it is bridged: connect, then bridge as soon as it is in Stasis.
                String connection = reply.path("channelvars").path("MEDIA_WEBSOCKET_CONNECTION_ID").asText("");
                if (connection.isEmpty()) {
                    throw new AriException("externalMedia (websocket) answered without MEDIA_WEBSOCKET_CONNECTION_ID", 0);
                }
                java.util.concurrent.CompletableFuture<io.callscribe.source.websocket.MediaWebSocketCall> connecting =
                        async(requests, "ws", () -> websocket.connect(ari.settings().baseUri(), connection,
                                ari.settings().user(), ari.settings().password(), ari.settings().requestTimeout()));
                join(bridged);
                addWhenInStasis(mediaChannelId, mediaInStasis);
                io.callscribe.source.websocket.MediaWebSocketCall ws = join(connecting);
                if (!audio.attach(ws)) {
                    ws.stop();
                }
                how = "websocket /media/" + connection;
            } else {
                join(bridged);
                addWhenInStasis(mediaChannelId, mediaInStasis);
            }
            join(snoopAdded);
            log.info("{}: snooping ({} {}, {})", label(), transport.name().toLowerCase(), snoopId, how);
        } catch (IOException e) {
            log.warn("{}: cannot transcribe this party: {}", label(), e.getMessage());
            audio.fail(new IOException(label() + ": " + e.getMessage(), e));
            endAsync("ari request failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // The teardown (which waits for this lock) must come after every request this setup sent was answered,
            // so that it removes what they created.
            for (Thread t : requests) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            setupLock.unlock();
        }
    }

    private interface Request<T> {
        T call() throws IOException, InterruptedException;
    }

    /** Runs one request of the setup on a virtual thread of its own. */
    private <T> java.util.concurrent.CompletableFuture<T> async(List<Thread> requests, String what, Request<T> r) {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        requests.add(Thread.ofVirtual().name("ari-setup-" + what + "-" + mediaId).start(() -> {
            try {
                f.complete(r.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }));
        return f;
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof InterruptedException ie) {
                throw ie;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /** Throws the failure of the first of {@code fs} that failed (waiting for each), if any. */
    @SafeVarargs
    private static void firstFailure(java.util.concurrent.CompletableFuture<Void>... fs) throws IOException, InterruptedException {
        for (var f : fs) {
            join(f);
        }
    }

    /**
     * Adds one of our channels to the bridge once its StasisStart came. Should that event not come within
     * {@link #ADD_TO_BRIDGE_PATIENCE_MS} (events lost to a reconnect), it is tried all the same; addChannel answers
     * 400 "Channel not found" or 422 for a channel not yet in Stasis, retried until the patience is used up.
     */
    private void addWhenInStasis(String channelId, java.util.concurrent.CompletableFuture<Void> inStasis)
            throws AriException, InterruptedException {
        long deadline = System.currentTimeMillis() + ADD_TO_BRIDGE_PATIENCE_MS;
        try {
            inStasis.get(ADD_TO_BRIDGE_PATIENCE_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            deadline = System.currentTimeMillis() + 1000; // no StasisStart seen: a last try
        }
        long pause = 20;
        while (true) {
            if (ended.get()) {
                return;
            }
            try {
                ari.addToBridge(bridgeId, List.of(channelId));
                return;
            } catch (AriException e) {
                if ((e.status() != 422 && e.status() != 400) || System.currentTimeMillis() > deadline || ended.get()) {
                    throw e;
                }
                Thread.sleep(pause);
                pause = Math.min(200, pause * 2);
            }
        }
    }

    /** Called by the media router when Asterisk's AudioSocket connection for this party arrives. */
    boolean attach(AudioSource connection) throws IOException, InterruptedException {
        return audio.attach(connection);
    }

    /** Ends the party's stream (keeping what was received) and removes what we created, on a new thread. */
    void end(String reason) {
        if (ended.compareAndSet(false, true)) {
            endReason = reason;
            audio.end(reason);
            snoopInStasis.complete(null); // a setup waiting for them gives up at once
            mediaInStasis.complete(null);
            Thread.ofVirtual().name("ari-teardown-" + mediaId).start(this::tearDown);
        }
    }

    private void endAsync(String reason) {
        end(reason);
    }

    /** Waits until our channels and bridge are gone (or the requests to remove them failed). */
    boolean awaitTornDown(long millis) throws InterruptedException {
        return tornDown.await(millis, TimeUnit.MILLISECONDS);
    }

    private void tearDown() {
        long t0 = System.nanoTime();
        setupLock.lock(); // a setup in progress finishes first, so that nothing it creates is left behind
        try {
            if (mediaRequested) {
                quietly("hang up " + mediaChannelId, () -> ari.hangup(mediaChannelId));
            }
            if (snoopRequested) {
                quietly("hang up " + snoopId, () -> ari.hangup(snoopId));
            }
            if (bridgeRequested) {
                quietly("destroy bridge " + bridgeId, () -> ari.destroyBridge(bridgeId));
            }
        } finally {
            setupLock.unlock();
        }
        try {
            if (rtp != null) {
                Thread.sleep(RTP_DRAIN_MS);
                audio.closeMedia();
            } else if (audio.attached()) {
                long deadline = System.currentTimeMillis() + MEDIA_CLOSE_WAIT_MS;
                while (!mediaFinished() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                audio.closeMedia(); // no-op when Asterisk closed it already
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            audio.closeMedia();
        } catch (RuntimeException e) {
            log.error("{}: teardown failed: {}", label(), e.toString());
            audio.closeMedia();
        } finally {
            log.info("{}: stream ended ({}), {} s of audio; our channels removed in {} ms", label(), endReason,
                    String.format("%.1f", audio.receivedSeconds()), (System.nanoTime() - t0) / 1_000_000);
            tornDown.countDown();
            onTornDown.accept(this);
        }
    }

    private boolean mediaFinished() {
        return !"in progress".equals(mediaEndReason());
    }

    private String mediaEndReason() {
        return audio.mediaEndReason();
    }

    private interface AriAction {
        boolean run() throws AriException;
    }

    private void quietly(String what, AriAction action) {
        try {
            action.run();
        } catch (AriException e) {
            log.warn("{}: could not {}: {}", label(), what, e.getMessage());
        }
    }
}
