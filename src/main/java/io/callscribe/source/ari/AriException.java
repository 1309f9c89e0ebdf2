package io.callscribe.source.ari;

import java.io.IOException;

/** An ARI request that failed: Asterisk unreachable, too slow, or an HTTP error status (named with its body). */
public final class AriException extends IOException {

    /** The HTTP status, or 0 when no answer came (connection refused, timeout). */
    private final int status;

    public AriException(String message, int status) {
        super(message);
        this.status = status;
    }

    public AriException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    public int status() {
        return status;
    }

    /** 404: the channel or bridge is already gone, which is what a hang-up wanted anyway. */
    public boolean notFound() {
        return status == 404;
    }

    /** 401/403: the user or password is wrong, or the user may not do this. */
    public boolean unauthorized() {
        return status == 401 || status == 403;
    }
}
