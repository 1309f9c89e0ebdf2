package io.callscribe.cli;

import io.callscribe.source.BufferLimits;
import io.callscribe.source.ari.AriCallFilter;
import io.callscribe.source.ari.AriSettings;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.ari.MediaTransport;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code run}'s Asterisk ARI source: where ARI is, how media reaches callscribe, which calls, how parties are named. */
final class AriOptions {

    @Option(names = "--ari", paramLabel = "URL",
            description = "Asterisk ARI (e.g. http://127.0.0.1:8088): transcribe every two-party bridge live, by snoop + externalMedia.")
    URI url;

    @Option(names = "--ari-user", paramLabel = "USER", description = "ARI user (ari.conf).")
    String user;

    @Option(names = "--ari-password", paramLabel = "PASSWORD",
            description = "ARI password (better from CALLSCRIBE_ARI_PASSWORD or the config file than on the command line).")
    String password;

    @Option(names = "--ari-app", defaultValue = "callscribe", paramLabel = "NAME",
            description = "Stasis application name; also the prefix of the channels and bridges callscribe creates (default ${DEFAULT-VALUE}).")
    String app;

    @Option(names = "--ari-transport", defaultValue = "audiosocket", paramLabel = "audiosocket|rtp|websocket",
            description = "How externalMedia streams each party to callscribe: AudioSocket over TCP to --audiosocket, RTP over UDP, "
                    + "or chan_websocket (callscribe connects to Asterisk's /media/ID; Asterisk 22.6+/23) (default ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--ari-media-host", defaultValue = "127.0.0.1", paramLabel = "HOST[:PORT]",
            description = "Address Asterisk reaches callscribe at for media: AudioSocket connects there (PORT: when Asterisk reaches "
                    + "the --audiosocket listener through another port, e.g. a port forward; default the listener's), RTP "
                    + "receivers bind HOST (default ${DEFAULT-VALUE}).")
    String mediaHost;

    @Option(names = "--ari-contexts", split = ",", paramLabel = "CONTEXT",
            description = "Only calls where a party is in one of these dialplan contexts (default: all). CALLSCRIBE=on/off on a channel overrides.")
    List<String> contexts;

    @Option(names = "--ari-callers", paramLabel = "REGEX",
            description = "Only calls whose caller number matches (default: all). CALLSCRIBE=on/off on a channel overrides.")
    String callers;

    @Option(names = "--ari-roles", split = ",", defaultValue = "caller,callee", paramLabel = "CALLER,CALLEE",
            description = "Labels of the two parties' roles (default ${DEFAULT-VALUE}).")
    List<String> roles;

    @Option(names = "--ari-speakers", defaultValue = "callerid", paramLabel = "callerid|role",
            description = "Name each speaker by caller id (name, else number, else role) or by role (default ${DEFAULT-VALUE}).")
    String speakers;

    @Option(names = "--ari-variables", split = ",", paramLabel = "VAR",
            description = "Channel variables reported in each party's metadata (call_start, transcript JSON, webhooks).")
    List<String> variables;

    @Option(names = "--ari-max-calls", defaultValue = "250", paramLabel = "N",
            description = "ARI calls transcribed at once (each two streams); a new call beyond it is not transcribed at all, "
                    + "with one log line (default ${DEFAULT-VALUE}).")
    int maxCalls;

    @Option(names = "--ari-buffer-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "Audio per ARI party kept in memory while the recogniser lags, over RTP and chan_websocket "
                    + "(over AudioSocket: --audiosocket-buffer-seconds) (default ${DEFAULT-VALUE}).")
    int bufferSeconds;

    @Option(names = "--ari-max-spill-seconds", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Audio per ARI party kept in a temp file beyond that; beyond both, the party's stream ends with an "
                    + "error and what arrived is transcribed (over AudioSocket: --audiosocket-max-spill-seconds) (default ${DEFAULT-VALUE}).")
    int maxSpillSeconds;

    boolean on() {
        return url != null;
    }

    /**
     * The ARI source's settings; {@code audioSocket} is the AudioSocket listen address (null when off) and
     * {@code audioSocketPort} its bound port.
     */
    AriSource.Settings settings(HostPort audioSocket, int audioSocketPort) {
        if (user == null || password == null) {
            throw new IllegalArgumentException("--ari needs --ari-user and --ari-password (or CALLSCRIBE_ARI_USER / CALLSCRIBE_ARI_PASSWORD)");
        }
        MediaTransport media = MediaTransport.parse(transport);
        if (media == MediaTransport.AUDIOSOCKET && audioSocket == null) {
            throw new IllegalArgumentException("--ari-transport audiosocket needs the AudioSocket listener: --audiosocket is off");
        }
        boolean byCallerId = switch (speakers.strip().toLowerCase(Locale.ROOT)) {
            case "callerid" -> true;
            case "role" -> false;
            default -> throw new IllegalArgumentException("--ari-speakers: '" + speakers + "' is not callerid or role");
        };
        AriCallFilter filter = new AriCallFilter(contexts == null ? Set.of() : Set.copyOf(contexts), callerPattern());
        HostPort target = mediaAddress(mediaHost.strip(), audioSocketPort);
        return new AriSource.Settings(AriSettings.of(url, user, password, app), media, target.toString(), target.host(),
                filter, roles, byCallerId, variables == null ? List.of() : variables,
                BufferLimits.of("--ari", bufferSeconds, maxSpillSeconds), maxCalls);
    }

    private Pattern callerPattern() {
        try {
            return callers == null || callers.isBlank() ? null : Pattern.compile(callers);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--ari-callers: not a regular expression: " + e.getDescription());
        }
    }

    /** {@code --ari-media-host}: HOST, HOST:PORT, [IPV6] or [IPV6]:PORT (a bare IPv6 address is a host); no PORT: {@code port}. */
    static HostPort mediaAddress(String text, int port) {
        boolean bracketed = text.startsWith("[") && text.contains("]");
        boolean withPort = bracketed ? text.substring(text.indexOf(']') + 1).startsWith(":") : text.chars().filter(c -> c == ':').count() == 1;
        if (withPort) {
            return HostPort.parse(text, "--ari-media-host");
        }
        return new HostPort(bracketed ? text.substring(1, text.indexOf(']')) : text, port);
    }
}
