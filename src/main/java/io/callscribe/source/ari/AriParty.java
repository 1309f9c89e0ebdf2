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
    private final io.callscribe.source.websocket.MediaWebSocketConnector websocket;
    private final ReentrantLock setupLock = new ReentrantLock();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CountDownLatch tornDown = new CountDownLatch(1);
    private final java.util.function.Consumer<AriParty> onTornDown;
    private volatile String bridge; // the call bridge the party is in now, null between bridges
    private boolean bridgeRequested;
    private boolean snoopRequested;
    private boolean mediaRequested;
    private RtpReceiver rtp;
    private volatile String endReason;

    AriParty(String callId, AriChannel channel, String bridge, CallParty info, AriClient ari, MediaTransport transport,
             String audioSocketHost, String rtpHost, io.callscribe.source.websocket.MediaWebSocketConnector websocket,
             java.util.function.Consumer<AriParty> onTornDown) {
        this.websocket = websocket;
        this.callId = callId;
        this.channel = channel;
        this.bridge = bridge;
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
        this.bridge = bridgeId;
    }

    boolean isEnded() {
        return ended.get();
    }

    /** Creates the bridge, the snoop and the externalMedia channel and bridges them. */
    void setUp() {
        setupLock.lock();
        try {
            if (ended.get()) {
                return;
            }
            // Marked before each request: one that fails or times out may still have been carried out by Asterisk,
            // so the teardown removes whatever was asked for (a removal of what does not exist is quiet).
            bridgeRequested = true;
            ari.createBridge(bridgeId, "callscribe " + callId);
            snoopRequested = true;
            ari.snoop(channel.id(), snoopId);
            Map<String, String> q = new LinkedHashMap<>();
            q.put("format", "slin16");
            q.put("direction", "both");
            if (transport == MediaTransport.RTP) {
                rtp = RtpReceiver.open(rtpHost, channel.name());
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
            mediaRequested = true;
            JsonNode reply = ari.externalMedia(mediaChannelId, q);
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
                // and sends MEDIA_START only once it is bridged: connect and bridge at the same time.
                String connection = reply.path("channelvars").path("MEDIA_WEBSOCKET_CONNECTION_ID").asText("");
                if (connection.isEmpty()) {
                    throw new AriException("externalMedia (websocket) answered without MEDIA_WEBSOCKET_CONNECTION_ID", 0);
                }
                java.util.concurrent.CompletableFuture<io.callscribe.source.websocket.MediaWebSocketCall> connecting =
                        new java.util.concurrent.CompletableFuture<>();
                Thread.ofVirtual().name("ari-media-ws-" + mediaId).start(() -> {
                    try {
                        connecting.complete(websocket.connect(ari.settings().baseUri(), connection, ari.settings().user(),
                                ari.settings().password(), ari.settings().requestTimeout()));
                    } catch (Exception e) {
                        connecting.completeExceptionally(e);
                    }
                });
                addToBridge();
                io.callscribe.source.websocket.MediaWebSocketCall ws;
                try {
                    ws = connecting.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
                if (!audio.attach(ws)) {
                    ws.stop();
                }
                how = "websocket /media/" + connection;
            } else {
                addToBridge();
            }
            log.info("{}: snooping ({} {}, {})", label(), transport.name().toLowerCase(), snoopId, how);
        } catch (IOException e) {
            log.warn("{}: cannot transcribe this party: {}", label(), e.getMessage());
            audio.fail(new IOException(label() + ": " + e.getMessage(), e));
            endAsync("ari request failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            setupLock.unlock();
        }
    }

    /**
     * A snoop enters Stasis a moment after its POST returns (on a busy Asterisk, seconds): until then addChannel
     * answers 400 "Channel not found" or 422. Retried for up to {@link #ADD_TO_BRIDGE_PATIENCE_MS}.
     */
    private void addToBridge() throws AriException, InterruptedException {
        long deadline = System.currentTimeMillis() + ADD_TO_BRIDGE_PATIENCE_MS;
        long pause = 20;
        while (true) {
            try {
                ari.addToBridge(bridgeId, List.of(snoopId, mediaChannelId));
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
