package io.callscribe.service;

import io.callscribe.audio.WavHeader;
import io.callscribe.audio.WavHeaderParser;
import io.callscribe.session.CallSession;
import io.callscribe.source.AudioSource;
import io.callscribe.source.ChannelSplitter;
import io.callscribe.source.RecordingFormat;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Opens spool recordings with a {@link RecordingTailer}; a 2-channel {@code .raw} (MixMonitor's
 * {@code D} option) becomes two legs, one per channel.
 *
 * @param rawChannels    channels of {@code .raw} files (1, or 2 for the D option)
 * @param stereoSpeakers speaker names of the two channels
 */
public record TailingRecordingOpener(TailOptions tail, int rawChannels, List<String> stereoSpeakers)
        implements RecordingOpener {

    @Override
    public List<CallSession.Leg> open(Path file, String speaker) throws IOException {
        int channels = RecordingFormat.extension(file).equals("raw") ? rawChannels : 1;
        return legsOf(RecordingTailer.open(file, 0, channels, tail), channels, stereoSpeakers, speaker);
    }

    /**
     * One leg for a mono source; for a 2-channel source one leg per channel, named {@code speakers}
     * (prefixed with {@code speaker} when the file itself names one).
     */
    public static List<CallSession.Leg> legsOf(AudioSource source, int channels, List<String> speakers, String speaker) {
        if (channels == 1) {
            return List.of(new CallSession.Leg(speaker, source));
        }
        if (speakers.size() != 2) {
            throw new IllegalArgumentException("a 2-channel recording needs two speaker names, got " + speakers);
        }
        ChannelSplitter split = new ChannelSplitter(source);
        String prefix = speaker == null ? "" : speaker + "-";
        return List.of(new CallSession.Leg(prefix + speakers.get(0), split.left()),
                new CallSession.Leg(prefix + speakers.get(1), split.right()));
    }

    @Override
    public boolean finished(Path file) throws IOException {
        if (RecordingFormat.forFile(file, 0, 1).container() == RecordingFormat.Container.WAV) {
            byte[] head = new byte[4096];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            WavHeader header = WavHeaderParser.tryParse(file.toString(), head, n);
            if (header != null && header.finalised()) {
                return true;
            }
        }
        // Still open in MixMonitor, or headerless: it is finished when it no longer grows.
        Instant modified = Files.getLastModifiedTime(file).toInstant();
        return modified.plus(tail.idleTimeout()).isBefore(Instant.now());
    }
}
