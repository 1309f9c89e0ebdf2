package io.callscribe.session;

import io.callscribe.event.TranscriptEvent;

import java.util.List;

/**
 * Test audio whose content says where it is: every sample of block {@code k} (a block is one scripted
 * word) holds the value {@code k + 1}. A recogniser double that names words after their audio
 * ({@code ScriptedVoskServer#namesFromAudio}) then gives the same words for replayed audio, so a
 * transcript after faults can be compared with a clean run.
 */
final class PositionalAudio {

    private PositionalAudio() {
    }

    static byte[] blocks(int count, int blockBytes) {
        byte[] pcm = new byte[count * blockBytes];
        for (int k = 0; k < count; k++) {
            int v = k + 1;
            for (int i = k * blockBytes; i < (k + 1) * blockBytes; i += 2) {
                pcm[i] = (byte) v;
                pcm[i + 1] = (byte) (v >> 8);
            }
        }
        return pcm;
    }

    /** The finals of one call as {@code text [start-end]} lines, in order: what must not change under faults. */
    static List<String> finals(List<TranscriptEvent> events, String callId) {
        return events.stream()
                .filter(e -> e instanceof TranscriptEvent.Final && e.call().equals(callId))
                .map(e -> (TranscriptEvent.Final) e)
                .map(f -> f.text() + " [" + String.format("%.3f-%.3f", f.start(), f.end()) + "]")
                .toList();
    }
}
