package io.piadm.noise;


/**
 * Counter-based standard normal noise (docs/ALGORITHMS.md section 7, invariant 4). Every draw is a pure
 * function of (seed, stream, sample, block, step, coordinate): Philox4x32-10 (Salmon et al., SC 2011,
 * "Parallel random numbers: as easy as 1, 2, 3") turns the counter into four 32-bit words, i.e. one
 * 64-bit word per coordinate of a pair, which the ziggurat method (Marsaglia and Tsang 2000, in Doornik's
 * 2005 form with independent bits for the layer and the uniform) turns into a normal. The rare rejections
 * (about 1.2%) draw further words from a separate counter space of the same coordinate. There is no
 * sequential state, so the same seed gives the same noise whatever the batch size, thread count,
 * partitioning, evaluation order or task retry.
 *
 * <p>Noise dominates the cost of a sequential SDE step at large d, hence the ziggurat rather than
 * Box-Muller: no transcendental function on the fast path. Tables and the slow path use
 * {@link StrictMath}, so the bits are the same on every JVM and CPU of a cluster.
 */
public final class CounterNoise implements NoiseSource {
    private static final long serialVersionUID = 1L;

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final double INV_2_53 = 1.0 / (1L << 53);
    private static final double INV_2_52 = 1.0 / (1L << 52);

    // Ziggurat tables (Doornik 2005, "An improved ziggurat method to generate normal random samples"):
    // 128 layers of equal area V; ZX[i] is the right edge of layer i, ZR[i] = ZX[i+1] / ZX[i].
    private static final int ZIG_C = 128;
    private static final double ZIG_R = 3.442619855899;
    private static final double ZIG_V = 9.91256303526217e-3;
    private static final double[] ZX = new double[ZIG_C + 1];
    private static final double[] ZR = new double[ZIG_C];

    static {
        double f = StrictMath.exp(-0.5 * ZIG_R * ZIG_R);
        ZX[0] = ZIG_V / f;
        ZX[1] = ZIG_R;
        ZX[ZIG_C] = 0.0;
        for (int i = 2; i < ZIG_C; i++) {
            ZX[i] = StrictMath.sqrt(-2.0 * StrictMath.log(ZIG_V / ZX[i - 1] + f));
            f = StrictMath.exp(-0.5 * ZX[i] * ZX[i]);
        }
        for (int i = 0; i < ZIG_C; i++) {
            ZR[i] = ZX[i + 1] / ZX[i];
        }
    }

    private final long seed;

    public CounterNoise(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /**
     * Fills {@code out[off .. off+n)} with standard normals for one (stream, sample, block, step) key.
     * Coordinate i of the key is always the same number, whatever n is: a prefix of a longer draw equals
     * the shorter draw.
     */
    @Override
    public void normals(NoiseStream stream, long sample, int block, int step, double[] out, int off, int n) {
        checkKey(sample, block, step);
        int[] words = new int[4];
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int c1 = step;
        int c2 = (int) sample;
        int c3 = (block << 8) | stream.code();
        int[] retry = new int[4];
        for (int pair = 0; 2 * pair < n; pair++) {
            philox(pair, c1, c2, c3, k0, k1, words);
            long a = ((long) words[0] << 32) | (words[1] & 0xFFFFFFFFL);
            long b = ((long) words[2] << 32) | (words[3] & 0xFFFFFFFFL);
            out[off + 2 * pair] = ziggurat(a, 2 * pair, c1, c2, c3, k0, k1, retry);
            if (2 * pair + 1 < n) {
                out[off + 2 * pair + 1] = ziggurat(b, 2 * pair + 1, c1, c2, c3, k0, k1, retry);
            }
        }
    }

    /**
     * One normal from the 64-bit word w of coordinate i: bits 0..6 pick the layer, bits 11..63 the
     * uniform. Rejections continue with words from counter {@code (2^31 | i, c1, c2, c3)} under a key
     * bumped per attempt, so every coordinate's draw stays a function of its own key.
     */
    private static double ziggurat(long w, int i, int c1, int c2, int c3, int k0, int k1, int[] words) {
        for (int attempt = 1; ; attempt++) {
            int layer = (int) (w & 0x7F);
            double u = 2.0 * ((w >>> 11) * INV_2_53) - 1.0;
            if (Math.abs(u) < ZR[layer]) {
                return u * ZX[layer];
            }
            philox(0x80000000 | i, c1, c2, c3, k0 + attempt * W1, k1 ^ attempt, words);
            long w1 = ((long) words[0] << 32) | (words[1] & 0xFFFFFFFFL);
            long w2 = ((long) words[2] << 32) | (words[3] & 0xFFFFFFFFL);
            double u1 = ((w1 >>> 11) + 0.5) * INV_2_53; // in (0, 1)
            if (layer == 0) {
                // Tail beyond R (Marsaglia 1964): accept when -2 ln U2 >= x^2.
                double x = StrictMath.log(u1) / ZIG_R;
                double y = StrictMath.log(((w2 >>> 11) + 0.5) * INV_2_53);
                if (-2.0 * y >= x * x) {
                    return u < 0 ? x - ZIG_R : ZIG_R - x;
                }
                // Rejected: retry the tail with the next attempt's words.
                w = 0x80L * (w >>> 7); // keep layer 0 and the sign of u for the retry
                continue;
            }
            double x = u * ZX[layer];
            double f0 = StrictMath.exp(-0.5 * (ZX[layer] * ZX[layer] - x * x));
            double f1 = StrictMath.exp(-0.5 * (ZX[layer + 1] * ZX[layer + 1] - x * x));
            if (f1 + u1 * (f0 - f1) < 1.0) {
                return x;
            }
            w = w2;
        }
    }

    /**
     * Fills {@code out[off .. off+n)} with uniforms in the open interval (0, 1) for one (stream, sample,
     * block, step) key: the same Philox counter layout as {@link #normals}, one Philox call per pair of
     * outputs, 52 random bits each ({@code (k + 1/2) / 2^52}, so neither 0 nor 1 can occur and inverse-CDF
     * or log transforms stay finite). Prefix property as for normals.
     *
     * <p>Uniforms and normals drawn with the same key read the same Philox words, so they are not
     * independent: a caller that needs both must use distinct keys (e.g. another step index).
     */
    public void uniforms(NoiseStream stream, long sample, int block, int step, double[] out, int off, int n) {
        checkKey(sample, block, step);
        int[] words = new int[4];
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int c2 = (int) sample;
        int c3 = (block << 8) | stream.code();
        for (int pair = 0; 2 * pair < n; pair++) {
            philox(pair, step, c2, c3, k0, k1, words);
            long a = (((long) words[0] << 32) | (words[1] & 0xFFFFFFFFL)) >>> 12;
            long b = (((long) words[2] << 32) | (words[3] & 0xFFFFFFFFL)) >>> 12;
            out[off + 2 * pair] = (a + 0.5) * INV_2_52;
            if (2 * pair + 1 < n) {
                out[off + 2 * pair + 1] = (b + 0.5) * INV_2_52;
            }
        }
    }

    /** Convenience: a new array of n uniforms in (0, 1). */
    public double[] uniforms(NoiseStream stream, long sample, int block, int step, int n) {
        double[] out = new double[n];
        uniforms(stream, sample, block, step, out, 0, n);
        return out;
    }

    private static void checkKey(long sample, int block, int step) {
        if (sample < 0 || sample > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("sample index out of range [0, 2^32): " + sample);
        }
        if (block < 0 || block >= (1 << 24) || step < 0) {
            throw new IllegalArgumentException("block must be in [0, 2^24) and step >= 0");
        }
    }

    /** Convenience: a new array of n normals. */
    public double[] normals(NoiseStream stream, long sample, int block, int step, int n) {
        double[] out = new double[n];
        normals(stream, sample, block, step, out, 0, n);
        return out;
    }

    /** Philox4x32 with 10 rounds on counter (c0..c3) and key (k0, k1). */
    static void philox(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }
}
