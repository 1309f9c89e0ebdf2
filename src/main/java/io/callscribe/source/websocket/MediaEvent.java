package io.callscribe.source.websocket;

import java.util.Map;
import java.util.Objects;

/**
 * One text control message chan_websocket sends to the application (Asterisk -> callscribe). Binary messages are
 * audio and never appear here. A {@code channelId} is the WebSocket channel's uniqueid; Asterisk puts it in every
 * JSON event but leaves it out of some plain-text ones (null there).
 */
public sealed interface MediaEvent {

    /** The event name as on the wire, e.g. {@code MEDIA_START}. */
    String name();

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

        public String name() {
            return "MEDIA_START";
        }
    }

    /** Asterisk's queue of media from the application is nearly full (900 frames): pause sending. */
    record MediaXoff(String channelId) implements MediaEvent {
        public String name() {
            return "MEDIA_XOFF";
        }
    }

    /** The queue has drained below 800 frames: sending may resume. */
    record MediaXon(String channelId) implements MediaEvent {
        public String name() {
            return "MEDIA_XON";
        }
    }

    /** Answers STOP_MEDIA_BUFFERING once the buffered media was played; {@code correlationId} may be null. */
    record MediaBufferingCompleted(String channelId, String correlationId) implements MediaEvent {
        public String name() {
            return "MEDIA_BUFFERING_COMPLETED";
        }
    }

    /** Answers MARK_MEDIA when playback reaches the mark; {@code correlationId} may be null. */
    record MediaMarkProcessed(String channelId, String correlationId) implements MediaEvent {
        public String name() {
            return "MEDIA_MARK_PROCESSED";
        }
    }

    /** Answers REPORT_QUEUE_DRAINED when the queue of media from the application is empty. */
    record QueueDrained(String channelId) implements MediaEvent {
        public String name() {
            return "QUEUE_DRAINED";
        }
    }

    /** The caller pressed {@code digit} (0-9, *, #, A-D). */
    record DtmfEnd(String channelId, char digit) implements MediaEvent {
        public String name() {
            return "DTMF_END";
        }
    }

    /** Answers GET_STATUS. */
    record Status(String channelId, int queueLength, int xonLevel, int xoffLevel, boolean queueFull,
                  boolean bulkMedia, boolean mediaPaused) implements MediaEvent {
        public String name() {
            return "STATUS";
        }
    }

    /** Asterisk refused a command, e.g. {@code SET_MEDIA_DIRECTION only supports JSON format.} */
    record Error(String channelId, String errorText) implements MediaEvent {
        public String name() {
            return "ERROR";
        }
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
