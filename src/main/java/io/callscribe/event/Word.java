package io.callscribe.event;

/** One recognised word with its times in seconds from the start of the stream and a confidence 0..1. */
public record Word(String word, double start, double end, double conf) {
}
