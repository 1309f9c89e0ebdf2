package io.callscribe.source.websocket;

import java.util.Map;
import java.util.Objects;

/**
 * One text control message chan_websocket sends to the application (Asterisk -> callscribe). Binary messages are
 * audio and never appear here. A {@code channelId} is the WebSocket channel's uniqueid; Asterisk puts it in every
 * JSON event but leaves it out of some plain-text ones (null there).
 */
public sealed interface MediaEvent {

    /** The event name as on the wire, e.g. {@code MEDIA_START}; an {@link Unknown} event's as it was sent. */
    default String name() {
        return switch (this) {
            case MediaStart e -> "MEDIA_START";
            case MediaXoff e -> "MEDIA_XOFF";
            case MediaXon e -> "MEDIA_XON";
            case MediaBufferingCompleted e -> "MEDIA_BUFFERING_COMPLETED";
            case MediaMarkProcessed e -> "MEDIA_MARK_PROCESSED";
            case QueueDrained e -> "QUEUE_DRAINED";
            case DtmfEnd e -> "DTMF_END";
            case Status e -> "STATUS";
            case Error e -> "ERROR";
            case Unknown u -> u.name();
        };
    }

    /**
     * The first message of every connection: what the channel is and how its audio is framed.
     *
     * @param connectionId     websocket_client.conf connection id (Asterisk dials out) or the generated id of
     *                         {@code /media/<id>} (the application connects)
     * @param channel          channel name, e.g. {@code WebSocket/callscribe/0x7f...}
     * @param channelId        the WebSocket channel's uniqueid
     * @param format           Asterisk format name of the binary frames, e.g. {@code slin16}, {@code ulaw}
     * @param optimalFrameSize bytes per {@code ptime} of audio in that format (640 for slin16 at 20 ms)
     * @param ptime            milliseconds per frame
     * @param channelVariables the channel's variables (JSON format only; empty in plain text)
     */
    record MediaStart(String connectionId, String channel, String channelId, String format, int optimalFrameSize,
                      int ptime, Map<String, String> channelVariables) implements MediaEvent {
        public MediaStart {
            Objects.requireNonNull(connectionId, "connectionId");
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(channelId, "channelId");
            Objects.requireNonNull(format, "format");
            channelVariables = Map.copyOf(channelVariables);
        }
    }

    /** Asterisk's queue of media from the application is nearly full (900 frames): pause sending. */
    record MediaXoff(String channelId) implements MediaEvent {
    }

    /** The queue has drained below 800 frames: sending may resume. */
    record MediaXon(String channelId) implements MediaEvent {
    }

    /** Answers STOP_MEDIA_BUFFERING once the buffered media was played; {@code correlationId} may be null. */
    record MediaBufferingCompleted(String channelId, String correlationId) implements MediaEvent {
    }

    /** Answers MARK_MEDIA when playback reaches the mark; {@code correlationId} may be null. */
    record MediaMarkProcessed(String channelId, String correlationId) implements MediaEvent {
    }

    /** Answers REPORT_QUEUE_DRAINED when the queue of media from the application is empty. */
    record QueueDrained(String channelId) implements MediaEvent {
    }

    /** The caller pressed {@code digit} (0-9, *, #, A-D). */
    record DtmfEnd(String channelId, char digit) implements MediaEvent {
    }

    /** Answers GET_STATUS. */
    record Status(String channelId, int queueLength, int xonLevel, int xoffLevel, boolean queueFull,
                  boolean bulkMedia, boolean mediaPaused) implements MediaEvent {
    }

    /** Asterisk refused a command, e.g. {@code SET_MEDIA_DIRECTION only supports JSON format.} */
    record Error(String channelId, String errorText) implements MediaEvent {
    }

    /**
     * An event this codec does not know (a newer Asterisk): kept, logged once per name, never fatal.
     *
     * @param name the event name as sent
     * @param text the whole message
     */
    record Unknown(String name, String text) implements MediaEvent {
    }
}
