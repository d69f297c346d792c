package io.piadm.cli;

import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.StageTrace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Logs one INFO line per finished block: block i/N, sweeps per phase, the last scaled residual, rounds so
 * far, elapsed time and an estimate of the time left (elapsed per block times blocks left).
 */
final class ProgressLogger implements SamplingListener {
    private static final Logger LOG = LoggerFactory.getLogger("io.piadm.progress");

    private final long start = System.nanoTime();
    private long rounds;

    @Override
    public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
        rounds += trace.rounds();
        if (!LOG.isInfoEnabled()) {
            return;
        }
        StringBuilder sweeps = new StringBuilder();
        double residual = Double.NaN;
        for (PhaseTrace p : trace.phases()) {
            if (sweeps.length() > 0) {
                sweeps.append(' ');
            }
            sweeps.append(p.phase()).append('=').append(p.sweeps());
            double[] r = p.residuals();
            if (r.length > 0) {
                residual = r[r.length - 1];
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        int done = stage + 1;
        double eta = elapsed / done * (stageCount - done);
        LOG.info(String.format(Locale.ROOT,
                "block %d/%d: sweeps %s, residual %s, rounds so far %d, elapsed %.2f s, ETA %.2f s",
                done, stageCount, sweeps, Double.isNaN(residual) ? "-" : String.format(Locale.ROOT, "%.3g", residual),
                rounds, elapsed, eta));
    }
}
