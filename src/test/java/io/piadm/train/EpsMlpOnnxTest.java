package io.piadm.train;

import io.piadm.model.onnx.OnnxModelSpec;
import io.piadm.model.onnx.OnnxScoreModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported graph computes the trainer's network; its scores are batch-invariant on the CPU provider. */
class EpsMlpOnnxTest {
    @TempDir
    Path dir;

    static EpsMlp randomNet(int d, int[] hidden, long seed) {
        EpsMlp net = new EpsMlp(d, hidden, EpsMlp.geometricFrequencies(4, 0.2));
        net.initialise(new SplittableRandom(seed));
        return net;
    }

    static double[][] rows(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1e-3 * Math.pow(1.2e4, r.nextDouble());
            for (int j = 0; j < d; j++) {
                x[i * d + j] = 4 * r.nextDouble() - 2;
            }
        }
        return new double[][] {x, t};
    }

    OnnxScoreModel load(EpsMlp net, String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, net.toOnnx(Map.of()));
        return (OnnxScoreModel) OnnxModelSpec.parse(p.toString()).build();
    }

    @Test
    void onnxForwardEqualsJavaForward() throws Exception {
        for (int d : new int[] {2, 8}) {
            EpsMlp net = randomNet(d, new int[] {64, 64, 64}, 11 + d);
            OnnxScoreModel m = load(net, "mlp" + d + ".onnx");
            int n = 1000;
            double[][] in = rows(n, d, 3);
            float[] onnx = m.network(in[0], in[1], 0, n);
            double[] java = new double[n * d];
            net.roundedToFloat().forward(in[0], in[1], n, java);
            double worst = 0;
            for (int i = 0; i < n * d; i++) {
                worst = Math.max(worst, Math.abs(onnx[i] - java[i]));
            }
            System.out.println("d=" + d + ": max |onnx - java| = " + worst);
            assertTrue(worst < 1e-5, "max difference " + worst);
            // and the score is -eps/sigma of that output
            double[] score = new double[n * d];
            m.score(in[0], in[1], n, score);
            for (int i = 0; i < n; i++) {
                double sigma = Math.sqrt(-Math.expm1(-in[1][i]));
                for (int j = 0; j < d; j++) {
                    assertEquals(-onnx[i * d + j] / sigma, score[i * d + j], 1e-12 * Math.abs(score[i * d + j]) + 1e-300);
                }
            }
        }
    }

    /**
     * The same rows scored in one batch of 1000, one by one, in uneven chunks, and with 2 intra-op
     * threads: identical bits on the CPU provider, thanks to OnnxScoreModel's padding to 16-row multiples
     * (without it the differences reached 4.7e-7 relative).
     */
    @Test
    void batchInvariance() throws Exception {
        int d = 8;
        OnnxScoreModel m = load(randomNet(d, new int[] {128, 128, 128}, 5), "wide.onnx");
        int n = 1000;
        double[][] in = rows(n, d, 9);
        double[] all = new double[n * d];
        m.score(in[0], in[1], n, all);
        double[] single = new double[n * d];
        for (int i = 0; i < n; i++) {
            m.score(in[0], in[1], i, 1, single);
        }
        double[] chunks = new double[n * d];
        int[] sizes = {7, 1, 64, 3, 129, 256, 33};
        int at = 0;
        for (int k = 0; at < n; k++) {
            int c = Math.min(sizes[k % sizes.length], n - at);
            m.score(in[0], in[1], at, c, chunks);
            at += c;
        }
        Path p = dir.resolve("wide.onnx");
        OnnxScoreModel twoThreads = (OnnxScoreModel) OnnxModelSpec.parse(p + ",threads=2").build();
        double[] threaded = new double[n * d];
        twoThreads.score(in[0], in[1], n, threaded);
        for (int i = 0; i < n * d; i++) {
            assertEquals(all[i], single[i], 0.0, "row alone vs in a batch, element " + i);
            assertEquals(all[i], chunks[i], 0.0, "uneven chunks, element " + i);
            assertEquals(all[i], threaded[i], 0.0, "two intra-op threads, element " + i);
        }
    }
}
