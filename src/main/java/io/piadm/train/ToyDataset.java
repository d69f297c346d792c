package io.piadm.train;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Built-in training distributions. Each is a fixed law (no data-dependent normalisation), so fresh draws
 * with another seed come from the same distribution the model was trained on.
 * <ul>
 *   <li>{@code two-moons}: scikit-learn's make_moons (outer arc {@code (cos u, sin u)}, inner arc
 *       {@code (1 - cos u, 1/2 - sin u)}, u uniform on [0, pi]) with N(0, 0.05^2) noise, shifted by
 *       (-1/2, -1/4) so it is centred.</li>
 *   <li>{@code eight-gaussians}: equal mixture of N(c_k, 0.15^2 I) with c_k on the circle of radius 2 at
 *       angles k pi/4.</li>
 *   <li>{@code swiss-roll}: scikit-learn's make_swiss_roll, coordinates (x, z), noise 0.5, divided by 5
 *       (as in FFJORD).</li>
 *   <li>{@code checkerboard}: uniform on the 8 dark squares of a 4x4 board on [-2, 2]^2 (FFJORD's
 *       checkerboard at half its scale).</li>
 *   <li>{@code gmm[:d=D,k=K,std=S,radius=R,means=M]}: equal mixture of K components N(m_k, S^2 I) in
 *       dimension D (defaults 8, 4, 0.2, 2); the means are R times unit vectors drawn from seed M (default
 *       1), independent of the training seed.</li>
 * </ul>
 */
public final class ToyDataset implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String NAMES = "two-moons|eight-gaussians|swiss-roll|checkerboard|gmm[:d=..,k=..,std=..,radius=..,means=..]";

    private final String kind;
    private final int dim;
    private final double[] means; // gmm: k x d
    private final int components;
    private final double std;
    private final String spec;

    private ToyDataset(String kind, int dim, double[] means, int components, double std, String spec) {
        this.kind = kind;
        this.dim = dim;
        this.means = means;
        this.components = components;
        this.std = std;
        this.spec = spec;
    }

    /** Parses {@code --dataset}; errors name the option and the choices. */
    public static ToyDataset parse(String s) {
        if (s == null) {
            throw new InvalidSettingException("{0} is required: " + NAMES, Setting.DATASET);
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "two-moons":
            case "eight-gaussians":
            case "swiss-roll":
            case "checkerboard":
                return new ToyDataset(t, 2, null, 0, 0, t);
            default:
                break;
        }
        if (t.equals("gmm") || t.startsWith("gmm:")) {
            int d = 8;
            int k = 4;
            double sd = 0.2;
            double radius = 2;
            long mseed = 1;
            if (t.startsWith("gmm:")) {
                for (String opt : t.substring(4).split(",")) {
                    String[] kv = opt.split("=", 2);
                    String key = kv[0].trim();
                    String v = kv.length == 2 ? kv[1].trim() : "";
                    try {
                        switch (key) {
                            case "d":
                                d = Integer.parseInt(v);
                                break;
                            case "k":
                                k = Integer.parseInt(v);
                                break;
                            case "std":
                                sd = Double.parseDouble(v);
                                break;
                            case "radius":
                                radius = Double.parseDouble(v);
                                break;
                            case "means":
                                mseed = Long.parseLong(v);
                                break;
                            default:
                                throw new InvalidSettingException("{0} " + s + ": unknown gmm option '"
                                        + key + "'; allowed d, k, std, radius, means", Setting.DATASET);
                        }
                    } catch (NumberFormatException e) {
                        throw new InvalidSettingException("{0} " + s + ": gmm option " + key
                                + " needs a number, got '" + v + "'", Setting.DATASET);
                    }
                }
            }
            if (d < 1 || d > 65536) {
                throw new InvalidSettingException("{0} " + s + ": d must be an integer in [1, 65536], got " + d, Setting.DATASET);
            }
            if (k < 1 || k > 1024) {
                throw new InvalidSettingException("{0} " + s + ": k must be an integer in [1, 1024], got " + k, Setting.DATASET);
            }
            // The same scale bound as the --model grammar (ModelSpecs.MAX_SCALE): beyond it training overflows.
            double max = io.piadm.model.ModelSpecs.MAX_SCALE;
            if (!(sd > 0) || !(sd <= max)) {
                throw new InvalidSettingException("{0} " + s + ": std must be a number in (0, " + max + "], got " + sd,
                        Setting.DATASET);
            }
            if (!(radius >= 0) || !(radius <= max)) {
                throw new InvalidSettingException("{0} " + s + ": radius must be a number in [0, " + max + "], got "
                        + radius, Setting.DATASET);
            }
            SplittableRandom r = new SplittableRandom(mseed);
            double[] m = new double[k * d];
            for (int c = 0; c < k; c++) {
                double norm = 0;
                for (int i = 0; i < d; i++) {
                    m[c * d + i] = gaussian(r);
                    norm += m[c * d + i] * m[c * d + i];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < d; i++) {
                    m[c * d + i] *= radius / norm;
                }
            }
            String canon = "gmm:d=" + d + ",k=" + k + ",std=" + sd + ",radius=" + radius + ",means=" + mseed;
            return new ToyDataset("gmm", d, m, k, sd, canon);
        }
        throw new InvalidSettingException("{0} must be one of " + NAMES + "; got '" + s + "'", Setting.DATASET);
    }

    public int dim() {
        return dim;
    }

    /** Canonical spec (gmm with every option resolved). */
    public String spec() {
        return spec;
    }

    /** gmm component means (k x d row-major), null for the 2-D sets. */
    public double[] gmmMeans() {
        return means == null ? null : means.clone();
    }

    public double gmmStd() {
        return std;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", kind);
        m.put("spec", spec);
        m.put("dim", dim);
        if (means != null) {
            m.put("components", components);
            m.put("std", std);
        }
        return m;
    }

    /** n draws, row-major, a deterministic function of seed. */
    public double[] sample(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n * dim];
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            switch (kind) {
                case "two-moons": {
                    double u = Math.PI * r.nextDouble();
                    boolean outer = r.nextBoolean();
                    double a = outer ? StrictMath.cos(u) : 1 - StrictMath.cos(u);
                    double b = outer ? StrictMath.sin(u) : 0.5 - StrictMath.sin(u);
                    out[o] = a - 0.5 + 0.05 * gaussian(r);
                    out[o + 1] = b - 0.25 + 0.05 * gaussian(r);
                    break;
                }
                case "eight-gaussians": {
                    int k = r.nextInt(8);
                    double ang = k * Math.PI / 4;
                    out[o] = 2 * StrictMath.cos(ang) + 0.15 * gaussian(r);
                    out[o + 1] = 2 * StrictMath.sin(ang) + 0.15 * gaussian(r);
                    break;
                }
                case "swiss-roll": {
                    double u = 1.5 * Math.PI * (1 + 2 * r.nextDouble());
                    out[o] = (u * StrictMath.cos(u) + 0.5 * gaussian(r)) / 5;
                    out[o + 1] = (u * StrictMath.sin(u) + 0.5 * gaussian(r)) / 5;
                    break;
                }
                case "checkerboard": {
                    // column c in 0..3, row chosen among the two of the colour (c + row) even
                    int c = r.nextInt(4);
                    int row = 2 * r.nextInt(2) + (c % 2);
                    out[o] = -2 + c + r.nextDouble();
                    out[o + 1] = -2 + row + r.nextDouble();
                    break;
                }
                case "gmm":
                default: {
                    int c = r.nextInt(components);
                    for (int j = 0; j < dim; j++) {
                        out[o + j] = means[c * dim + j] + std * gaussian(r);
                    }
                    break;
                }
            }
        }
        return out;
    }

    /** Box-Muller with StrictMath, so draws are the same on every JVM. */
    static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(); // (0, 1]
        double u2 = r.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
