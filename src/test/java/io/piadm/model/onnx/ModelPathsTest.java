package io.piadm.model.onnx;

import io.piadm.config.AsFlags;
import io.piadm.model.ModelSpecs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where onnx:PATH is looked for, and paths that hold commas. */
class ModelPathsTest {
    @TempDir
    Path tmp;

    private static byte[] model() {
        return new GaussianOnnxGraph(new double[] {0.0, 1.0}, new double[] {1.0, 2.0}).toBytes();
    }

    @Test
    void aRelativePathMissingHereIsFoundInTheProjectDirectory() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("project/models"));
        Files.write(home.resolve("elsewhere-model.onnx"), model());
        String saved = System.getProperty(ModelPaths.HOME_PROPERTY);
        System.setProperty(ModelPaths.HOME_PROPERTY, tmp.resolve("project").toString());
        try {
            // The working directory (the build's) has no models/elsewhere-model.onnx.
            assertTrue(!Files.exists(Path.of("models/elsewhere-model.onnx")));
            OnnxModelSpec s = OnnxModelSpec.parse("models/elsewhere-model.onnx,param=eps");
            assertEquals(home.resolve("elsewhere-model.onnx").toString(), s.path());
            assertEquals(2, s.dim());
            // Missing in both places: both are named.
            String m = AsFlags.message(assertThrows(RuntimeException.class,
                    () -> OnnxModelSpec.parse("models/none.onnx")));
            assertTrue(m.contains("no such model file; looked for " + Path.of("models/none.onnx").toAbsolutePath()
                    + " and " + home.resolve("none.onnx")), m);
        } finally {
            if (saved == null) {
                System.clearProperty(ModelPaths.HOME_PROPERTY);
            } else {
                System.setProperty(ModelPaths.HOME_PROPERTY, saved);
            }
        }
    }

    @Test
    void theReadmeModelResolvesWithoutAProperty() {
        // Without piadm.home the project directory is the one above target/ holding these classes.
        String saved = System.clearProperty(ModelPaths.HOME_PROPERTY);
        try {
            assertEquals(Path.of("").toAbsolutePath().normalize(), ModelPaths.projectHome());
        } finally {
            if (saved != null) {
                System.setProperty(ModelPaths.HOME_PROPERTY, saved);
            }
        }
    }

    @Test
    void aQuotedPathMayHoldCommas() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("runs,2024/a b"));
        Path p = Files.write(dir.resolve("m,1.onnx"), model());
        OnnxModelSpec s = (OnnxModelSpec) ModelSpecs.parse("onnx:\"" + p + "\",param=score");
        assertEquals(p.toString(), s.path());
        assertEquals(Parameterisation.SCORE, s.param());
        // Unquoted, the comma splits: the message says how to quote it.
        String m = AsFlags.message(assertThrows(RuntimeException.class, () -> ModelSpecs.parse("onnx:" + p)));
        assertTrue(m.contains("must be quoted"), m);
    }
}
