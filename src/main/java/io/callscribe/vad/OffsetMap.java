package io.callscribe.vad;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where the audio a gate sent sits in the call. The recogniser hears the sent stretches back to back ("stream" bytes);
 * each stretch starts with an entry {@code stream offset -> call offset}, and inside a stretch the two advance
 * together. So a stream time maps to a call time by adding the shift of the stretch it falls in: exact, no rounding.
 *
 * <p>An instant on the seam between two stretches belongs to both: a start maps with the later stretch (where the
 * word begins), an end with the earlier one (where the word ended), so a word never spans a dropped silence.
 *
 * <p>Thread contract: one thread adds (the sender), any thread maps (the result thread).
 */
final class OffsetMap {

    private final ConcurrentSkipListMap<Long, Long> stretches = new ConcurrentSkipListMap<>();
    private final int bytesPerSecond;

    OffsetMap(int sampleRate) {
        this.bytesPerSecond = 2 * sampleRate;
        stretches.put(0L, 0L);
    }

    /** A new stretch: stream byte {@code streamOffset} is call byte {@code callOffset}. Offsets only grow. */
    void add(long streamOffset, long callOffset) {
        Map.Entry<Long, Long> last = stretches.lastEntry();
        if (streamOffset < last.getKey() || callOffset - streamOffset < last.getValue() - last.getKey()) {
            throw new IllegalStateException("offset map must grow: " + streamOffset + " -> " + callOffset
                    + " after " + last.getKey() + " -> " + last.getValue());
        }
        if (callOffset - streamOffset == last.getValue() - last.getKey()) {
            return; // no audio dropped since the last stretch: it just goes on
        }
        stretches.put(streamOffset, callOffset);
    }

    /** Call seconds of the instant {@code streamSeconds} at which something starts. NaN stays NaN. */
    double startToCall(double streamSeconds) {
        if (Double.isNaN(streamSeconds)) {
            return streamSeconds;
        }
        Map.Entry<Long, Long> e = stretches.floorEntry(toBytes(streamSeconds));
        return streamSeconds + shiftSeconds(e);
    }

    /** Call seconds of the instant {@code streamSeconds} at which something ends. NaN stays NaN. */
    double endToCall(double streamSeconds) {
        if (Double.isNaN(streamSeconds)) {
            return streamSeconds;
        }
        long bytes = toBytes(streamSeconds);
        Map.Entry<Long, Long> e = bytes <= 0 ? stretches.firstEntry() : stretches.lowerEntry(bytes);
        return streamSeconds + shiftSeconds(e);
    }

    /** Call byte of stream byte {@code streamOffset}, taken as an end (the stretch it closes). */
    long endToCall(long streamOffset) {
        Map.Entry<Long, Long> e = streamOffset <= 0 ? stretches.firstEntry() : stretches.lowerEntry(streamOffset);
        return streamOffset + e.getValue() - e.getKey();
    }

    /** Call byte of stream byte {@code streamOffset}, taken as a start (the stretch it opens or lies in). */
    long startToCall(long streamOffset) {
        Map.Entry<Long, Long> e = stretches.floorEntry(Math.max(0, streamOffset));
        return streamOffset + e.getValue() - e.getKey();
    }

    /** Stream byte where the next stretch after the one holding {@code streamOffset} begins; MAX_VALUE if none yet. */
    long nextStretch(long streamOffset) {
        Long next = stretches.higherKey(streamOffset);
        return next == null ? Long.MAX_VALUE : next;
    }

    /** Stretches recorded so far (one per resumption after a dropped silence, plus the start). */
    int size() {
        return stretches.size();
    }

    private double shiftSeconds(Map.Entry<Long, Long> e) {
        return (double) (e.getValue() - e.getKey()) / bytesPerSecond;
    }

    /** The sample an instant falls on, as a byte offset; a hair of tolerance absorbs decimal times like 0.3. */
    private long toBytes(double seconds) {
        return 2 * (long) Math.floor(seconds * (bytesPerSecond / 2) + 1e-6);
    }
}
