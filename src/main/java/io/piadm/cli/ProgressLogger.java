package io.piadm.cli;

import io.piadm.eval.RoundInfo;
import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.StageTrace;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress a person can follow. One INFO line per finished block (block i/N, sweeps per phase, the last
 * scaled residual, rounds so far, elapsed time, time left estimated from the blocks done) and, for Picard
 * phases, one per sweep (residual, active samples, points evaluated). Attached to a terminal, the sweep
 * lines become a console progress bar on stderr instead. The estimate is the mean time of the blocks run
 * so far (the first one timed from its first round, so start-up such as a Spark session does not count)
 * times the blocks left.
 */
final class ProgressLogger implements SamplingListener {
    private static final Logger LOG = LoggerFactory.getLogger("io.piadm.progress");
    private static final int BAR = 30;

    private final int stageCount;
    private final PrintStream bar;
    private final long start = System.nanoTime();
    /** End of the last block (or the first round, which excludes start-up such as a Spark session). */
    private long mark = -1;
    private double blockSeconds;
    private int blocksTimed;
    private long rounds;
    private long sweepRounds;
    private int barLength;

    /** @param stageCount blocks of the run (for "block i/N" while it runs) */
    ProgressLogger(int stageCount) {
        this(stageCount, consoleAttached() ? System.err : null);
    }

    ProgressLogger(int stageCount, PrintStream bar) {
        this.stageCount = stageCount;
        this.bar = bar;
    }

    private static boolean consoleAttached() {
        Console c = System.console();
        return c != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }


    @Override
    public void onSweep(RoundInfo round, double residual, int activeSamples, int rowsEvaluated) {
        if (mark < 0) {
            mark = System.nanoTime();
        }
        sweepRounds++;
        if (Double.isNaN(residual)) {
            return; // a sequential step, not a Picard sweep: the block line says enough
        }
        String what = String.format(Locale.ROOT, "block %d/%d %s sweep %d: residual %.3g, %d samples active, %d points",
                round.stage() + 1, stageCount, round.phase(), round.sweep(), residual, activeSamples, rowsEvaluated);
        if (bar != null) {
            int filled = (int) Math.round(BAR * (double) round.stage() / Math.max(1, stageCount));
            String line = "\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + what
                    + String.format(Locale.ROOT, ", rounds %d", rounds + sweepRounds);
            bar.print(line + " ".repeat(Math.max(0, barLength - line.length())));
            bar.flush();
            barLength = line.length();
        } else if (LOG.isInfoEnabled()) {
            LOG.info(what);
        }
    }

    @Override
    public void onStageEnd(int stage, int stageCount, StageTrace trace, double[] state) {
        long now = System.nanoTime();
        blockSeconds += (now - (mark < 0 ? start : mark)) / 1e9;
        blocksTimed++;
        mark = now;
        rounds += trace.rounds();
        sweepRounds = 0;
        if (bar != null && barLength > 0) {
            bar.print("\r" + " ".repeat(barLength) + "\r");
            bar.flush();
            barLength = 0;
        }
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
        double elapsed = (now - start) / 1e9;
        int done = stage + 1;
        if (state == null) {
            // Sample-parallel: every chunk ran all its blocks on the executors; this is the merged trace.
            LOG.info(String.format(Locale.ROOT, "block %d/%d (all chunks): sweeps %s, residual %s, rounds so far %d",
                    done, stageCount, sweeps, Double.isNaN(residual) ? "-" : String.format(Locale.ROOT, "%.3g", residual),
                    rounds));
            return;
        }
        double eta = blockSeconds / blocksTimed * (stageCount - done);
        LOG.info(String.format(Locale.ROOT,
                "block %d/%d: sweeps %s, residual %s, rounds so far %d, elapsed %.2f s, ETA %.2f s",
                done, stageCount, sweeps, Double.isNaN(residual) ? "-" : String.format(Locale.ROOT, "%.3g", residual),
                rounds, elapsed, eta));
    }
}
