package io.callscribe.source.audiosocket;

/** Receives the DTMF digits of one AudioSocket call, in order, on the connection's reader thread. Must be quick. */
@FunctionalInterface
public interface DtmfListener {

    /**
     * @param digit     0-9, *, #, A-D
     * @param atSeconds position in the call's audio when the digit arrived (seconds of audio received so far)
     */
    void onDtmf(char digit, double atSeconds);
}
