package io.piadm.process;

/**
 * The forward (noising) Ornstein-Uhlenbeck process {@code dX = -1/2 X dt + dW} of docs/ALGORITHMS.md
 * section 1, {@code X_t = alpha(t) X_0 + sigma(t) Z} with {@code alpha = e^{-t/2}}, {@code sigma^2 = 1 -
 * e^{-t}}, and the coefficients of the exponential integrator's reverse step. Every one of these formulas
 * lives here and nowhere else; a DDPM cumulative product sits at {@code t = -ln abar}
 * ({@code io.piadm.model.onnx.TimeMap}).
 */
public final class OuProcess {
    private OuProcess() {}

    /** Signal scale {@code alpha(t) = e^{-t/2}}. */
    public static double alpha(double t) {
        return StrictMath.exp(-0.5 * t);
    }

    /** Noise variance {@code sigma(t)^2 = 1 - e^{-t}}, computed with expm1 so it stays accurate for small t. */
    public static double sigma2(double t) {
        return -StrictMath.expm1(-t);
    }

    /** Noise scale {@code sigma(t) = sqrt(1 - e^{-t})}. */
    public static double sigma(double t) {
        return StrictMath.sqrt(sigma2(t));
    }

    /**
     * Variance of p_t along a direction where the data has variance {@code s2}:
     * {@code alpha^2 s2 + sigma^2} (docs/ALGORITHMS.md section 1, the diffused variance).
     */
    public static double diffusedVariance(double t, double s2) {
        double a = alpha(t);
        return a * a * s2 + sigma2(t);
    }

    /**
     * Exponential-integrator coefficients for one reverse step of length e (docs/ALGORITHMS.md section 1):
     * SDE {@code y' = a y + 2 b g + c xi}, ODE {@code y' = a y + b g}, with
     * {@code a = e^{e/2}}, {@code b = e^{e/2} - 1}, {@code c = sqrt(e^e - 1)}.
     */
    public static double stepScale(double e) {
        return StrictMath.exp(0.5 * e);
    }

    /** {@code e^{e/2} - 1}, via expm1 for accuracy at small steps. */
    public static double stepDrift(double e) {
        return StrictMath.expm1(0.5 * e);
    }

    /** Variance of the exact noise of one reverse SDE step: {@code e^e - 1}. */
    public static double stepNoiseVariance(double e) {
        return StrictMath.expm1(e);
    }
}
