package io.piadm.process;

/**
 * The forward (noising) Ornstein-Uhlenbeck process {@code dX = -1/2 X dt + dW} of ALGORITHMS.md section 1:
 * {@code X_t = alpha(t) X_0 + sigma(t) Z} with {@code alpha = e^{-t/2}}, {@code sigma^2 = 1 - e^{-t}},
 * and the maps between OU forward time and a DDPM cumulative product {@code abar = alpha^2 = e^{-t}}.
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

    /** DDPM cumulative product at forward time t: {@code abar = e^{-t}}. */
    public static double abarOfTime(double t) {
        return StrictMath.exp(-t);
    }

    /** OU forward time of a DDPM cumulative product: {@code t = -ln(abar)}; abar must lie in (0, 1]. */
    public static double timeOfAbar(double abar) {
        if (!(abar > 0 && abar <= 1)) {
            throw new IllegalArgumentException("abar must lie in (0, 1], got " + abar);
        }
        return -StrictMath.log(abar);
    }

    /**
     * Exponential-integrator coefficients for one reverse step of length e (ALGORITHMS.md section 1):
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
