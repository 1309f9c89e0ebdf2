package io.callscribe.source.websocket;

import java.util.Objects;

/**
 * One text command the application sends to chan_websocket (callscribe -> Asterisk); at most
 * {@link MediaControlCodec#MAX_COMMAND_BYTES} bytes on the wire. Encode with {@link MediaControlCodec#encode}.
 */
public sealed interface MediaCommand {

    /** The command name as on the wire. */
    default String command() {
        return switch (this) {
            case Plain p -> p.name();
            case StopMediaBuffering c -> "STOP_MEDIA_BUFFERING";
            case MarkMedia c -> "MARK_MEDIA";
            case SetMediaDirection c -> "SET_MEDIA_DIRECTION";
        };
    }

    /** The commands without arguments. */
    enum Plain implements MediaCommand {
        /** Answers a channel dialled with the {@code n} option (no auto-answer). */
        ANSWER,
        /** Hangs up the WebSocket channel (as a close frame does). */
        HANGUP,
        START_MEDIA_BUFFERING,
        FLUSH_MEDIA,
        /** Ask for one QUEUE_DRAINED when the queue of media from the application empties. */
        REPORT_QUEUE_DRAINED,
        /** Ask for a STATUS event. */
        GET_STATUS,
        PAUSE_MEDIA,
        CONTINUE_MEDIA
    }

    /** Ends bulk media; Asterisk answers MEDIA_BUFFERING_COMPLETED with the id (null: none). */
    record StopMediaBuffering(String correlationId) implements MediaCommand {
    }

    /** Marks a point in the media sent; Asterisk answers MEDIA_MARK_PROCESSED with the id (null: none). */
    record MarkMedia(String correlationId) implements MediaCommand {
    }

    /** Changes the media direction mid-call. Asterisk accepts it in the JSON control format only. */
    record SetMediaDirection(MediaDirection direction) implements MediaCommand {
        public SetMediaDirection {
            Objects.requireNonNull(direction, "direction");
        }
    }
}
