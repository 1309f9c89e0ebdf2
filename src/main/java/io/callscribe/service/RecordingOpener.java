package io.callscribe.service;

import io.callscribe.session.CallSession;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Turns a recording file into the call legs that follow it (one, or two for a 2-channel file). */
public interface RecordingOpener {

    /** @param speaker the leg's label from the file name pattern, or null for a plain recording */
    List<CallSession.Leg> open(Path file, String speaker) throws IOException;

    /** True when the recording is already complete (MixMonitor filled in the header, or it stopped growing). */
    boolean finished(Path file) throws IOException;
}
