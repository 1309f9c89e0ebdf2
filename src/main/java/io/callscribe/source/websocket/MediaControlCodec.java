package io.callscribe.source.websocket;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads chan_websocket's text control messages and writes its commands, in both of Asterisk's formats:
 * plain text ({@code MEDIA_START connection_id:abc channel:WebSocket/x/0x1 ... ptime:20}) and JSON
 * ({@code {"event":"MEDIA_START","connection_id":"abc",...}}); {@link #formatOf} tells which a message uses.
 * Strict: a known event with a missing, repeated or malformed field is a {@link MediaProtocolException} naming the
 * event, the field and the fault. Fields Asterisk may add in later versions are ignored, and an unknown event
 * becomes {@link MediaEvent.Unknown}, not an error. Stateless and thread-safe.
 */
public final class MediaControlCodec {

    /** chan_websocket ignores (with a warning) text messages longer than this. */
    public static final int MAX_COMMAND_BYTES = 128;

    /** Longest control message read: a MEDIA_START in JSON carries all channel variables. */
    public static final int MAX_EVENT_CHARS = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private MediaControlCodec() {
    }

    /** The format a control message is written in: JSON when it starts with '{'. */
    public static ControlFormat formatOf(String text) {
        return text.stripLeading().startsWith("{") ? ControlFormat.JSON : ControlFormat.PLAIN;
    }

    /** Parses one text message from Asterisk. */
    public static MediaEvent parse(String text) throws MediaProtocolException {
        if (text == null || text.isBlank()) {
            throw new MediaProtocolException("empty control message");
        }
        if (text.length() > MAX_EVENT_CHARS) {
            throw new MediaProtocolException("control message of " + text.length() + " characters, more than the "
                    + MAX_EVENT_CHARS + "-character limit (starts '" + excerpt(text) + "')");
        }
        String t = text.strip();
        return formatOf(t) == ControlFormat.JSON ? parseJson(t) : parsePlain(t);
    }

    // ------------------------------------------------------------------ plain text

    private static MediaEvent parsePlain(String t) throws MediaProtocolException {
        int space = t.indexOf(' ');
        String name = space < 0 ? t : t.substring(0, space);
        String rest = space < 0 ? "" : t.substring(space + 1).strip();
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            throw new MediaProtocolException("control message '" + excerpt(t) + "' does not start with an event name");
        }
        return switch (name) {
            case "MEDIA_START" -> {
                Fields f = Fields.plain(name, rest);
                yield new MediaEvent.MediaStart(f.text("connection_id"), f.text("channel"), f.text("channel_id"),
                        f.text("format"), f.count("optimal_frame_size"), f.positive("ptime"), Map.of());
            }
            case "MEDIA_XOFF" -> new MediaEvent.MediaXoff(Fields.plain(name, rest).optionalText("channel_id"));
            case "MEDIA_XON" -> new MediaEvent.MediaXon(Fields.plain(name, rest).optionalText("channel_id"));
            case "QUEUE_DRAINED" -> new MediaEvent.QueueDrained(Fields.plain(name, rest).optionalText("channel_id"));
            // The id is the rest of the line as the application sent it in STOP_MEDIA_BUFFERING / MARK_MEDIA.
            case "MEDIA_BUFFERING_COMPLETED" -> new MediaEvent.MediaBufferingCompleted(null, rest.isEmpty() ? null : rest);
            case "MEDIA_MARK_PROCESSED" -> new MediaEvent.MediaMarkProcessed(null, rest.isEmpty() ? null : rest);
            case "DTMF_END" -> {
                Fields f = Fields.plain(name, rest);
                yield new MediaEvent.DtmfEnd(f.optionalText("channel_id"), f.digit("digit"));
            }
            case "STATUS" -> status(Fields.plain(name, rest));
            case "ERROR" -> {
                // error_text is last and free text (spaces, colons): everything after its key is the value.
                int at = rest.indexOf("error_text:");
                if (at < 0) {
                    throw new MediaProtocolException("ERROR event without error_text: '" + excerpt(t) + "'");
                }
                Fields f = Fields.plain(name, rest.substring(0, at).strip());
                yield new MediaEvent.Error(f.optionalText("channel_id"), rest.substring(at + "error_text:".length()).strip());
            }
            default -> new MediaEvent.Unknown(name, t);
        };
    }

    private static MediaEvent.Status status(Fields f) throws MediaProtocolException {
        return new MediaEvent.Status(f.optionalText("channel_id"), f.count("queue_length"), f.count("xon_level"),
                f.count("xoff_level"), f.bool("queue_full"), f.bool("bulk_media"), f.bool("media_paused"));
    }

    // ------------------------------------------------------------------ JSON

    private static MediaEvent parseJson(String t) throws MediaProtocolException {
        JsonNode root;
        try {
            root = JSON.readTree(t);
        } catch (JsonProcessingException e) {
            throw new MediaProtocolException("control message is not valid JSON (" + e.getOriginalMessage() + "): '"
                    + excerpt(t) + "'");
        }
        if (!(root instanceof ObjectNode object)) {
            throw new MediaProtocolException("JSON control message is not an object: '" + excerpt(t) + "'");
        }
        JsonNode event = object.get("event");
        if (event == null || !event.isTextual() || event.asText().isEmpty()) {
            throw new MediaProtocolException("JSON control message without a string \"event\": '" + excerpt(t) + "'");
        }
        String name = event.asText();
        Fields f = Fields.json(name, object);
        return switch (name) {
            case "MEDIA_START" -> new MediaEvent.MediaStart(f.text("connection_id"), f.text("channel"),
                    f.text("channel_id"), f.text("format"), f.count("optimal_frame_size"), f.positive("ptime"),
                    f.variables("channel_variables"));
            case "MEDIA_XOFF" -> new MediaEvent.MediaXoff(f.optionalText("channel_id"));
            case "MEDIA_XON" -> new MediaEvent.MediaXon(f.optionalText("channel_id"));
            case "QUEUE_DRAINED" -> new MediaEvent.QueueDrained(f.optionalText("channel_id"));
            case "MEDIA_BUFFERING_COMPLETED" -> new MediaEvent.MediaBufferingCompleted(f.optionalText("channel_id"),
                    emptyToNull(f.optionalText("correlation_id")));
            case "MEDIA_MARK_PROCESSED" -> new MediaEvent.MediaMarkProcessed(f.optionalText("channel_id"),
                    emptyToNull(f.optionalText("correlation_id")));
            case "DTMF_END" -> new MediaEvent.DtmfEnd(f.optionalText("channel_id"), f.digit("digit"));
            case "STATUS" -> status(f);
            case "ERROR" -> new MediaEvent.Error(f.optionalText("channel_id"), f.text("error_text").strip());
            default -> new MediaEvent.Unknown(name, t);
        };
    }

    // ------------------------------------------------------------------ commands

    /**
     * The wire text of a command in {@code format}.
     *
     * @throws IllegalArgumentException when Asterisk could not take it: SET_MEDIA_DIRECTION in plain text, an id
     *                                  with a line break, or more than {@link #MAX_COMMAND_BYTES} bytes
     */
    public static String encode(MediaCommand command, ControlFormat format) {
        String text = switch (format) {
            case PLAIN -> switch (command) {
                case MediaCommand.Plain p -> p.command();
                case MediaCommand.StopMediaBuffering s -> withId(s.command(), s.correlationId());
                case MediaCommand.MarkMedia m -> withId(m.command(), m.correlationId());
                case MediaCommand.SetMediaDirection d -> throw new IllegalArgumentException(
                        "SET_MEDIA_DIRECTION exists only in the JSON control format (dial with f(json))");
            };
            case JSON -> {
                ObjectNode o = JSON.createObjectNode().put("command", command.command());
                switch (command) {
                    case MediaCommand.StopMediaBuffering s when s.correlationId() != null ->
                            o.put("correlation_id", checkId(s.correlationId()));
                    case MediaCommand.MarkMedia m when m.correlationId() != null ->
                            o.put("correlation_id", checkId(m.correlationId()));
                    case MediaCommand.SetMediaDirection d -> o.put("direction", d.direction().wire());
                    default -> {
                    }
                }
                yield o.toString();
            }
        };
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_COMMAND_BYTES) {
            throw new IllegalArgumentException(command.command() + " command is " + bytes + " bytes, more than the "
                    + MAX_COMMAND_BYTES + " chan_websocket accepts");
        }
        return text;
    }

    private static String withId(String command, String id) {
        return id == null || id.isEmpty() ? command : command + " " + checkId(id);
    }

    private static String checkId(String id) {
        if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("correlation id must be one line, got '" + excerpt(id) + "'");
        }
        return id;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static String excerpt(String s) {
        String oneLine = s.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= 100 ? oneLine : oneLine.substring(0, 100) + "...";
    }

    /** The fields of one event, from either format, with typed and strict accessors. */
    private abstract static class Fields {
        final String event;

        Fields(String event) {
            this.event = event;
        }

        static Fields plain(String event, String rest) throws MediaProtocolException {
            Map<String, String> values = new HashMap<>();
            for (String token : rest.split(" ")) {
                if (token.isEmpty()) {
                    continue;
                }
                int colon = token.indexOf(':');
                if (colon <= 0) {
                    throw new MediaProtocolException(event + " field '" + excerpt(token) + "' is not key:value");
                }
                String key = token.substring(0, colon);
                if (values.put(key, token.substring(colon + 1)) != null) {
                    throw new MediaProtocolException(event + " repeats field " + key);
                }
            }
            return new Fields(event) {
                @Override
                String raw(String key) {
                    return values.get(key);
                }

                @Override
                Map<String, String> variables(String key) {
                    return Map.of();
                }
            };
        }

        static Fields json(String event, ObjectNode object) {
            return new Fields(event) {
                @Override
                String raw(String key) throws MediaProtocolException {
                    JsonNode n = object.get(key);
                    if (n == null || n.isNull()) {
                        return null;
                    }
                    if (n.isTextual()) {
                        return n.asText();
                    }
                    if (n.isIntegralNumber() || n.isBoolean()) {
                        return n.asText();
                    }
                    throw new MediaProtocolException(event + " field " + key + " is " + n.getNodeType().name().toLowerCase()
                            + " " + excerpt(n.toString()) + ", expected a string, whole number or boolean");
                }

                @Override
                Map<String, String> variables(String key) throws MediaProtocolException {
                    JsonNode n = object.get(key);
                    if (n == null || n.isNull()) {
                        return Map.of();
                    }
                    if (!n.isObject()) {
                        throw new MediaProtocolException(event + " field " + key + " is " + excerpt(n.toString())
                                + ", expected an object of channel variables");
                    }
                    Map<String, String> vars = new LinkedHashMap<>();
                    for (var e : n.properties()) {
                        if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                            throw new MediaProtocolException(event + " channel variable " + e.getKey() + " is "
                                    + excerpt(e.getValue().toString()) + ", expected a string");
                        }
                        vars.put(e.getKey(), e.getValue().asText());
                    }
                    return vars;
                }
            };
        }

        abstract String raw(String key) throws MediaProtocolException;

        abstract Map<String, String> variables(String key) throws MediaProtocolException;

        String optionalText(String key) throws MediaProtocolException {
            return raw(key);
        }

        String text(String key) throws MediaProtocolException {
            String v = raw(key);
            if (v == null || v.isEmpty()) {
                throw new MediaProtocolException(event + " without " + key);
            }
            return v;
        }

        int count(String key) throws MediaProtocolException {
            String v = text(key);
            try {
                int n = Integer.parseInt(v);
                if (n < 0) {
                    throw new MediaProtocolException(event + " field " + key + " is " + n + ", must not be negative");
                }
                return n;
            } catch (NumberFormatException e) {
                throw new MediaProtocolException(event + " field " + key + " is '" + excerpt(v) + "', not a whole number");
            }
        }

        int positive(String key) throws MediaProtocolException {
            int n = count(key);
            if (n == 0) {
                throw new MediaProtocolException(event + " field " + key + " is 0, must be positive");
            }
            return n;
        }

        boolean bool(String key) throws MediaProtocolException {
            String v = text(key);
            return switch (v) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new MediaProtocolException(event + " field " + key + " is '" + excerpt(v)
                        + "', expected true or false");
            };
        }

        char digit(String key) throws MediaProtocolException {
            String v = text(key);
            if (v.length() != 1 || "0123456789*#ABCDabcd".indexOf(v.charAt(0)) < 0) {
                throw new MediaProtocolException(event + " field " + key + " is '" + excerpt(v) + "', not a DTMF digit");
            }
            return Character.toUpperCase(v.charAt(0));
        }
    }
}
