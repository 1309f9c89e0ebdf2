package io.callscribe.source.ari;

import io.callscribe.event.CallParty;
import io.callscribe.service.CallIdAllocator;
import io.callscribe.session.CallSession;
import io.callscribe.source.audiosocket.AudioSocketCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * ARI live mode: follows Asterisk's events for every channel ({@code subscribeAll}) and transcribes each
 * two-party bridge as one call whose id is the parties' linkedid and whose two speakers are the parties,
 * each heard through a snoop channel and an externalMedia channel of ours ({@link AriParty}).
 * On every (re)connect it removes what an earlier run left behind, ends parties that went away
 * meanwhile, and picks up the bridges already up.
 * <p>Thread contract: events are handled on the event stream's dispatcher thread and never wait for an
 * ARI request; requests run on virtual threads per party. State is guarded by one lock held only briefly.
 */
public final class AriSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AriSource.class);
    /**
     * A party whose bridge was destroyed gets this long to enter another one (a blind transfer: the new party answers)
     * before its stream ends; within it, the party's snoop goes on and is handed to the new call without a gap.
     */
    static final Duration BRIDGE_GONE_GRACE = Duration.ofSeconds(2);
    /** How many ended parties' media ids are remembered, to refuse their late media connections. */
    static final int RETIRED_MEDIA_IDS = 10_000;

    /** Starts a call (CallManager::start); empty when it was refused. */
    public interface CallStarter {
        Optional<CallSession> start(String callId, List<CallSession.Leg> legs, List<CallParty> parties);
    }

    /**
     * @param transport       how externalMedia streams to us
     * @param audioSocketHost {@code host:port} of our AudioSocket listener as Asterisk reaches it
     * @param rtpHost         address our RTP receivers bind and Asterisk sends to
     * @param filter          which bridges
     * @param roles           labels of the two roles (caller first)
     * @param speakerFromCallerId name each speaker by caller id (name, else number) rather than by role
     * @param variables       channel variables reported in each party's metadata
     * @param buffer          each party's audio buffer over RTP and chan_websocket (over AudioSocket, the listener's)
     * @param maxCalls        calls transcribed at once; a new two-party bridge beyond it is not transcribed at all (a
     *                        party moving to a new call, a transfer, continues a call already counted and is taken)
     */
    public record Settings(AriSettings ari, MediaTransport transport, String audioSocketHost, String rtpHost,
                           AriCallFilter filter, List<String> roles, boolean speakerFromCallerId, List<String> variables,
                           io.callscribe.source.BufferLimits buffer, int maxCalls) {
        public static final int DEFAULT_MAX_CALLS = 250;

        public Settings {
            Objects.requireNonNull(ari, "ari");
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(buffer, "buffer");
            if (maxCalls < 1) {
                throw new IllegalArgumentException("--ari-max-calls must be at least 1, got " + maxCalls);
            }
            roles = List.copyOf(roles);
            variables = List.copyOf(variables);
            if (roles.size() != 2 || roles.get(0).equals(roles.get(1))) {
                throw new IllegalArgumentException("ARI roles must be two different labels (caller,callee), got " + roles);
            }
        }
    }

    private final Settings settings;
    private final AriClient ari;
    private final CallStarter calls;
    private final CallIdAllocator callIds;
    private final String prefix;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, AriParty> parties = new HashMap<>();      // party channel id -> party
    private final Map<String, AriParty> ownChannels = new HashMap<>();  // our snoop/externalMedia ids -> party
    private final Map<UUID, AriParty> media = new ConcurrentHashMap<>();
    /** Media ids of parties that ended, newest last: a media connection for one of them comes too late. */
    private final Map<UUID, Boolean> retired = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > RETIRED_MEDIA_IDS;
        }
    };
    private final Set<String> pending = new HashSet<>();                // channels being looked at
    private final Map<String, String> skipped = new HashMap<>();        // channel -> why not transcribed (logged once)
    private final Set<String> warnedBridges = new HashSet<>();
    /** Places held for calls being started, not yet in {@link #parties} ({@code maxCalls}). */
    private int reserved;
    /**
     * The newest snapshot of every channel not ours, fed by the events (with subscribeAll every channel event carries
     * one) and by the channel list on (re)connect: picking up a bridge then needs no {@code GET /channels/{id}}.
     * Written on the dispatcher thread only.
     */
    private final Map<String, AriChannel> known = new ConcurrentHashMap<>();
    private final AriEventStream events;
    private final io.callscribe.source.websocket.MediaWebSocketConnector websocket;
    private volatile boolean closed;

    private AriSource(Settings settings, CallIdAllocator callIds, CallStarter calls) {
        this.settings = settings;
        this.ari = new AriClient(settings.ari());
        this.calls = calls;
        this.callIds = Objects.requireNonNull(callIds, "callIds");
        this.prefix = settings.ari().app() + "-";
        this.events = new AriEventStream(ari, new Handler());
        this.websocket = settings.transport() == MediaTransport.WEBSOCKET
                ? new io.callscribe.source.websocket.MediaWebSocketConnector(
                        io.callscribe.source.websocket.MediaWebSocketCall.Config.of(settings.buffer()))
                : null;
    }

    /**
     * Connects to ARI. A call's id comes from {@code callIds}, shared with the other sources: the linkedid when it is
     * free, else {@code <linkedid>-2}, ... (a second pair of the same linked call after a transfer, a call picked up
     * again after a restart whose first part already has a transcript). Wrong credentials fail here (a configuration error the operator must fix); an
     * Asterisk that is not up yet is logged and waited for in the background.
     */
    public static AriSource start(Settings settings, CallIdAllocator callIds, CallStarter calls) throws AriException {
        AriSource source = new AriSource(settings, callIds, calls);
        try {
            source.ari.info();
        } catch (AriException e) {
            if (e.unauthorized()) {
                throw e;
            }
            log.warn("{}; will keep trying", e.getMessage());
        }
        source.events.start();
        return source;
    }

    public boolean connected() {
        return events.isConnected();
    }

    /** Parties being transcribed now. */
    public int activeParties() {
        lock.lock();
        try {
            return parties.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Routes an AudioSocket connection whose UUID is one of our externalMedia channels into its party.
     * Returns false for any other connection (an ordinary AudioSocket call).
     */
    public boolean claim(AudioSocketCall call) {
        AriParty party = media.get(call.id());
        if (party == null) {
            if (!isRetired(call.id())) {
                return false;
            }
            // Its externalMedia request answered too late (callscribe gave up on it), or Asterisk was slow to connect.
            log.info("audiosocket {}: media connection of a party that already ended (a slow ARI request?); closing it", call.id());
            call.stop();
            return true;
        }
        try {
            if (!party.attach(call)) {
                log.info("{}: media connection arrived after the stream ended; closing it", party.label());
                call.stop();
            }
        } catch (IOException e) {
            log.warn("{}: {}", party.label(), e.getMessage());
            call.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.stop();
        }
        return true;
    }

    private boolean ours(String id) {
        return id.startsWith(prefix);
    }

    private final class Handler implements AriEventStream.Listener {
        @Override
        public void connected() {
            reconcile();
        }

        @Override
        public void event(AriEvent event) {
            event.channelSnapshot().filter(c -> !ours(c.id())).ifPresent(c -> {
                if (event instanceof AriEvent.ChannelDestroyed) {
                    known.remove(c.id());
                } else {
                    known.put(c.id(), c);
                }
            });
            switch (event) {
                case AriEvent.ChannelEnteredBridge e -> entered(e.bridge(), e.channel());
                case AriEvent.ChannelLeftBridge e -> left(e.bridge(), e.channel());
                case AriEvent.BridgeDestroyed e -> bridgeGone(e.bridge());
                case AriEvent.ChannelDestroyed e -> channelGone(e.channel().id(), "hangup");
                case AriEvent.StasisEnd e -> {
                    if (ours(e.channel().id())) {
                        channelGone(e.channel().id(), "hangup");
                    }
                }
                case AriEvent.StasisStart e -> {
                    if (ours(e.channel().id())) {
                        hangUpIfUnwanted(e.channel());
                    } else {
                        log.warn("channel {} was sent into Stasis({}); callscribe only listens (it finds calls by "
                                + "subscribeAll) and leaves it there", e.channel().name(), settings.ari().app());
                    }
                }
                case AriEvent.ChannelHangupRequest e -> {
                }
                case AriEvent.ChannelUpdate e -> {
                }
                case AriEvent.Other o -> {
                }
            }
        }
    }

    /**
     * A channel of ours entered Stasis: when its party has ended, or it belongs to none (its request was answered
     * after callscribe gave up on it: a slow ARI), it is hung up at once, off the event thread.
     */
    private void hangUpIfUnwanted(AriChannel channel) {
        AriParty owner;
        lock.lock();
        try {
            owner = ownChannels.get(channel.id());
        } finally {
            lock.unlock();
        }
        if (owner != null && !owner.isEnded()) {
            owner.inStasis(channel.id()); // its setup adds it to its bridge now
            return;
        }
        Thread.ofVirtual().name("ari-hangup-late-" + channel.id()).start(() -> {
            try {
                ari.hangup(channel.id());
                log.info("ARI: channel {} came after its party had ended (a slow ARI request?); hung up", channel.id());
            } catch (AriException e) {
                log.warn("ARI: cannot hang up late channel {}: {}", channel.id(), e.getMessage());
            }
        });
    }

    private boolean isRetired(UUID mediaId) {
        lock.lock();
        try {
            return retired.containsKey(mediaId);
        } finally {
            lock.unlock();
        }
    }

    private void entered(AriBridge bridge, AriChannel channel) {
        if (ours(bridge.id()) || ours(channel.id())) {
            return;
        }
        lock.lock();
        try {
            AriParty p = parties.get(channel.id());
            if (p != null) {
                p.inBridge(bridge.id()); // back in a bridge (re-entered, or transferred): its snoop never stopped
            }
        } finally {
            lock.unlock();
        }
        consider(bridge); // the same pair again: nothing to do; a new pair (a transfer): a new call
    }

    private void left(AriBridge bridge, AriChannel channel) {
        lock.lock();
        try {
            AriParty p = parties.get(channel.id());
            if (p != null && bridge.id().equals(p.currentBridge())) {
                p.inBridge(null);
            }
        } finally {
            lock.unlock();
        }
    }

    private void bridgeGone(AriBridge bridge) {
        if (ours(bridge.id())) {
            return;
        }
        List<AriParty> orphans = new ArrayList<>();
        lock.lock();
        try {
            warnedBridges.remove(bridge.id());
            for (AriParty p : parties.values()) {
                // Not a party out of every bridge whose bridge is up still (held, e.g. with music on hold): another
                // call's bridge going away says nothing about it.
                if (p.lastIn(bridge.id())) {
                    orphans.add(p);
                }
            }
        } finally {
            lock.unlock();
        }
        for (AriParty p : orphans) {
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(BRIDGE_GONE_GRACE);
                } catch (InterruptedException e) {
                    return;
                }
                if (p.lastIn(bridge.id())) {
                    p.end("bridge destroyed");
                }
            });
        }
    }

    private void channelGone(String channelId, String why) {
        AriParty party;
        String reason;
        lock.lock();
        try {
            skipped.remove(channelId);
            party = parties.get(channelId);
            reason = why;
            if (party == null) {
                party = ownChannels.get(channelId);
                if (party != null) {
                    reason = channelId.equals(party.snoopId) ? "snoop channel ended" : "media channel ended";
                }
            }
        } finally {
            lock.unlock();
        }
        if (party != null) {
            party.end(reason);
        }
    }

    /** A bridge changed: transcribe it when it is a two-party bridge not yet followed. */
    private void consider(AriBridge bridge) {
        if (closed || ours(bridge.id()) || bridge.bridgeType().equals("holding")) {
            return;
        }
        List<String> members = bridge.channels().stream().filter(c -> !ours(c)).toList();
        List<AriParty> current;
        lock.lock();
        try {
            current = members.stream().map(parties::get).filter(p -> p != null && !p.isEnded()).toList();
            if (members.size() != 2) {
                if (members.size() > 2 && current.isEmpty() && warnedBridges.add(bridge.id())) {
                    log.info("bridge {} has {} parties: only two-party bridges are transcribed", bridge.id(), members.size());
                }
                return;
            }
            if (members.stream().anyMatch(pending::contains)) {
                return;
            }
            if (current.size() == 2 && Objects.equals(current.get(0).callId, current.get(1).callId)) {
                return; // the pair already transcribed (back in a bridge together)
            }
            if (current.isEmpty() && members.stream().allMatch(skipped::containsKey)) {
                return; // decided before: not transcribed
            }
            // A new pair; when one of them is transcribed already (a transfer), it moves to the new call.
            pending.addAll(members);
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("ari-pickup-" + bridge.id()).start(() -> pickUp(bridge.id(), members, current));
    }

    /**
     * The caller is the party created first: by creation time, and within one millisecond (Dial on a busy Asterisk)
     * by the sequence number of Asterisk's uniqueid ({@code EPOCH.SEQ}), compared as a number ("x.10" after "x.9").
     */
    static final Comparator<AriChannel> CREATION_ORDER = Comparator.comparing(AriChannel::created)
            .thenComparingLong(c -> uniqueidSequence(c.id())).thenComparing(AriChannel::id);

    /** The {@code SEQ} of a uniqueid {@code EPOCH.SEQ}, or {@link Long#MAX_VALUE} for another kind of id. */
    static long uniqueidSequence(String id) {
        int dot = id.lastIndexOf('.');
        try {
            return dot < 0 ? Long.MAX_VALUE : Long.parseLong(id.substring(dot + 1));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** @param moving parties of {@code members} transcribed in another call now: they move to the new one */
    private void pickUp(String bridgeId, List<String> members, List<AriParty> moving) {
        try {
            List<AriChannel> chans = new ArrayList<>();
            for (String id : members) {
                AriChannel seen = known.get(id); // from the events: no request
                Optional<AriChannel> c = seen != null ? Optional.of(seen) : ari.channel(id);
                if (c.isEmpty()) {
                    return; // hung up meanwhile
                }
                chans.add(c.get());
            }
            if (chans.stream().anyMatch(c -> c.name().startsWith("Snoop/"))) {
                // Another ARI application's snoop bridged with its media channel (e.g. a second callscribe with its own
                // --ari-app on this Asterisk): not a call.
                lock.lock();
                try {
                    members.forEach(m -> skipped.put(m, "a snoop channel's bridge"));
                } finally {
                    lock.unlock();
                }
                log.debug("bridge {}: holds a snoop channel of another application; not a call", bridgeId);
                return;
            }
            chans.sort(CREATION_ORDER);
            AriChannel caller = chans.get(0);
            AriChannel callee = chans.get(1);
            // Every variable at once: one round trip instead of one per variable.
            Lookups lookups = new Lookups();
            var switchCaller = lookups.variable(caller.id(), AriCallFilter.VARIABLE);
            var switchCallee = lookups.variable(callee.id(), AriCallFilter.VARIABLE);
            var linked = lookups.variable(caller.id(), "CHANNEL(linkedid)");
            List<Map<String, java.util.concurrent.Future<Optional<String>>>> wanted = new ArrayList<>();
            for (AriChannel c : List.of(caller, callee)) {
                Map<String, java.util.concurrent.Future<Optional<String>>> m = new LinkedHashMap<>();
                for (String v : settings.variables()) {
                    m.put(v, lookups.variable(c.id(), v));
                }
                wanted.add(m);
            }
            List<Optional<String>> switches = List.of(Lookups.get(switchCaller), Lookups.get(switchCallee));
            Optional<String> why = settings.filter().reject(caller, callee, switches);
            if (why.isPresent()) {
                lock.lock();
                try {
                    skipped.put(caller.id(), why.get());
                    skipped.put(callee.id(), why.get());
                } finally {
                    lock.unlock();
                }
                log.info("bridge {} ({} <-> {}): not transcribed, {}", bridgeId, caller.name(), callee.name(), why.get());
                return;
            }
            String linkedid = Lookups.get(linked).orElse(caller.id());
            List<CallParty> infos = List.of(
                    describe(caller, linkedid, settings.roles().get(0), caller, Lookups.values(wanted.get(0))),
                    describe(callee, linkedid, settings.roles().get(1), caller, Lookups.values(wanted.get(1))));
            infos = distinctSpeakers(infos);
            startCall(linkedid, bridgeId, List.of(caller, callee), infos, moving);
        } catch (AriException e) {
            log.warn("bridge {}: cannot look at its parties: {}", bridgeId, e.getMessage());
        } finally {
            lock.lock();
            try {
                members.forEach(pending::remove);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The variable requests of one pick-up, each on a virtual thread of its own, all in flight at once. */
    private final class Lookups {
        java.util.concurrent.Future<Optional<String>> variable(String channelId, String name) {
            java.util.concurrent.FutureTask<Optional<String>> task =
                    new java.util.concurrent.FutureTask<>(() -> ari.variable(channelId, name));
            Thread.ofVirtual().name("ari-var-" + channelId).start(task);
            return task;
        }

        static <T> T get(java.util.concurrent.Future<T> f) throws AriException {
            try {
                return f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof AriException a) {
                    throw a;
                }
                throw new AriException("ARI variable request failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AriException("ARI variable request: interrupted", e);
            }
        }

        static Map<String, String> values(Map<String, java.util.concurrent.Future<Optional<String>>> m) throws AriException {
            Map<String, String> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                get(e.getValue()).ifPresent(v -> out.put(e.getKey(), v));
            }
            return out;
        }
    }

    private CallParty describe(AriChannel c, String linkedid, String role, AriChannel caller, Map<String, String> vars) {
        // The callee's own number: what the caller's connected line says after answer, else what it dialled. A connected
        // line naming the caller itself (two channels an ARI application originated and bridged) says nothing of it.
        boolean connectedIsCaller = caller.connectedNumber().equals(caller.callerNumber())
                && caller.connectedName().equals(caller.callerName());
        String connectedNumber = connectedIsCaller ? "" : caller.connectedNumber();
        String connectedName = connectedIsCaller ? "" : caller.connectedName();
        String number = c == caller ? c.callerNumber() : firstNonEmpty(connectedNumber, c.callerNumber().equals(caller.callerNumber()) ? "" : c.callerNumber());
        String name = c == caller ? c.callerName() : firstNonEmpty(connectedName, c.callerName().equals(caller.callerName()) ? "" : c.callerName());
        String dialed = c == caller ? c.exten() : firstNonEmpty(c.exten(), caller.exten());
        String speaker = settings.speakerFromCallerId() ? firstNonEmpty(name, number, role) : role;
        return new CallParty(speaker, role, c.name(), c.id(), linkedid, number, name,
                c.connectedNumber(), c.connectedName(), dialed, c.context(), vars);
    }

    private static List<CallParty> distinctSpeakers(List<CallParty> p) {
        if (!p.get(0).speaker().equals(p.get(1).speaker())) {
            return p;
        }
        List<CallParty> out = new ArrayList<>();
        for (CallParty c : p) {
            out.add(new CallParty(c.speaker() + " (" + c.role() + ")", c.role(), c.channel(), c.uniqueid(), c.linkedid(),
                    c.callerNumber(), c.callerName(), c.connectedNumber(), c.connectedName(), c.dialedExten(),
                    c.context(), c.variables()));
        }
        return out;
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "";
    }

    private void startCall(String linkedid, String bridgeId, List<AriChannel> chans, List<CallParty> infos,
                           List<AriParty> moving) {
        if (alreadyTaken(chans, moving)) {
            return;
        }
        // A pair with a party moving from another call (a transfer) continues a call already counted; any other needs a place.
        boolean placeHeld = moving.isEmpty();
        if (placeHeld && !reservePlace()) {
            refuseOverLimit(bridgeId, chans);
            return;
        }
        try {
            String callId = callIds.allocate(linkedid); // outside our lock: the allocator asks the call manager
            List<AriParty> created = new ArrayList<>();
            lock.lock();
            try {
                if (closed || chans.stream().map(c -> parties.get(c.id()))
                        .anyMatch(p -> p != null && !p.isEnded() && !moving.contains(p))) {
                    return;
                }
                for (int i = 0; i < 2; i++) {
                    AriParty p = new AriParty(callId, chans.get(i), bridgeId, infos.get(i), ari, settings.transport(),
                            settings.audioSocketHost(), settings.rtpHost(), settings.buffer(), websocket, this::forget);
                    created.add(p);
                }
                for (AriParty p : created) {
                    parties.put(p.channel.id(), p);
                    ownChannels.put(p.snoopId, p);
                    ownChannels.put(p.mediaChannelId, p);
                    media.put(p.mediaId, p);
                }
                if (placeHeld) {
                    reserved--; // its parties count it from now on
                    placeHeld = false;
                }
            } finally {
                lock.unlock();
            }
            begin(callId, bridgeId, created, infos, moving);
        } finally {
            if (placeHeld) {
                lock.lock();
                try {
                    reserved--;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Under {@code maxCalls}: holds a place for a new call (true); at the limit: false. */
    private boolean reservePlace() {
        lock.lock();
        try {
            if (liveCalls() + reserved >= settings.maxCalls()) {
                return false;
            }
            reserved++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Calls with a party being transcribed (under the lock). */
    private long liveCalls() {
        return parties.values().stream().filter(p -> !p.isEnded()).map(p -> p.callId).distinct().count();
    }

    /**
     * A new pair beyond {@code maxCalls}: not transcribed at all, and not later either (remembered like a filtered call
     * until its channels hang up), no snoop made; one log line.
     */
    private void refuseOverLimit(String bridgeId, List<AriChannel> chans) {
        String why = "over the limit of " + settings.maxCalls() + " calls at once (--ari-max-calls)";
        lock.lock();
        try {
            chans.forEach(c -> skipped.put(c.id(), why));
        } finally {
            lock.unlock();
        }
        log.warn("bridge {} ({} <-> {}): not transcribed: {} calls are being transcribed, the limit (--ari-max-calls)",
                bridgeId, chans.get(0).name(), chans.get(1).name(), settings.maxCalls());
    }

    /** Starts the session of a call whose parties are registered, then sets each party up on a thread of its own. */
    private void begin(String callId, String bridgeId, List<AriParty> created, List<CallParty> infos, List<AriParty> moving) {
        List<CallSession.Leg> legs = created.stream().map(p -> new CallSession.Leg(p.info.speaker(), p.audio)).toList();
        Optional<CallSession> session = closed ? Optional.empty() : calls.start(callId, legs, infos);
        if (session.isEmpty()) {
            unregister(created);
            lock.lock();
            try {
                moving.stream().filter(m -> !m.isEnded()).forEach(m -> parties.putIfAbsent(m.channel.id(), m));
            } finally {
                lock.unlock();
            }
            log.warn("bridge {}: call {} not started", bridgeId, callId);
            return;
        }
        log.info("call {}: {} <-> {} (bridge {})", callId, infos.get(0).speaker(), infos.get(1).speaker(), bridgeId);
        for (AriParty p : created) {
            // Make before break: a party moving from another call keeps its old snoop until the new one has
            // delivered audio, so that no word is lost in between (the words of that moment are in both calls).
            Optional<AriParty> old = moving.stream().filter(m -> m.channel.id().equals(p.channel.id())).findFirst();
            String moved = callId;
            Thread.ofVirtual().name("ari-setup-" + p.mediaId).start(() -> {
                p.setUp();
                old.ifPresent(o -> {
                    try {
                        if (!p.isEnded() && !p.awaitAudio(AriParty.HANDOVER_OVERLAP_SECONDS, AriParty.HANDOVER_PATIENCE_MS)
                                && !p.isEnded()) {
                            log.warn("call {}, {}: no audio on its new stream within {} ms; ending its stream in call {} anyway",
                                    moved, p.info.speaker(), AriParty.HANDOVER_PATIENCE_MS, o.callId);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        o.end("moved to call " + moved);
                    }
                });
            });
        }
    }

    /** Whether a channel of the pair is transcribed already, other than by a party moving to this pair's call. */
    private boolean alreadyTaken(List<AriChannel> chans, List<AriParty> moving) {
        lock.lock();
        try {
            return closed || chans.stream().map(c -> parties.get(c.id()))
                    .anyMatch(p -> p != null && !p.isEnded() && !moving.contains(p));
        } finally {
            lock.unlock();
        }
    }

    private void unregister(List<AriParty> ps) {
        lock.lock();
        try {
            for (AriParty p : ps) {
                parties.remove(p.channel.id(), p);
                ownChannels.remove(p.snoopId, p);
                ownChannels.remove(p.mediaChannelId, p);
                if (media.remove(p.mediaId, p)) {
                    retired.put(p.mediaId, Boolean.TRUE);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Called by each party when its Asterisk side is gone. */
    private void forget(AriParty p) {
        unregister(List.of(p));
    }

    /** After (re)connecting: drop leftovers, end parties that went away, pick up bridges that are up. */
    private void reconcile() {
        List<AriChannel> channels;
        List<AriBridge> bridges;
        try {
            channels = ari.channels();
            bridges = ari.bridges();
        } catch (AriException e) {
            log.warn("ARI: cannot list calls in progress: {}", e.getMessage());
            return;
        }
        Set<String> alive = new HashSet<>();
        channels.forEach(c -> alive.add(c.id()));
        known.keySet().retainAll(alive);
        channels.stream().filter(c -> !ours(c.id())).forEach(c -> known.put(c.id(), c));
        List<AriParty> gone = new ArrayList<>();
        Set<String> mine = new HashSet<>();
        lock.lock();
        try {
            for (AriParty p : parties.values()) {
                mine.add(p.snoopId);
                mine.add(p.mediaChannelId);
                mine.add(p.bridgeId);
                if (!alive.contains(p.channel.id())) {
                    gone.add(p);
                }
            }
        } finally {
            lock.unlock();
        }
        gone.forEach(p -> p.end("channel gone while ARI was disconnected"));
        int leftovers = 0;
        for (AriChannel c : channels) {
            if (ours(c.id()) && !mine.contains(c.id())) {
                leftovers++;
                try {
                    ari.hangup(c.id());
                } catch (AriException e) {
                    log.warn("ARI: cannot hang up leftover channel {}: {}", c.id(), e.getMessage());
                }
            }
        }
        for (AriBridge b : bridges) {
            if (ours(b.id()) && !mine.contains(b.id())) {
                leftovers++;
                try {
                    ari.destroyBridge(b.id());
                } catch (AriException e) {
                    log.warn("ARI: cannot destroy leftover bridge {}: {}", b.id(), e.getMessage());
                }
            }
        }
        if (leftovers > 0) {
            log.info("ARI: removed {} channel(s)/bridge(s) left by an earlier run", leftovers);
        }
        int candidates = 0;
        for (AriBridge b : bridges) {
            if (!ours(b.id())) {
                candidates++;
                consider(b);
            }
        }
        log.info("ARI: {} channel(s), {} bridge(s) in progress looked at", channels.size(), candidates);
    }

    /**
     * Stops following events and ends every party (our channels and bridges are removed; audio received
     * is still transcribed by the sessions). Waits up to {@code grace} for the removals.
     */
    public void close(Duration grace) {
        closed = true;
        events.close();
        List<AriParty> all;
        lock.lock();
        try {
            Set<AriParty> every = new java.util.LinkedHashSet<>(parties.values());
            every.addAll(ownChannels.values()); // parties moved out of a call, still being handed over
            all = new ArrayList<>(every);
        } finally {
            lock.unlock();
        }
        all.forEach(p -> p.end("stopped"));
        long deadline = System.nanoTime() + grace.toNanos();
        for (AriParty p : all) {
            try {
                if (!p.awaitTornDown(Math.max(0, (deadline - System.nanoTime()) / 1_000_000))) {
                    log.warn("{}: its channels were not removed within {} ms", p.label(), grace.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (websocket != null) {
            websocket.close();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
