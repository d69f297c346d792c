package io.piadm.model.onnx;

import io.piadm.config.AsFlags;
import io.piadm.io.DataFiles;
import io.piadm.io.Npy;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The time-convention probe (docs/ALGORITHMS.md section 14) on an exact-score fixture and on the digits model. */
class TimeConventionCheckTest {
    static final String FLOAT_T = "src/test/resources/onnx/gauss-float-t.onnx";

    @Test
    void omittedTimeOnADdpmNetworkIsRefusedNamingTheConventionThatFits() {
        OnnxModelSpec spec = OnnxModelSpec.parse(FLOAT_T);
        String m = AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> TimeConventionCheck.run(spec, 8.76, null, 0, null, null)));
        assertTrue(m.contains("param=eps,time=ou does not look like this network's convention:"
                + " param=eps,time=ddpm-linear,steps=1000 fits better"), m);
        // the exact-score graph under its own convention: eps of x ~ N(0, I) at T is x to ~e^{-T}
        Map<String, Object> ok = TimeConventionCheck.run(OnnxModelSpec.parse(FLOAT_T + ",time=ddpm-linear"), 8.76,
                null, 0, null, null);
        assertEquals("fits", ok.get("verdict"));
        assertEquals("check=off", TimeConventionCheck.run(OnnxModelSpec.parse(FLOAT_T + ",check=off"), 8.76, null, 0,
                null, null).get("skipped"));
    }

    @Test
    void wrongScheduleOnTheDigitsModelWarnsWithTheTrainingData() throws Exception {
        Npy.Array2D digits = DataFiles.read(DataFiles.DIGITS, new org.apache.hadoop.conf.Configuration());
        assertEquals(1797, digits.rows);
        OnnxModelSpec wrong = OnnxModelSpec.parse("models/digits-cddpm.onnx,null-label=10,time=ddpm-cosine");
        Map<String, Object> r = TimeConventionCheck.run(wrong, 8.76, digits.data, digits.rows, null, "digits");
        assertEquals("warning", r.get("verdict"), r.toString());
        assertEquals("param=eps,time=ddpm-linear,steps=1000", r.get("bestFit"));
        // without data: each time map denoises its own DDIM samples; the training convention does it best
        Map<String, Object> noData = TimeConventionCheck.run(wrong, 8.76, null, 0, null, null);
        assertEquals("warning", noData.get("verdict"), noData.toString());
        assertEquals("param=eps,time=ddpm-linear,steps=1000", noData.get("bestFit"));
        Map<String, Object> right = TimeConventionCheck.run(OnnxModelSpec.parse("models/digits-cddpm.onnx,null-label=10"),
                8.76, digits.data, digits.rows, null, "digits");
        assertEquals("fits", right.get("verdict"), right.toString());
    }
}
