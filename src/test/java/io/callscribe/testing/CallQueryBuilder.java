package io.callscribe.testing;

import io.callscribe.store.CallQuery;

import java.time.Instant;

/**
 * Test support: a store query through {@link CallQuery}'s one constructor, the one the web API's
 * {@code GET /api/calls} uses: every criterion unset, {@link CallQuery#DEFAULT_LIMIT} calls a page, first page.
 */
public final class CallQueryBuilder {

    private String text;
    private Instant from;
    private Instant to;
    private String number;
    private String source;
    private int limit = CallQuery.DEFAULT_LIMIT;
    private String cursor;

    private CallQueryBuilder(String text) {
        this.text = text;
    }

    /** Every call, newest first. */
    public static CallQueryBuilder all() {
        return new CallQueryBuilder(null);
    }

    /** Calls whose finals have all of these words, by relevance. */
    public static CallQueryBuilder text(String text) {
        return new CallQueryBuilder(text);
    }

    /** This query, to change some of it (the next page: {@code from(q).cursor(page.nextCursor())}). */
    public static CallQueryBuilder from(CallQuery q) {
        CallQueryBuilder b = new CallQueryBuilder(q.text());
        b.from = q.from();
        b.to = q.to();
        b.number = q.number();
        b.source = q.source();
        b.limit = q.limit();
        b.cursor = q.cursor();
        return b;
    }

    public CallQueryBuilder limit(int value) {
        limit = value;
        return this;
    }

    /** The page after the one whose {@code nextCursor()} this is. */
    public CallQueryBuilder cursor(String value) {
        cursor = value;
        return this;
    }

    public CallQuery build() {
        return new CallQuery(text, from, to, number, source, limit, cursor);
    }
}
