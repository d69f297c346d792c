package io.piadm.train;

import io.piadm.config.RunFailure;
import io.piadm.config.Setting;

import io.piadm.process.OuProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Trains an {@link EpsMlp} by denoising score matching in the eps-parameterisation (Ho et al. 2020) under
 * the OU forward process of docs/ALGORITHMS.md section 1: {@code x = alpha(t) x0 + sigma(t) eps},
 * loss {@code E ||eps_theta(x, t) - eps||^2}, t log-uniform on [tMin, tMax].
 *
 * <p>Plain Java on one thread with a fixed summation order and seeded {@link SplittableRandom} streams, so
 * the same config and seed give the same weights bit for bit.
 */
public final class Trainer {
    private Trainer() {}

    /** The trained network with its loss curve and timing. */
    public static final class Result {
        private final TrainConfig config;
        private final ToyDataset dataset;
        private final EpsMlp network;
        private final double[] lossPerEpoch;
        private final double seconds;

        Result(TrainConfig config, ToyDataset dataset, EpsMlp network, double[] lossPerEpoch, double seconds) {
            this.config = config;
            this.dataset = dataset;
            this.network = network;
            this.lossPerEpoch = lossPerEpoch;
            this.seconds = seconds;
        }

        public TrainConfig config() {
            return config;
        }

        public ToyDataset dataset() {
            return dataset;
        }

        public EpsMlp network() {
            return network;
        }

        public double[] lossPerEpoch() {
            return lossPerEpoch.clone();
        }

        public double seconds() {
            return seconds;
        }
    }

    /** Trains without progress output. */
    public static Result train(TrainConfig c) {
        return train(c, e -> { });
    }

    /** Trains; {@code onEpoch} receives each finished epoch's index (from 0). */
    public static Result train(TrainConfig c, IntConsumer onEpoch) {
        ToyDataset ds = c.validate();
        long start = System.nanoTime();
        int d = ds.dim();
        // Independent seeded streams: data set, initial weights, per-step noise.
        SplittableRandom root = new SplittableRandom(c.seed());
        long dataSeed = root.nextLong();
        SplittableRandom initRng = root.split();
        SplittableRandom rng = root.split();
        double[] data = ds.sample(dataSeed, c.trainSize());
        EpsMlp net = new EpsMlp(d, c.hidden(), EpsMlp.geometricFrequencies(c.timeFrequencyCount(), c.firstFrequency()));
        net.initialise(initRng);

        int layers = net.layers();
        double[][] gw = new double[layers][];
        double[][] gb = new double[layers][];
        double[][] mw = new double[layers][];
        double[][] vw = new double[layers][];
        double[][] mb = new double[layers][];
        double[][] vb = new double[layers][];
        for (int l = 0; l < layers; l++) {
            gw[l] = new double[net.w[l].length];
            mw[l] = new double[net.w[l].length];
            vw[l] = new double[net.w[l].length];
            gb[l] = new double[net.b[l].length];
            mb[l] = new double[net.b[l].length];
            vb[l] = new double[net.b[l].length];
        }
        int n = c.trainSize();
        int bs = Math.min(c.batchSize(), n);
        int batchesPerEpoch = (n + bs - 1) / bs;
        long totalSteps = (long) batchesPerEpoch * c.epochs();
        EpsMlp.Activations act = new EpsMlp.Activations(net, bs);
        double[] x = new double[bs * d];
        double[] t = new double[bs];
        double[] eps = new double[bs * d];
        double[] gOut = new double[bs * d];
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        double logRange = Math.log(c.tMax() / c.tMin());
        double[] losses = new double[c.epochs()];
        long step = 0;
        final double beta1 = 0.9;
        final double beta2 = 0.999;
        for (int epoch = 0; epoch < c.epochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            double epochLoss = 0;
            for (int bStart = 0; bStart < n; bStart += bs) {
                int m = Math.min(bs, n - bStart);
                for (int r = 0; r < m; r++) {
                    double tr = c.tMin() * StrictMath.exp(logRange * rng.nextDouble());
                    double alpha = OuProcess.alpha(tr);
                    double sigma = OuProcess.sigma(tr);
                    t[r] = tr;
                    int src = perm[bStart + r] * d;
                    for (int k = 0; k < d; k++) {
                        double e = ToyDataset.gaussian(rng);
                        eps[r * d + k] = e;
                        x[r * d + k] = alpha * data[src + k] + sigma * e;
                    }
                }
                act.forward(net, x, t, m);
                double[] out = act.h[layers];
                double loss = 0;
                double scale = 1.0 / ((double) m * d);
                for (int i = 0; i < m * d; i++) {
                    double diff = out[i] - eps[i];
                    loss += diff * diff;
                    gOut[i] = 2 * diff * scale;
                }
                epochLoss += loss * scale * m;
                for (int l = 0; l < layers; l++) {
                    java.util.Arrays.fill(gw[l], 0);
                    java.util.Arrays.fill(gb[l], 0);
                }
                net.backward(act, gOut, m, gw, gb);
                step++;
                double progress = (double) (step - 1) / Math.max(1, totalSteps - 1);
                double lr = c.finalLearningRate() + 0.5 * (c.learningRate() - c.finalLearningRate())
                        * (1 + Math.cos(Math.PI * progress));
                double bc1 = 1 - Math.pow(beta1, step);
                double bc2 = 1 - Math.pow(beta2, step);
                for (int l = 0; l < layers; l++) {
                    adam(net.w[l], gw[l], mw[l], vw[l], lr, beta1, beta2, bc1, bc2);
                    adam(net.b[l], gb[l], mb[l], vb[l], lr, beta1, beta2, bc1, bc2);
                }
            }
            losses[epoch] = epochLoss / n;
            checkFinite(epoch, c, losses[epoch], net);
            onEpoch.accept(epoch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(c, ds, net, losses, seconds);
    }

    /**
     * Stops a diverged training run: a network with a non-finite loss or weight must never be written (and
     * suggested for sampling): every sample drawn with it would be NaN.
     */
    static void checkFinite(int epoch, TrainConfig c, double loss, EpsMlp net) {
        boolean weights = finite(net);
        if (!Double.isFinite(loss) || !weights) {
            throw new RunFailure("training diverged in epoch " + (epoch + 1) + " of " + c.epochs() + " (loss " + loss
                    + (weights ? "" : ", non-finite weights") + "); nothing was written. Lower {0} (got "
                    + c.learningRate() + "), or check the scale of {1}", Setting.LR, Setting.DATASET);
        }
    }

    /** True when every weight and bias is finite. */
    static boolean finite(EpsMlp net) {
        for (int l = 0; l < net.layers(); l++) {
            for (double v : net.w[l]) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            for (double v : net.b[l]) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void adam(double[] p, double[] g, double[] m, double[] v, double lr, double b1, double b2,
            double bc1, double bc2) {
        for (int i = 0; i < p.length; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            p[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + 1e-8);
        }
    }

    /** Paths written by {@link #write}. */
    public static final class Outputs {
        public final Path model;
        public final Path report;
        public final Path lossPlot;

        Outputs(Path model, Path report, Path lossPlot) {
            this.model = model;
            this.report = report;
            this.lossPlot = lossPlot;
        }
    }

    /**
     * Writes {@code BASE.onnx}, {@code BASE.report.json} (config, seed, data set, loss per epoch, time,
     * model hash and the command that reproduces it) and {@code BASE.loss.png} into dir.
     */
    public static Outputs write(Result r, Path dir, String base, String command) {
        try {
            Files.createDirectories(dir);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("dataset", r.dataset().spec());
            meta.put("seed", Long.toString(r.config().seed()));
            byte[] onnx = r.network().toOnnx(meta);
            Path model = dir.resolve(base + ".onnx");
            Files.write(model, onnx);
            Map<String, Object> rep = new LinkedHashMap<>();
            rep.put("model", model.getFileName().toString());
            rep.put("modelSha256", io.piadm.io.Hashing.sha256Hex(onnx));
            rep.put("modelBytes", onnx.length);
            rep.put("spec", "onnx:" + model.getFileName() + ",param=eps,time=ou");
            rep.put("parameterisation", "eps");
            rep.put("time", "ou");
            rep.put("dataset", r.dataset().describe());
            rep.put("seed", r.config().seed());
            rep.put("config", r.config().describe());
            rep.put("parameters", r.network().parameterCount());
            double[] loss = r.lossPerEpoch();
            rep.put("finalLoss", loss[loss.length - 1]);
            rep.put("lossPerEpoch", loss);
            rep.put("trainSeconds", r.seconds());
            rep.put("threads", 1);
            rep.put("java", System.getProperty("java.version"));
            if (command != null) {
                rep.put("command", command);
            }
            Path report = dir.resolve(base + ".report.json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(), rep);
            Path png = dir.resolve(base + ".loss.png");
            ImageIO.write(lossPlot(loss, r.dataset().spec()), "png", png.toFile());
            return new Outputs(model, report, png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training outputs to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loss per epoch on a log10 axis, drawn with java.awt in headless mode. */
    static BufferedImage lossPlot(double[] loss, String title) {
        System.setProperty("java.awt.headless", "true");
        int wdt = 720;
        int hgt = 440;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        BufferedImage img = new BufferedImage(wdt, hgt, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, wdt, hgt);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : loss) {
            lo = Math.min(lo, Math.log10(v));
            hi = Math.max(hi, Math.log10(v));
        }
        double yMin = Math.floor(lo * 10) / 10;
        double yMax = Math.ceil(hi * 10) / 10;
        if (yMax - yMin < 0.1) {
            yMax = yMin + 0.1;
        }
        int pw = wdt - left - right;
        int ph = hgt - top - bottom;
        g.setColor(new Color(230, 230, 230));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        List<Double> ticks = new ArrayList<>();
        double stepY = (yMax - yMin) / 5;
        for (int i = 0; i <= 5; i++) {
            ticks.add(yMin + i * stepY);
        }
        for (double ty : ticks) {
            int py = top + (int) Math.round(ph * (yMax - ty) / (yMax - yMin));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, py, left + pw, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.3g", Math.pow(10, ty)), 5, py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        int n = loss.length;
        for (int i = 0; i <= 4; i++) {
            int ep = (int) Math.round((n - 1) * i / 4.0);
            int px = left + (n == 1 ? 0 : (int) Math.round(pw * ep / (double) (n - 1)));
            g.drawString(Integer.toString(ep + 1), px - 6, top + ph + 16);
        }
        g.drawString("epoch", left + pw / 2 - 15, hgt - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString("training loss (eps MSE, log scale): " + title, left, 24);
        g.setColor(new Color(31, 119, 180));
        g.setStroke(new BasicStroke(2f));
        int prevX = -1;
        int prevY = -1;
        for (int i = 0; i < n; i++) {
            int px = left + (n == 1 ? pw / 2 : (int) Math.round(pw * i / (double) (n - 1)));
            int py = top + (int) Math.round(ph * (yMax - Math.log10(loss[i])) / (yMax - yMin));
            if (prevX >= 0) {
                g.drawLine(prevX, prevY, px, py);
            } else {
                g.fillOval(px - 2, py - 2, 4, 4);
            }
            prevX = px;
            prevY = py;
        }
        g.dispose();
        return img;
    }
}
