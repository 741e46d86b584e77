package io.edgenode.bench.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    private static List<Double> oneTo(int n) {
        List<Double> v = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            v.add((double) i);
        }
        Collections.shuffle(v, new java.util.Random(7));
        return v;
    }

    @Test
    void nearestRankPicksTheSampleOfRankCeilPTimesN() {
        List<Double> v = oneTo(100);
        assertEquals(50, Stats.percentile(v, 50));
        assertEquals(95, Stats.percentile(v, 95));
        assertEquals(99, Stats.percentile(v, 99));
        assertEquals(100, Stats.percentile(v, 100));
        assertEquals(1, Stats.percentile(v, 0));
        // 10 samples: p95 has rank ceil(9.5) = 10, p50 rank 5, p11 rank ceil(1.1) = 2
        List<Double> ten = oneTo(10);
        assertEquals(10, Stats.percentile(ten, 95));
        assertEquals(5, Stats.percentile(ten, 50));
        assertEquals(2, Stats.percentile(ten, 11));
    }

    @Test
    void percentilesAreAlwaysSamplesNeverInterpolations() {
        List<Double> v = List.of(10.0, 20.0, 30.0, 40.0);
        assertEquals(20, Stats.percentile(v, 50));
        assertEquals(30, Stats.percentile(v, 51));
        assertEquals(40, Stats.percentile(v, 99));
    }

    @Test
    void aSingleSampleIsEveryPercentile() {
        Distribution d = Stats.distribution(List.of(7.5));
        assertEquals(new Distribution(1, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5), d);
    }

    @Test
    void distributionSummarisesUnsortedSamples() {
        Distribution d = Stats.distribution(List.of(5.0, 1.0, 3.0, 2.0, 4.0));
        assertEquals(5, d.count());
        assertEquals(1, d.min());
        assertEquals(3, d.p50());
        assertEquals(5, d.p95());
        assertEquals(5, d.p99());
        assertEquals(5, d.max());
        assertEquals(3, d.mean(), 1e-12);
        assertEquals(new Distribution(5, 1000, 3000, 5000, 5000, 5000, 3000), d.scaled(1000));
    }

    @Test
    void noSamplesIsTheEmptyDistributionButAPercentileOfNothingIsRefused() {
        assertSame(Distribution.EMPTY, Stats.distribution(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(), 50));
    }

    @Test
    void refusesPercentilesOutsideZeroToHundredAndNaNSamples() {
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(1.0), 101));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(1.0), -1));
        assertThrows(IllegalArgumentException.class, () -> Stats.distribution(List.of(1.0, Double.NaN)));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        double[] m = Stats.minMedianMax(List.of(4.0, 1.0, 3.0, 2.0));
        assertEquals(1, m[0]);
        assertEquals(2.5, m[1]);
        assertEquals(4, m[2]);
    }
}
