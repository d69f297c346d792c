package io.piadm.sampler;

import io.piadm.exact.ExactGaussian;
import io.piadm.exact.ExactUnderdamped;
import io.piadm.schedule.Block;

import org.junit.jupiter.api.Nested;

/** Every phase, the corrector included, against its exact Gaussian law (see {@link PhaseOrderContract}). */
class PhaseOrderTest {
    /** Forward time where the predictor spans start: far enough from the data that nothing is stiff. */
    static final double T1 = 1.5;

    static Block block(int n, double span) {
        double[] times = new double[n + 1];
        for (int j = 0; j <= n; j++) {
            times[j] = T1 - span * j / n;
        }
        return new Block(0, times);
    }

    static PhaseOrderContract.Law scalar(double mean, double var) {
        return new PhaseOrderContract.Law(new double[] {mean}, new double[] {var});
    }

    @Nested
    class SdePredictor extends PhaseOrderContract {
        @Override
        Phase phase(int n, double span) {
            return new PredictorPhase(block(n, span), 1, Integrator.SDE, NOISE, "p");
        }

        @Override
        Law start() {
            return scalar(-0.4, 0.3);
        }

        @Override
        Law exact(Law start, double span) {
            ExactGaussian.Moments m = ExactGaussian.reverseTransition(MU, S2, T1, T1 - span)
                    .apply(new ExactGaussian.Moments(start.mean()[0], start.cov()[0]));
            return scalar(m.mean(), m.var());
        }
    }

    @Nested
    class OdePredictor extends PhaseOrderContract {
        @Override
        Phase phase(int n, double span) {
            return new PredictorPhase(block(n, span), 1, Integrator.ODE, NOISE, "p");
        }

        @Override
        Law start() {
            return scalar(-0.4, 0.3);
        }

        @Override
        Law exact(Law start, double span) {
            ExactGaussian.Moments m = ExactGaussian.flowMap(MU, S2, T1, T1 - span)
                    .apply(new ExactGaussian.Moments(start.mean()[0], start.cov()[0]));
            return scalar(m.mean(), m.var());
        }
    }

    @Nested
    class Corrector extends PhaseOrderContract {
        static final double T = 0.3;
        static final double GAMMA = 2.0;

        @Override
        Phase phase(int n, double span) {
            return new CorrectorPhase(0, T, 1, n, span, GAMMA, NOISE);
        }

        @Override
        Law start() {
            return new Law(new double[] {-0.4, 0.2}, new double[] {0.3, 0.05, 0.05, 0.8});
        }

        @Override
        Law exact(Law start, double span) {
            double[] m = start.mean();
            double[] c = start.cov();
            ExactUnderdamped.Law2 l = ExactUnderdamped.forTarget(MU, S2, T, GAMMA)
                    .evolve(new ExactUnderdamped.Law2(m[0], m[1], c[0], c[1], c[3]), span);
            return new Law(new double[] {l.mx(), l.mv()}, new double[] {l.cxx(), l.cxv(), l.cxv(), l.cvv()});
        }
    }
}
