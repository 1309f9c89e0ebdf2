package io.callscribe.source;

/** Receives the DTMF digits of one call leg, in order, on the source's reader thread. Must be quick. */
@FunctionalInterface
public interface DtmfListener {

    /**
     * @param digit     0-9, *, #, A-D
     * @param atSeconds position in the call's audio when the digit arrived (seconds of audio received so far)
     */
    void onDtmf(char digit, double atSeconds);
}
