package io.callscribe.event;

import java.util.regex.Pattern;

/** Call ids end up in file names and URLs: letters, digits and {@code . _ -} only, no leading dot. */
public final class CallIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    private CallIds() {
    }

    public static boolean valid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    public static String require(String id) {
        if (!valid(id)) {
            throw new IllegalArgumentException("invalid call id '" + id
                    + "': use 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-'");
        }
        return id;
    }

    /** Makes a valid id out of anything (a file name, a channel name): other characters become '_'. */
    public static String sanitize(String raw) {
        String s = raw.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(0) == '-') {
            s = "_" + s;
        }
        return s.length() > 128 ? s.substring(0, 128) : s;
    }
}
