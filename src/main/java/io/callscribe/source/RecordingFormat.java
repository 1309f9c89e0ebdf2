package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.PcmFormat;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a recording file is laid out, decided by its extension the way Asterisk names them:
 * {@code .wav} and {@code .wav16} carry a WAV header (the header decides the format), {@code .sln},
 * {@code .slin}, {@code .raw} are headerless 8 kHz, {@code .sln16} and {@code .slnNN} headerless at NN kHz.
 *
 * @param container   whether a WAV header precedes the audio
 * @param rawFormat   the format of headerless audio; for WAV the format the extension suggests (header wins)
 */
public record RecordingFormat(Container container, PcmFormat rawFormat) {

    public enum Container { WAV, HEADERLESS }

    private static final Pattern SLN_RATE = Pattern.compile("(?:sln|slin)(\\d{2,3})");
    private static final String SUPPORTED = ".wav, .wav16, .sln, .slin, .raw, .sln16, .sln12 ... .sln192";

    /**
     * Decides the layout of {@code file} from its extension.
     *
     * @param rateOverride sample rate to use for headerless audio instead of the one the name implies (0 = none);
     *                     WAV files always take the rate from their header
     * @param channels     channels of headerless audio: 2 for MixMonitor's D option (.raw), otherwise 1
     * @throws AudioFormatException for compressed or unknown extensions, naming the file
     */
    public static RecordingFormat forFile(Path file, int rateOverride, int channels) throws AudioFormatException {
        String ext = extension(file);
        if (channels < 1 || channels > 2) {
            throw new AudioFormatException(file + ": " + channels + " channels requested; mono or 2-channel only");
        }
        int rate;
        Container container = Container.HEADERLESS;
        switch (ext) {
            case "wav" -> { container = Container.WAV; rate = 8000; }
            case "wav16" -> { container = Container.WAV; rate = 16000; }
            case "sln", "slin", "raw" -> rate = 8000;
            case "gsm", "wav49", "ulaw", "ul", "pcm", "alaw", "al", "g722", "g729", "g723", "g726", "ilbc",
                 "speex", "ogg", "h263", "h264" -> throw new AudioFormatException(file
                    + ": recording format '." + ext + "' is compressed and not supported; record as wav/wav16/sln");
            default -> {
                Matcher m = SLN_RATE.matcher(ext);
                if (!m.matches()) {
                    throw new AudioFormatException(file + ": unknown recording extension '"
                            + (ext.isEmpty() ? "(none)" : "." + ext) + "'; expected " + SUPPORTED);
                }
                rate = slnRate(file, Integer.parseInt(m.group(1)));
            }
        }
        if (container == Container.HEADERLESS && rateOverride > 0) {
            rate = rateOverride;
        }
        if (container == Container.WAV && channels != 1) {
            channels = 1; // the WAV header decides; the channel option is for headerless .raw only
        }
        try {
            return new RecordingFormat(container, new PcmFormat(rate, channels));
        } catch (IllegalArgumentException e) {
            throw new AudioFormatException(file + ": " + e.getMessage());
        }
    }

    /**
     * Whether {@code file} is a recording this class can read (its extension is one of {@value #SUPPORTED}):
     * the one list the spool watcher and {@code transcribe} share.
     */
    public static boolean isRecording(Path file) {
        try {
            forFile(file, 0, 1);
            return true;
        } catch (AudioFormatException e) {
            return false;
        }
    }

    /** Asterisk's slin rate suffixes are kHz; 44 means 44.1 kHz. */
    private static int slnRate(Path file, int khz) throws AudioFormatException {
        return switch (khz) {
            case 12, 16, 24, 32, 48, 96, 192 -> khz * 1000;
            case 44 -> 44_100;
            default -> throw new AudioFormatException(file + ": '.sln" + khz + "' is not an Asterisk slin rate; expected "
                    + "sln12, sln16, sln24, sln32, sln44, sln48, sln96 or sln192");
        };
    }

    public boolean hasHeader() {
        return container == Container.WAV;
    }

    /** The file name's extension in lower case, without the dot ("" when there is none): what decides the layout. */
    public static String extension(Path file) {
        String name = fileName(file);
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The file name without its extension: the call id MixMonitor gave the recording. */
    public static String baseName(Path file) {
        String name = fileName(file);
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    private static String fileName(Path file) {
        return file.getFileName() == null ? file.toString() : file.getFileName().toString();
    }
}
