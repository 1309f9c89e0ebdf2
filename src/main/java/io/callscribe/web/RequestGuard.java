package io.callscribe.web;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The browser-facing checks of the web server, applied before the token check:
 * <ul>
 *   <li>the {@code Host} header must name this server ({@link WebSettings#allowedHosts()}): a page on another
 *   site that rebinds its DNS name to 127.0.0.1 is refused, so it cannot read the calls or the feed;</li>
 *   <li>a state-changing request (anything but GET/HEAD/OPTIONS) from a browser must come from the page itself
 *   ({@code Sec-Fetch-Site: same-origin}, or an {@code Origin} equal to the server's), unless it carries the
 *   access token in its {@code Authorization} header: a cross-site form or fetch cannot hang up a call.</li>
 * </ul>
 * Requests without {@code Origin} or {@code Sec-Fetch-Site} are not from a browser page (curl, scripts) and are
 * let through to the token check. Stateless and thread-safe.
 */
final class RequestGuard {

    private final Set<String> hosts;
    private final boolean anyHost;

    RequestGuard(WebSettings settings) {
        Set<String> names = new HashSet<>(settings.allowedHosts());
        anyHost = names.remove("*");
        String bound = bare(settings.host());
        names.add(bound);
        try {
            InetAddress address = InetAddress.getByName(bound);
            if (address.isLoopbackAddress()) {
                names.addAll(Set.of("localhost", "127.0.0.1", "::1"));
            } else if (address.isAnyLocalAddress()) {
                names.add("localhost");
                names.add("127.0.0.1");
                names.add("::1");
                addLocalNames(names);
            }
        } catch (UnknownHostException e) {
            // WebSettings.check() already named the problem; the bound name itself stays allowed
        }
        this.hosts = Set.copyOf(names);
    }

    private static void addLocalNames(Set<String> names) {
        try {
            InetAddress local = InetAddress.getLocalHost();
            names.add(local.getHostName().toLowerCase(Locale.ROOT));
            names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // no name for this machine: its addresses below still work
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    names.add((zone >= 0 ? text.substring(0, zone) : text).toLowerCase(Locale.ROOT));
                }
            }
        } catch (SocketException e) {
            // interfaces cannot be listed: only the configured names are allowed
        }
    }

    /** Null when the Host header names this server, else why it is refused. */
    String checkHost(String hostHeader) {
        if (anyHost) {
            return null;
        }
        if (hostHeader == null || hostHeader.isBlank()) {
            return "Host header missing";
        }
        String name = hostName(hostHeader);
        if (name == null || !hosts.contains(name)) {
            return "Host '" + printable(hostHeader) + "' is not a name of this server (add it to --http-allowed-hosts)";
        }
        return null;
    }

    /**
     * Null when a state-changing request may go on to the token check, else why it is refused.
     *
     * @param scheme         the request's scheme ("http")
     * @param hostHeader     the request's Host header (already checked)
     * @param origin         the Origin header, or null
     * @param fetchSite      the Sec-Fetch-Site header, or null
     * @param bearerVerified whether the Authorization header carried the right token
     */
    String checkOrigin(String scheme, String hostHeader, String origin, String fetchSite, boolean bearerVerified) {
        if (bearerVerified) {
            return null;
        }
        if (fetchSite != null) {
            String site = fetchSite.strip().toLowerCase(Locale.ROOT);
            if (!site.equals("same-origin") && !site.equals("none")) {
                return "cross-site request refused (Sec-Fetch-Site: " + printable(site) + "); only the callscribe page"
                        + " or a client with the access token may change calls";
            }
        }
        if (origin != null) {
            if (!sameOrigin(scheme, hostHeader, origin.strip())) {
                return "cross-origin request refused (Origin: " + printable(origin) + "); only the callscribe page"
                        + " or a client with the access token may change calls";
            }
        }
        return null;
    }

    private static boolean sameOrigin(String scheme, String hostHeader, String origin) {
        if (origin.equals("null") || hostHeader == null) {
            return false;
        }
        try {
            URI o = URI.create(origin);
            if (o.getScheme() == null || o.getHost() == null || !o.getScheme().equalsIgnoreCase(scheme)) {
                return false;
            }
            int port = o.getPort() == -1 ? defaultPort(o.getScheme()) : o.getPort();
            URI h = URI.create(scheme + "://" + hostHeader.strip());
            int hostPort = h.getPort() == -1 ? defaultPort(scheme) : h.getPort();
            return h.getHost() != null && bare(h.getHost()).equals(bare(o.getHost())) && port == hostPort;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int defaultPort(String scheme) {
        return scheme.equalsIgnoreCase("https") ? 443 : 80;
    }

    /** The name part of a Host header, lower case, without port or IPv6 brackets; null when malformed. */
    static String hostName(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                return null;
            }
            String rest = h.substring(close + 1);
            if (!rest.isEmpty() && !rest.matches(":\\d{1,5}")) {
                return null;
            }
            return h.substring(1, close);
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (!h.substring(colon).matches(":\\d{1,5}")) {
                return null;
            }
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1); // "localhost." is the same name
        }
        return h.isEmpty() ? null : h;
    }

    private static String bare(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** Header text for a log line or message: control characters shown as '?', at most 100 characters. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 100; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
