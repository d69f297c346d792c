package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.RunFailure;
import io.piadm.config.Setting;
import io.piadm.io.HadoopOutput;
import io.piadm.io.OutputClaim;
import io.piadm.io.OutputDir;
import io.piadm.io.OutputSafety;
import io.piadm.io.PiadmOutput;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What makes {@code piadm sample} safe to run from a scheduler (cron, Airflow, YARN re-attempts):
 * <ul>
 *   <li>the same command again after it succeeded neither clobbers nor duplicates the output: refused
 *       (exit 2), or with {@code --if-exists skip} accepted with a message and exit 0 when the output is a
 *       complete piadm output whose run.json has this run's configuration hash;</li>
 *   <li>two runs against the same output at once: the second is refused ({@link OutputClaim});</li>
 *   <li>a run interrupted while writing leaves nothing that looks complete, and the next run removes its
 *       leftovers ({@link OutputSafety#cleanLeftovers}).</li>
 * </ul>
 */
final class ScheduledRuns {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledRuns.class);

    private ScheduledRuns() {}

    /** {@code --if-exists}: what to do when the output directory already exists. */
    enum IfExists {
        FAIL, SKIP;

        static IfExists parse(String s) {
            if (s == null) {
                return FAIL;
            }
            switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "fail":
                    return FAIL;
                case "skip":
                    return SKIP;
                default:
                    throw new InvalidSettingException("{0} must be 'fail' (default: refuse an existing output) or"
                            + " 'skip' (exit 0 when it is a complete run of this configuration), got '" + s + "'",
                            Setting.IF_EXISTS);
            }
        }
    }

    /**
     * Checks the output location; creates nothing. Returns null to go ahead, or the message of a skip
     * (the output is a complete run of this configuration and {@code mode} is SKIP); otherwise refuses an
     * existing output with the reason (same configuration: say how to accept it; overwrite: only a piadm
     * output that is not a protected directory).
     */
    static String checkOutput(String out, boolean remote, boolean overwrite, IfExists mode, String configHash,
            Configuration conf) {
        if (mode == IfExists.SKIP && overwrite) {
            throw new InvalidSettingException("{0} skip and {1} exclude each other: keep an identical earlier run,"
                    + " or replace it", Setting.IF_EXISTS, Setting.OVERWRITE);
        }
        boolean exists;
        PiadmOutput prev;
        if (remote) {
            HadoopOutput.checkLocation(out, conf);
            exists = hadoopExists(out, conf);
            prev = exists ? PiadmOutput.readHadoop(out, conf) : null;
        } else {
            Path p = SampleCommand.localPath(out);
            if (p.toString().isEmpty()) {
                throw new InvalidSettingException("{0} must name a directory, got an empty path", Setting.OUT);
            }
            Path abs = p.toAbsolutePath().normalize();
            exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
            prev = exists ? PiadmOutput.readLocal(abs) : null;
        }
        boolean same = prev != null && prev.complete() && configHash.equals(prev.configHash());
        if (exists && mode == IfExists.SKIP) {
            if (same) {
                return "skipped: " + out + " already holds a complete run of this configuration (configHash "
                        + configHash.substring(0, 12) + "..., " + prev.describe() + "); nothing was run or written";
            }
            String why = prev == null ? "it is not a piadm output"
                    : !prev.complete() ? "it lacks " + String.join(", ", prev.missing())
                    : prev.configHash() == null ? "its run.json has no configuration hash (an older piadm version)"
                    : "it holds another configuration, " + prev.describe() + ": configHash "
                            + prev.configHash().substring(0, 12) + "..., this run's " + configHash.substring(0, 12) + "...";
            throw new InvalidSettingException("{0} " + out + " exists but is not a complete run of this configuration ("
                    + why + "); {1} skip accepts only that: choose another {0}", Setting.OUT, Setting.IF_EXISTS);
        }
        if (exists && same && !overwrite) {
            throw new InvalidSettingException("{0} " + out + " already holds a complete run of this configuration"
                    + " (configHash " + configHash.substring(0, 12) + "..., " + prev.describe() + "); pass {1} skip to"
                    + " accept it and exit 0, or {2} to replace it", Setting.OUT, Setting.IF_EXISTS, Setting.OVERWRITE);
        }
        if (remote) {
            HadoopOutput.check(out, overwrite, conf);
        } else {
            OutputDir.check(SampleCommand.localPath(out), overwrite);
        }
        return null;
    }

    private static boolean hadoopExists(String out, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(URI.create(out).normalize());
            FileSystem fs = p.getFileSystem(conf);
            return fs.exists(p);
        } catch (IOException | RuntimeException e) {
            throw new InvalidSettingException("{0} " + out + ": cannot reach its file system (" + e.getMessage() + ")",
                    e, Setting.OUT);
        }
    }

    /**
     * Claims the output for this run, then removes what interrupted runs left beside it and checks the
     * output again (a run that held the claim may have finished meanwhile). The claim is released by
     * {@link Claim#close()}.
     */
    static Claim claim(String out, boolean remote, boolean overwrite, IfExists mode, String configHash,
            List<String> command, Configuration conf) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("configHash", configHash);
        info.put("command", String.join(" ", command));
        OutputClaim c = OutputClaim.acquire(out, conf, info, Setting.OUT);
        try {
            List<String> cleaned = remote ? OutputSafety.cleanLeftoversHadoop(out, conf)
                    : OutputSafety.cleanLeftovers(SampleCommand.localPath(out).toAbsolutePath().normalize());
            String skip = checkOutput(out, remote, overwrite, mode, configHash, conf);
            return new Claim(c, skip, cleaned);
        } catch (IOException e) {
            c.close();
            throw new RunFailure("cannot clean up after an interrupted run beside " + out + ": " + reason(e), e);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** A held claim, with the skip message of the re-check after claiming (null: go ahead). */
    static final class Claim implements AutoCloseable {
        final OutputClaim claim;
        final String skipped;
        final List<String> cleaned;

        Claim(OutputClaim claim, String skipped, List<String> cleaned) {
            this.claim = claim;
            this.skipped = skipped;
            this.cleaned = cleaned;
        }

        void verify() throws IOException {
            claim.verify();
        }

        @Override
        public void close() {
            claim.close();
        }
    }

    /**
     * A failure while writing the outputs (a full disk, a lost connection): one line saying so, that
     * nothing was published, and whether checkpoints allow writing the outputs again without sampling.
     */
    static RunFailure outputFailure(String out, Throwable e, Object checkpointDir) {
        String tail = checkpointDir != null
                ? "; the block checkpoints in " + checkpointDir + " are kept: after freeing space, rerun the same"
                        + " command with {0} to write the outputs without sampling again"
                : "";
        return new RunFailure("writing the outputs to " + out + " failed (" + reason(e) + "); nothing was published"
                + " and the partial files were removed" + tail, e, Setting.RESUME);
    }

    /** An I/O failure (itself or a cause, e.g. inside a Spark write), not a typed setting or run failure. */
    static boolean isIoFailure(Throwable e) {
        if (Main.invalidSetting(e) != null || Main.runFailure(e) != null) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof java.io.UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    /** The most specific reason in a chain of causes: a file system's own words when there are some. */
    static String reason(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            root = t;
            if (t instanceof FileSystemException fse && fse.getReason() != null) {
                return fse.getReason() + " at " + fse.getFile();
            }
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : firstLine(m);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
