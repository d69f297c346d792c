package io.piadm.model.onnx;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a network predicts, and its conversion to the score at OU forward time t (docs/ALGORITHMS.md section 1):
 * with {@code x = alpha x0 + sigma eps} and {@code alpha^2 + sigma^2 = 1},
 * <ul>
 *   <li>eps: {@code score = -eps / sigma} (Tweedie: {@code E[eps | x] = -sigma grad log p_t})</li>
 *   <li>x0: {@code score = -(x - alpha x0) / sigma^2}</li>
 *   <li>v = alpha eps - sigma x0 (Salimans &amp; Ho 2022): {@code eps = sigma x + alpha v}, so
 *       {@code score = -(sigma x + alpha v) / sigma}</li>
 *   <li>score: as is.</li>
 * </ul>
 * Check of the v line: {@code sigma x + alpha v = sigma alpha x0 + sigma^2 eps + alpha^2 eps - alpha sigma x0 = eps}.
 */
public enum Parameterisation {
    EPS("eps"),
    X0("x0"),
    V("v"),
    SCORE("score");

    private final String option;

    Parameterisation(String option) {
        this.option = option;
    }

    /** The spelling in {@code param=...}. */
    public String option() {
        return option;
    }

    /** All option spellings, for error messages. */
    public static String choices() {
        return Arrays.stream(values()).map(Parameterisation::option).collect(Collectors.joining("|"));
    }

    public static Parameterisation fromOption(String s) {
        for (Parameterisation p : values()) {
            if (p.option.equals(s.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
    }

    /** Score of one coordinate from the network output {@code out} at state {@code x}. */
    public double toScore(double out, double x, double alpha, double sigma) {
        switch (this) {
            case EPS:
                return -out / sigma;
            case X0:
                return -(x - alpha * out) / (sigma * sigma);
            case V:
                return -(sigma * x + alpha * out) / sigma;
            case SCORE:
            default:
                return out;
        }
    }

    /** The network output that corresponds to {@code score} at state x (inverse of {@link #toScore}). */
    public double fromScore(double score, double x, double alpha, double sigma) {
        double eps = -sigma * score;
        double x0 = (x + sigma * sigma * score) / alpha;
        switch (this) {
            case EPS:
                return eps;
            case X0:
                return x0;
            case V:
                return alpha * eps - sigma * x0;
            case SCORE:
            default:
                return score;
        }
    }
}
