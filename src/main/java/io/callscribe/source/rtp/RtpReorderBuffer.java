package io.callscribe.source.rtp;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Puts RTP payloads back in sequence order and fills lost packets with silence, holding a packet that
 * arrived early for at most {@code maxHoldNanos} (60 ms by default) while it waits for the ones before it.
 * Duplicates and packets that arrive after their place was played (or filled) are dropped and counted.
 * Payloads are big-endian 16-bit samples (slin over RTP); output is little-endian PCM.
 * Not thread-safe: one receiver thread owns it.
 */
public final class RtpReorderBuffer {

    /** Longest silence one gap may insert (a sequence jump beyond this is a new stream, not a loss). */
    static final int MAX_GAP_PACKETS = 50;

    private record Held(byte[] payload, long arrivedNanos) {
    }

    private final long maxHoldNanos;
    private final TreeMap<Long, Held> held = new TreeMap<>();
    private long next = -1; // extended sequence number of the next packet to play
    private long ssrc = -1;
    private int lastPayloadLength = 640;
    private long duplicates;
    private long late;
    private long lostPackets;

    public RtpReorderBuffer(long maxHoldNanos) {
        this.maxHoldNanos = maxHoldNanos;
    }

    public static RtpReorderBuffer defaults() {
        return new RtpReorderBuffer(60_000_000L);
    }

    /** Takes a packet that arrived at {@code nowNanos}; returns the PCM that can be played now, in order. */
    public List<byte[]> offer(RtpPacket p, long nowNanos) {
        List<byte[]> out = new ArrayList<>();
        if (ssrc != -1 && p.ssrc() != ssrc) {
            flush(out); // a new stream from Asterisk: play what the old one left, then start over
            next = -1;
        }
        ssrc = p.ssrc();
        long ext = extend(p.sequence());
        if (next == -1) {
            next = ext;
        } else if (ext < next) {
            late++; // its place was played or filled with silence already
            return release(out, nowNanos);
        }
        if (held.containsKey(ext)) {
            duplicates++;
        } else {
            held.put(ext, new Held(p.payload(), nowNanos));
        }
        return release(out, nowNanos);
    }

    /** Plays held packets whose wait is over (call it when no packet came for a while). */
    public List<byte[]> poll(long nowNanos) {
        return release(new ArrayList<>(), nowNanos);
    }

    /** End of stream: everything held is played, gaps filled. */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        flush(out);
        return out;
    }

    public long duplicates() {
        return duplicates;
    }

    public long late() {
        return late;
    }

    /** Packets never received, replaced by silence. */
    public long lostPackets() {
        return lostPackets;
    }

    private List<byte[]> release(List<byte[]> out, long nowNanos) {
        while (!held.isEmpty()) {
            Long first = held.firstKey();
            if (first == next) {
                play(out, held.pollFirstEntry().getValue().payload());
                continue;
            }
            // A gap before the first held packet: wait for it, but no longer than the hold bound.
            long oldestArrival = held.values().stream().mapToLong(Held::arrivedNanos).min().orElse(nowNanos);
            if (nowNanos - oldestArrival < maxHoldNanos) {
                break;
            }
            fillGap(out, first);
        }
        return out;
    }

    private void flush(List<byte[]> out) {
        while (!held.isEmpty()) {
            Long first = held.firstKey();
            if (first != next) {
                fillGap(out, first);
            }
            play(out, held.pollFirstEntry().getValue().payload());
        }
    }

    private void fillGap(List<byte[]> out, long upTo) {
        long missing = upTo - next;
        lostPackets += missing;
        if (missing <= MAX_GAP_PACKETS) {
            for (long i = 0; i < missing; i++) {
                out.add(new byte[lastPayloadLength]);
            }
        }
        next = upTo;
    }

    private void play(List<byte[]> out, byte[] bigEndian) {
        byte[] le = new byte[bigEndian.length & ~1];
        for (int i = 0; i + 1 < bigEndian.length; i += 2) {
            le[i] = bigEndian[i + 1];
            le[i + 1] = bigEndian[i];
        }
        if (le.length > 0) {
            lastPayloadLength = le.length;
        }
        out.add(le);
        next++;
    }

    /** The 16-bit sequence number as a position in the stream, the nearest to {@code next} (wrap-around). */
    private long extend(int sequence) {
        if (next == -1) {
            return sequence + 65536L; // room below, so that an earlier packet still compares as earlier
        }
        int delta = (short) (sequence - (int) (next & 0xFFFF));
        return next + delta;
    }
}
