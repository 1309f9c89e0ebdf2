package io.callscribe.testing;

import io.callscribe.asr.Recognizer;
import io.callscribe.session.CallSession;
import io.callscribe.session.SessionSettings;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.AudioSource;

import java.util.List;

/**
 * Test support: a call of one leg without a speaker name, through {@link CallSession}'s constructor, as
 * {@code callscribe transcribe} builds a mono recording's call.
 */
public final class SingleLegCall {

    private SingleLegCall() {
    }

    public static CallSession of(String callId, AudioSource source, Recognizer recognizer, SessionSettings settings,
                                 TranscriptSink sink) {
        return new CallSession(callId, List.of(new CallSession.Leg(null, source)), recognizer, settings, sink);
    }
}
