package io.piadm.train;

import io.piadm.config.RunFailure;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A training run whose loss or weights stop being finite is stopped before anything is written. */
class TrainerDivergenceTest {
    @Test
    void aNonFiniteLossOrWeightStopsTrainingNamingTheLearningRate() {
        TrainConfig c = new TrainConfig().learningRate(0.5);
        EpsMlp net = new EpsMlp(2, new int[] {4}, EpsMlp.geometricFrequencies(2, 0.2));
        net.initialise(new SplittableRandom(1));
        Trainer.checkFinite(0, c, 0.7, net); // finite: goes on

        RunFailure loss = assertThrows(RunFailure.class, () -> Trainer.checkFinite(2, c, Double.NaN, net));
        String m = loss.render(s -> "--" + s.key());
        assertTrue(m.startsWith("training diverged in epoch 3 of 40 (loss NaN)") && m.contains("nothing was written")
                && m.contains("Lower --lr (got 0.5)") && m.contains("--dataset"), m);

        net.w[0][1] = Double.POSITIVE_INFINITY;
        RunFailure weights = assertThrows(RunFailure.class, () -> Trainer.checkFinite(0, c, 0.7, net));
        assertTrue(weights.getMessage().contains("non-finite weights"), weights.getMessage());
    }
}
