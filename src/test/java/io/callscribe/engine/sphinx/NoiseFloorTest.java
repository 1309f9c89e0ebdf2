package io.callscribe.engine.sphinx;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NoiseFloorTest {

    private static short sample(byte[] pcm, int i) {
        return (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
    }

    @Test
    void audioAfterLeftOutAudioGetsTheNoiseItWouldHaveHadHadEverythingBeenSent() {
        byte[] silence = new byte[2 * 4000];
        byte[] stretch = new byte[2 * 1600];
        Arrays.fill(stretch, (byte) 7);

        NoiseFloor allSent = new NoiseFloor(100);
        allSent.addTo(silence.clone());
        byte[] afterSent = stretch.clone();
        allSent.addTo(afterSent);

        NoiseFloor gated = new NoiseFloor(100);
        gated.skip(4000);
        byte[] afterSkip = stretch.clone();
        gated.addTo(afterSkip);

        assertThat(afterSkip).isEqualTo(afterSent);
        assertThat(gated.position()).isEqualTo(allSent.position()).isEqualTo(5600);

        NoiseFloor notSkipped = new NoiseFloor(100);
        byte[] atStart = stretch.clone();
        notSkipped.addTo(atStart);
        assertThat(atStart).as("a different position gets different noise").isNotEqualTo(afterSent);
    }

    @Test
    void chunkingDoesNotChangeTheNoiseAndItStaysWithinTheAmplitude() {
        byte[] whole = new byte[2 * 3000];
        new NoiseFloor(100).addTo(whole);
        NoiseFloor chunked = new NoiseFloor(100);
        byte[] a = new byte[2 * 1234];
        byte[] b = new byte[2 * (3000 - 1234)];
        chunked.addTo(a);
        chunked.addTo(b);
        byte[] joined = Arrays.copyOf(a, whole.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        assertThat(joined).isEqualTo(whole);

        int min = 0;
        int max = 0;
        int distinct = (int) java.util.stream.IntStream.range(0, 3000).map(i -> sample(whole, i)).distinct().count();
        for (int i = 0; i < 3000; i++) {
            min = Math.min(min, sample(whole, i));
            max = Math.max(max, sample(whole, i));
        }
        assertThat(min).isBetween(-100, -90);
        assertThat(max).isBetween(90, 100);
        assertThat(distinct).as("white noise uses the whole range").isGreaterThan(180);
    }

    @Test
    void zeroAmplitudeLeavesAudioAloneAndStillCountsPositions() {
        byte[] pcm = {1, 2, 3, 4};
        NoiseFloor off = new NoiseFloor(0);
        off.addTo(pcm);
        assertThat(pcm).containsExactly(1, 2, 3, 4);
        assertThat(off.position()).isEqualTo(2);
        assertThatThrownBy(() -> off.skip(-1)).hasMessageContaining("negative");
    }
}
