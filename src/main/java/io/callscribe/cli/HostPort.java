package io.callscribe.cli;

/** A listen address from {@code HOST:PORT}, {@code :PORT} or {@code PORT}; {@code off} disables the listener. */
record HostPort(String host, int port) {

    static HostPort parse(String text, String what) {
        if (text == null || text.isBlank() || text.equalsIgnoreCase("off")) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : text.substring(0, colon);
        String port = colon < 0 ? text : text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return new HostPort(host.isEmpty() ? "127.0.0.1" : host, p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not HOST:PORT (or 'off')");
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
