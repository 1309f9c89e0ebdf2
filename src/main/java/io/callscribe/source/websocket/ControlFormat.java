package io.callscribe.source.websocket;

/**
 * How chan_websocket writes its text control messages: {@code plain-text} ({@code EVENT key:value ...}, the default)
 * or {@code json} (the {@code f(json)} dial option or {@code control_message_format = json} in chan_websocket.conf).
 * Asterisk reads commands in the same format it writes events.
 */
public enum ControlFormat {
    PLAIN,
    JSON
}
