package io.callscribe.source.ari;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which party of a bridge is the caller: the one Asterisk created first. */
class AriCreationOrderTest {

    private static AriChannel channel(String id, Instant created) {
        return new AriChannel(id, "Local/" + id, "Up", "", "", "", "", "ctx", "100", created);
    }

    @Test
    void withinOneMillisecondTheUniqueidSequenceDecidesAsANumber() {
        Instant same = Instant.parse("2026-12-02T06:11:34.242Z");
        // Seen on a real Asterisk: the caller's Local;2 is ".9", the callee Dial created a moment later is ".10".
        List<AriChannel> chans = new ArrayList<>(List.of(channel("1796191894.10", same), channel("1796191894.9", same)));
        chans.sort(AriSource.CREATION_ORDER);
        assertThat(chans).extracting(AriChannel::id).containsExactly("1796191894.9", "1796191894.10");
    }

    @Test
    void creationTimeComesFirst() {
        List<AriChannel> chans = new ArrayList<>(List.of(channel("1.9", Instant.parse("2026-12-02T06:11:34.300Z")),
                channel("1.10", Instant.parse("2026-12-02T06:11:34.200Z"))));
        chans.sort(AriSource.CREATION_ORDER);
        assertThat(chans).extracting(AriChannel::id).containsExactly("1.10", "1.9");
        assertThat(AriSource.uniqueidSequence("callscribe-sn-x")).isEqualTo(Long.MAX_VALUE);
    }
}
