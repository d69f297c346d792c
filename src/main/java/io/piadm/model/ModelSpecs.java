package io.piadm.model;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CLI's {@code --model SPEC} grammar, {@code TYPE:key=value,key=value,...}:
 * <ul>
 *   <li>{@code gaussian:d=<int>[,std=<double>][,mean=<double>]}: isotropic {@code N(mean 1, std^2 I)};
 *       defaults std = 1, mean = 0.</li>
 *   <li>{@code gaussian:d=<int>,spectrum=<lo>:<hi>[,rotation-seed=<int>][,mean=<double>]}: the full-covariance
 *       {@link FullGaussian} {@code N(mean 1, Q diag(lambda) Q^T)}, eigenvalues log-spaced from lo to hi, Q a
 *       seeded Haar rotation; d &lt;= {@value FullGaussian#MAX_DIM}, defaults rotation-seed = 0, mean = 0;
 *       excludes std.</li>
 *   <li>{@code gmm:d=<int>,k=<int>[,seed=<int>][,std=<double>][,radius=<double>]}: the deterministic mixture
 *       of {@link GaussianMixture#seeded}; defaults seed = 0, std = {@value #GMM_DEFAULT_STD},
 *       radius = {@value #GMM_DEFAULT_RADIUS}. With these defaults the modes are well separated: in d = 2
 *       with k = 8 neighbouring means are {@code 2 * 4 * sin(pi/8) = 3.06} apart (about 6 component stds),
 *       and for d &gt; 2 the seeded unit directions are nearly orthogonal, so means are about
 *       {@code 4 sqrt 2 = 5.7} apart (11 stds). Many components on a small circle do overlap: the separation in
 *       d = 2 is {@code 2 radius sin(pi/k)}.</li>
 *   <li>{@code onnx:...}: a network; parsed by {@code io.piadm.model.onnx.OnnxModelSpec}.</li>
 *   <li>any type may add {@code ,score-error=<eps>[,error-seed=<int>]} to wrap the model in a
 *       {@link ScoreErrorModel} (default error-seed 0).</li>
 * </ul>
 * Bad input throws {@link IllegalArgumentException} with one message naming {@code --model}, the key and
 * the allowed values.
 */
public final class ModelSpecs {
    public static final double GMM_DEFAULT_STD = 0.5;
    public static final double GMM_DEFAULT_RADIUS = 4.0;
    /** Largest accepted dimension (2^24); larger states do not fit a sampler's Picard grid anyway. */
    public static final int MAX_DIM = 1 << 24;
    /** Largest accepted number of mixture components. */
    public static final int MAX_COMPONENTS = 1 << 16;
    /** Largest accepted k * d (the mixture's means alone are 8 k d bytes). */
    public static final long MAX_GMM_PARAMETERS = 1L << 24;

    /**
     * Largest accepted |mean|, std, radius and score-error. The default horizon grows like
     * ln(E|X_0|^2 / delta^2) (docs/ALGORITHMS.md section 3) and the metrics square coordinates, so data far
     * beyond this scale only leads to an overflow after sampling (mean=1e308 overflowed the state in block 8;
     * mean=1e200 lost its samples in the metrics): refused here instead.
     */
    public static final double MAX_SCALE = 1e6;
    /** Largest accepted eigenvalue of a spectrum (a variance: MAX_SCALE squared). */
    public static final double MAX_VARIANCE = MAX_SCALE * MAX_SCALE;

    private static final String TYPES = "gaussian, gmm, onnx";
    private static final String SCORE_ERROR = "score-error";
    private static final String ERROR_SEED = "error-seed";
    private static final String SPECTRUM = "spectrum";
    private static final String ROTATION_SEED = "rotation-seed";

    private ModelSpecs() {}

    /** Parses a {@code --model} value; see the class comment for the grammar. */
    public static ModelSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidSettingException(
                    "{0}: empty spec; expected TYPE:key=value,... with TYPE one of " + TYPES, Setting.MODEL);
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String type = (colon < 0 ? s : s.substring(0, colon)).strip();
        String body = colon < 0 ? "" : s.substring(colon + 1);
        if (!List.of("gaussian", "gmm", "onnx").contains(type)) {
            throw new InvalidSettingException("{0}: unknown model type '" + type + "'; allowed: " + TYPES, Setting.MODEL);
        }

        // The score-error keys are common to every type: split them off so each type sees only its own.
        List<String> own = new ArrayList<>();
        Map<String, String> wrap = new LinkedHashMap<>();
        for (String item : splitItems(body)) {
            String key = keyOf(item);
            if (key.equals(SCORE_ERROR) || key.equals(ERROR_SEED)) {
                put(wrap, type, item);
            } else {
                own.add(item);
            }
        }
        String ownBody = String.join(",", own);

        ModelSpec base;
        switch (type) {
            case "gaussian":
                base = gaussian(ownBody);
                break;
            case "gmm":
                base = gmm(ownBody);
                break;
            case "onnx":
                base = onnx(ownBody);
                break;
            default:
                throw new InvalidSettingException(
                        "{0}: unknown model type '" + type + "'; allowed: " + TYPES, Setting.MODEL);
        }
        return wrapScoreError(type, base, wrap);
    }

    /** The ONNX branch: {@link io.piadm.model.onnx.OnnxModelSpec} parses the text after {@code onnx:}. */
    private static ModelSpec onnx(String body) {
        return io.piadm.model.onnx.OnnxModelSpec.parse(body);
    }

    private static ModelSpec gaussian(String body) {
        Map<String, String> kv = keyValues("gaussian", body, "d", "std", "mean", SPECTRUM, ROTATION_SEED);
        int d = intIn("gaussian", kv, "d", null, 1, MAX_DIM);
        double mean = scale("gaussian", kv, "mean", 0.0, false);
        if (kv.containsKey(SPECTRUM)) {
            if (kv.containsKey("std")) {
                throw new InvalidSettingException("{0} gaussian: std and " + SPECTRUM + " exclude each other "
                        + "(std=S: isotropic N(M 1, S^2 I); " + SPECTRUM + "=LO:HI: full covariance with eigenvalues "
                        + "log-spaced from LO to HI)", Setting.MODEL);
            }
            if (d > FullGaussian.MAX_DIM) {
                throw new InvalidSettingException("{0} gaussian: d must be an integer in [1, "
                        + FullGaussian.MAX_DIM + "] with " + SPECTRUM + " (the d x d covariance and rotation take 8 d^2 "
                        + "bytes each), got " + d, Setting.MODEL);
            }
            double[] loHi = spectrum(kv.get(SPECTRUM));
            long rotationSeed = seed("gaussian", kv, ROTATION_SEED);
            return new FullGaussian(d, loHi[0], loHi[1], rotationSeed, mean);
        }
        if (kv.containsKey(ROTATION_SEED)) {
            throw new InvalidSettingException("{0} gaussian: " + ROTATION_SEED + " needs " + SPECTRUM
                    + "=LO:HI (an isotropic Gaussian has no rotation)", Setting.MODEL);
        }
        double std = scale("gaussian", kv, "std", 1.0, true);
        return DiagonalGaussian.isotropic(d, mean, std);
    }

    /** {@code LO:HI}, two plain decimal numbers with 0 &lt; LO &lt;= HI. */
    private static double[] spectrum(String v) {
        String range = "LO:HI, two numbers with 0 < LO <= HI <= " + MAX_VARIANCE + " (eigenvalues of the covariance)";
        String[] parts = v.split(":", -1);
        if (parts.length != 2) {
            throw new InvalidSettingException("{0} gaussian: " + SPECTRUM + " must be " + range + ", got '" + v
                    + "'", Setting.MODEL);
        }
        double lo = number("gaussian", SPECTRUM, parts[0].strip(), range);
        double hi = number("gaussian", SPECTRUM, parts[1].strip(), range);
        if (!(lo > 0) || !(hi > 0) || !Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi || hi > MAX_VARIANCE) {
            throw new InvalidSettingException("{0} gaussian: " + SPECTRUM + " must be " + range + ", got " + v,
                    Setting.MODEL);
        }
        return new double[] {lo, hi};
    }

    private static ModelSpec gmm(String body) {
        Map<String, String> kv = keyValues("gmm", body, "d", "k", "seed", "std", "radius");
        int d = intIn("gmm", kv, "d", null, 1, MAX_DIM);
        int k = intIn("gmm", kv, "k", null, 1, MAX_COMPONENTS);
        if ((long) k * d > MAX_GMM_PARAMETERS) {
            throw new InvalidSettingException("{0} gmm: k*d must be <= " + MAX_GMM_PARAMETERS + ", got k=" + k
                    + ", d=" + d + " (k*d=" + ((long) k * d) + ")", Setting.MODEL);
        }
        long seed = seed("gmm", kv, "seed");
        double std = scale("gmm", kv, "std", GMM_DEFAULT_STD, true);
        double radius = bounded("gmm", kv, "radius", GMM_DEFAULT_RADIUS, "a number in [0, " + MAX_SCALE + "]",
                x -> x >= 0 && x <= MAX_SCALE);
        return GaussianMixture.seeded(d, k, seed, std, radius);
    }

    private static ModelSpec wrapScoreError(String type, ModelSpec base, Map<String, String> wrap) {
        if (wrap.isEmpty()) {
            return base;
        }
        if (!wrap.containsKey(SCORE_ERROR)) {
            throw new InvalidSettingException("{0} " + type + ": " + ERROR_SEED + " needs " + SCORE_ERROR
                    + "=<eps> (a finite number >= 0)", Setting.MODEL);
        }
        double eps = bounded(type, wrap, SCORE_ERROR, 0.0, "a number in [0, " + MAX_SCALE + "]",
                x -> x >= 0 && x <= MAX_SCALE);
        long errorSeed = seed(type, wrap, ERROR_SEED);
        return new ScoreErrorModel(base, eps, errorSeed);
    }

    // ---------------------------------------------------------------- key=value handling

    private static List<String> splitItems(String body) {
        List<String> items = new ArrayList<>();
        if (body.isBlank()) {
            return items;
        }
        for (String item : splitOutsideQuotes(body)) {
            items.add(item.strip());
        }
        return items;
    }

    /**
     * Splits {@code body} at the commas outside double quotes, keeping the quotes, so a quoted value
     * (an ONNX path such as {@code "runs/a,b/model.onnx"}) may hold commas. An unclosed quote is refused.
     */
    public static List<String> splitOutsideQuotes(String body) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw InvalidSettingException.model("'" + body + "': a double quote is not closed (quote a path"
                    + " that holds commas as \"PATH\"; the path itself cannot hold a double quote)");
        }
        out.add(cur.toString());
        return out;
    }

    private static String keyOf(String item) {
        int eq = item.indexOf('=');
        return (eq < 0 ? item : item.substring(0, eq)).strip();
    }

    private static void put(Map<String, String> kv, String type, String item) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
            throw new InvalidSettingException("{0} " + type + ": expected key=value, got '" + item + "'", Setting.MODEL);
        }
        String key = item.substring(0, eq).strip();
        String value = item.substring(eq + 1).strip();
        if (kv.put(key, value) != null) {
            throw new InvalidSettingException("{0} " + type + ": key '" + key + "' given twice", Setting.MODEL);
        }
    }

    private static Map<String, String> keyValues(String type, String body, String... allowed) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String item : splitItems(body)) {
            put(kv, type, item);
        }
        List<String> allowedList = List.of(allowed);
        for (String key : kv.keySet()) {
            if (!allowedList.contains(key)) {
                throw new InvalidSettingException("{0} " + type + ": unknown key '" + key + "'; allowed: "
                        + String.join(", ", allowed) + ", " + SCORE_ERROR + ", " + ERROR_SEED, Setting.MODEL);
            }
        }
        return kv;
    }

    private static int intIn(String type, Map<String, String> kv, String key, Integer dflt, int lo, int hi) {
        String range = "an integer in [" + lo + ", " + hi + "]";
        String v = kv.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new InvalidSettingException("{0} " + type + ": missing required key '" + key + "' ("
                        + range + ")", Setting.MODEL);
            }
            return dflt;
        }
        long x;
        try {
            x = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidSettingException("{0} " + type + ": " + key + " must be " + range + ", got '" + v + "'", Setting.MODEL);
        }
        if (x < lo || x > hi) {
            throw new InvalidSettingException("{0} " + type + ": " + key + " must be " + range + ", got " + x, Setting.MODEL);
        }
        return (int) x;
    }

    private static long seed(String type, Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null) {
            return 0L;
        }
        try {
            long x = Long.parseLong(v);
            if (x >= 0) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidSettingException("{0} " + type + ": " + key + " must be an integer in [0, "
                + Long.MAX_VALUE + "], got '" + v + "'", Setting.MODEL);
    }

    /** Plain decimal numbers only (Double.parseDouble would also take "1d", "0x1p3", "NaN", "Infinity"). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static double number(String type, String key, String v, String range) {
        if (!DECIMAL.matcher(v).matches()) {
            throw new InvalidSettingException("{0} " + type + ": " + key + " must be " + range + ", got '" + v + "'", Setting.MODEL);
        }
        return Double.parseDouble(v);
    }

    /** A location ({@code |x| <= MAX_SCALE}) or, with {@code positive}, a scale in (0, MAX_SCALE]. */
    private static double scale(String type, Map<String, String> kv, String key, double dflt, boolean positive) {
        return positive
                ? bounded(type, kv, key, dflt, "a number in (0, " + MAX_SCALE + "]", x -> x > 0 && x <= MAX_SCALE)
                : bounded(type, kv, key, dflt, "a number in [-" + MAX_SCALE + ", " + MAX_SCALE + "]",
                        x -> Math.abs(x) <= MAX_SCALE);
    }

    /** The value of {@code key} (or {@code dflt} when absent): finite and accepted by {@code ok}, else one message. */
    private static double bounded(String type, Map<String, String> kv, String key, double dflt, String range,
            java.util.function.DoublePredicate ok) {
        String v = kv.get(key);
        if (v == null) {
            return dflt;
        }
        double x = number(type, key, v, range);
        if (!Double.isFinite(x) || !ok.test(x)) {
            throw new InvalidSettingException("{0} " + type + ": " + key + " must be " + range + ", got " + v, Setting.MODEL);
        }
        return x;
    }
}
