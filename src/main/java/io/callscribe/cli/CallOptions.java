package io.callscribe.cli;

import io.callscribe.session.KeptAudio;
import io.callscribe.session.SessionSettings;
import picocli.CommandLine.Mixin;

/**
 * What every command that transcribes calls shares ({@code transcribe}, {@code run}, {@code demo}): which recogniser,
 * how audio is streamed to it, where transcripts go.
 */
final class CallOptions {

    @Mixin EngineOptions engine = new EngineOptions();
    @Mixin StreamingOptions streaming = new StreamingOptions();
    @Mixin OutputOptions output = new OutputOptions();

    /** How each call streams; a failed call keeps its audio in the output directory as {@code --keep-failed-audio} says. */
    SessionSettings session(boolean realTime) {
        return session(realTime, KeptAudio.OFF);
    }

    /** Like {@link #session(boolean)}, each live leg keeping its audio as {@code keptAudio} says ({@code run --keep-audio}). */
    SessionSettings session(boolean realTime, KeptAudio keptAudio) {
        return streaming.settings(realTime, output.failedAudio(), keptAudio);
    }
}
