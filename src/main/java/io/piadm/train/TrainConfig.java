package io.piadm.train;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of a training run, with the defaults that train the 2-D sets in about a minute on one core.
 * Setters return this; {@link #validate()} names the CLI option and its range in every message.
 */
public final class TrainConfig {
    /** Largest accepted Adam learning rate (see {@link #validate()}). */
    public static final double MAX_LEARNING_RATE = 1.0;

    private String dataset = "two-moons";
    private long seed = 0;
    private int epochs = 40;
    private int batchSize = 64;
    private int trainSize = 16384;
    private int[] hidden = {64, 64, 64};
    private double learningRate = 3e-3;
    private double finalLearningRate = 1e-4;
    private double tMin = 1e-3;
    private double tMax = 12.0;
    private int timeFrequencies = 4;
    private double firstFrequency = 0.2;

    public TrainConfig dataset(String s) {
        this.dataset = s;
        return this;
    }

    public TrainConfig seed(long s) {
        this.seed = s;
        return this;
    }

    public TrainConfig epochs(int e) {
        this.epochs = e;
        return this;
    }

    public TrainConfig batchSize(int b) {
        this.batchSize = b;
        return this;
    }

    public TrainConfig trainSize(int n) {
        this.trainSize = n;
        return this;
    }

    public TrainConfig hidden(int... h) {
        this.hidden = h.clone();
        return this;
    }

    public TrainConfig learningRate(double lr) {
        this.learningRate = lr;
        return this;
    }

    public TrainConfig finalLearningRate(double lr) {
        this.finalLearningRate = lr;
        return this;
    }

    public TrainConfig timeRange(double min, double max) {
        this.tMin = min;
        this.tMax = max;
        return this;
    }

    public TrainConfig timeFrequencies(int count, double first) {
        this.timeFrequencies = count;
        this.firstFrequency = first;
        return this;
    }

    public String dataset() {
        return dataset;
    }

    public long seed() {
        return seed;
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public int trainSize() {
        return trainSize;
    }

    public int[] hidden() {
        return hidden.clone();
    }

    public double learningRate() {
        return learningRate;
    }

    public double finalLearningRate() {
        return finalLearningRate;
    }

    public double tMin() {
        return tMin;
    }

    public double tMax() {
        return tMax;
    }

    public int timeFrequencyCount() {
        return timeFrequencies;
    }

    public double firstFrequency() {
        return firstFrequency;
    }

    /** Checks every setting (and parses the dataset); returns the dataset. */
    public ToyDataset validate() {
        ToyDataset ds = ToyDataset.parse(dataset);
        if (epochs < 1 || epochs > 1_000_000) {
            throw new InvalidSettingException("{0} must be an integer in [1, 1000000], got " + epochs, Setting.EPOCHS);
        }
        if (batchSize < 1 || batchSize > 1 << 20) {
            throw new InvalidSettingException("{0} must be an integer in [1, 1048576], got " + batchSize, Setting.BATCH_SIZE);
        }
        if (trainSize < 1 || trainSize > 1 << 26) {
            throw new InvalidSettingException("{0} must be an integer in [1, 67108864], got " + trainSize, Setting.TRAIN_SIZE);
        }
        if (hidden.length < 1 || hidden.length > 16) {
            throw new InvalidSettingException("{0} must list 1 to 16 layer widths, got " + hidden.length, Setting.HIDDEN);
        }
        for (int h : hidden) {
            if (h < 1 || h > 4096) {
                throw new InvalidSettingException("{0} widths must be integers in [1, 4096], got " + h, Setting.HIDDEN);
            }
        }
        // Adam moves each weight by about lr per step: above 1 the MLP's weights (initialised at O(1))
        // are thrown around by more than their own size every step, and the loss overflows to NaN.
        if (!(learningRate > 0) || !(learningRate <= MAX_LEARNING_RATE)) {
            throw new InvalidSettingException("{0} must be a number in (0, " + MAX_LEARNING_RATE + "], got "
                    + learningRate, Setting.LR);
        }
        if (!(finalLearningRate > 0) || finalLearningRate > learningRate) {
            throw new InvalidSettingException("{0} must be a number in (0, {1}], got " + finalLearningRate, Setting.FINAL_LR, Setting.LR);
        }
        if (!(tMin > 0) || !Double.isFinite(tMax) || !(tMax > tMin)) {
            throw new InvalidSettingException("{0} and {1} must satisfy 0 < t-min < t-max < infinity, got "
                    + tMin + " and " + tMax, Setting.T_MIN, Setting.T_MAX);
        }
        if (timeFrequencies < 1 || timeFrequencies > 64 || !(firstFrequency > 0) || !Double.isFinite(firstFrequency)) {
            throw new IllegalArgumentException("time embedding needs 1..64 frequencies and a first frequency > 0, got "
                    + timeFrequencies + " and " + firstFrequency);
        }
        return ds;
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("seed", seed);
        m.put("epochs", epochs);
        m.put("batchSize", batchSize);
        m.put("trainSize", trainSize);
        m.put("hidden", Arrays.copyOf(hidden, hidden.length));
        m.put("activation", "silu");
        m.put("learningRate", learningRate);
        m.put("finalLearningRate", finalLearningRate);
        m.put("learningRateSchedule", "cosine decay per step from learningRate to finalLearningRate");
        m.put("optimizer", "Adam(beta1=0.9, beta2=0.999, eps=1e-8)");
        m.put("timeSampling", "log-uniform on [tMin, tMax] (OU forward time)");
        m.put("tMin", tMin);
        m.put("tMax", tMax);
        m.put("timeEmbedding", "sin/cos(w_j ln t), w_j = firstFrequency * 2^j, j < timeFrequencies");
        m.put("timeFrequencies", timeFrequencies);
        m.put("firstFrequency", firstFrequency);
        m.put("loss", "mean over batch and coordinates of (eps_theta(alpha x0 + sigma eps, t) - eps)^2");
        return m;
    }
}
