package io.callscribe.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where finished (and live) calls are kept: their metadata, every final with its words and every error, searchable.
 * <p>
 * Thread contract: every method may be called from any thread, concurrently; each blocks for a database round
 * trip and throws {@link StoreException} when the database cannot be used. Only one thread should call
 * {@link #write} (the sink's writer) so that a call's writes stay in order; readers run beside it.
 * Implementations: {@link SqliteStore} (embedded, one file), {@link PostgresStore} (shared by several instances).
 */
public interface TranscriptStore extends AutoCloseable {

    /** Applies the writes in one transaction, all or nothing. Writing the same batch twice changes nothing. */
    void write(List<StoreWrite> batch);

    /** One page of calls matching {@code query}. */
    CallPage search(CallQuery query);

    Optional<StoredTranscript> find(String callId);

    /**
     * The callscribe instance whose calls this store writes (stored with each call it starts): several instances
     * may share one PostgreSQL, each under its own name.
     */
    String instance();

    /**
     * Ends, with {@code reason}, every call this {@link #instance()} started before {@code before} and never ended
     * (it stopped mid-call: a crash, a kill): such a call would otherwise look live forever. Calls of other
     * instances are not touched. Call it at start-up, before this instance's first call. Returns their ids.
     */
    List<String> endLeftOpen(Instant before, String reason);

    /** Removes the call and everything stored with it; false when there was no such call. */
    boolean delete(String callId);

    /** Removes every call that ended before {@code cutoff}; returns their ids. */
    List<String> deleteEndedBefore(Instant cutoff);

    /** Where the data lives, for logs ({@code sqlite:/var/lib/callscribe/calls.db}); never holds a password. */
    String describe();

    @Override
    void close();
}
