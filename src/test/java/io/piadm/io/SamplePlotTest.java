package io.piadm.io;

import io.piadm.model.DiagonalGaussian;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplePlotTest {
    @TempDir
    Path tmp;

    @Test
    void heatMapPeaksAtTheModeAndFileIsAPng() throws Exception {
        DiagonalGaussian g = new DiagonalGaussian(new double[] {2.0, -1.0}, new double[] {0.5, 1.5});
        double eta = 1e-3;
        Path f = tmp.resolve("p.png");
        SamplePlot.write(f, new double[0], 0, g, eta, "test", 7);
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(600, img.getHeight());

        // Locate the brightest heat-map pixel (top of the viridis scale) and map it back to data space.
        BufferedImage ref = SamplePlot.render(new double[0], 0, g, eta, "test", 7);
        double[] xr = SamplePlot.range(new double[0], 0, refDraws(g, eta), 0);
        double[] yr = SamplePlot.range(new double[0], 0, refDraws(g, eta), 1);
        int pw = 640 - 70 - 90;
        int ph = 600 - 40 - 55;
        int peak = SamplePlot.colour(1.0).getRGB();
        double bestDist = Double.MAX_VALUE;
        for (int py = 0; py < ph; py++) {
            for (int px = 0; px < pw; px++) {
                bestDist = Math.min(bestDist, dist(new Color(ref.getRGB(70 + px, 40 + py)), new Color(peak)));
            }
        }
        // Centroid of the pixels closest to the top colour (a symmetric plateau around the mode).
        double sx = 0;
        double sy = 0;
        int count = 0;
        for (int py = 0; py < ph; py++) {
            for (int px = 0; px < pw; px++) {
                if (dist(new Color(ref.getRGB(70 + px, 40 + py)), new Color(peak)) == bestDist) {
                    sx += px;
                    sy += py;
                    count++;
                }
            }
        }
        double x1 = xr[0] + (sx / count + 0.5) / pw * (xr[1] - xr[0]);
        double x2 = yr[1] - (sy / count + 0.5) / ph * (yr[1] - yr[0]);
        double[][] mv = g.diagonalGaussianMoments(eta);
        assertEquals(mv[0][0], x1, 3 * (xr[1] - xr[0]) / pw);
        assertEquals(mv[0][1], x2, 3 * (yr[1] - yr[0]) / ph);
        // A corner of the plot is far less dense: darker end of the scale.
        Color corner = new Color(ref.getRGB(71, 41));
        assertTrue(dist(corner, SamplePlot.colour(0.0)) < dist(corner, SamplePlot.colour(1.0)));
    }

    @Test
    void ticksAreRoundNumbersInsideTheRange() {
        assertArrayEquals(new double[] {-2, -1, 0, 1, 2, 3}, SamplePlot.ticks(-2.3, 3.9), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.4, 0.6, 0.8}, SamplePlot.ticks(0.13, 0.93), 1e-12);
    }

    private static double[] refDraws(DiagonalGaussian g, double eta) {
        double[] r = new double[4000];
        g.sample(7, 2000, eta, r);
        return r;
    }

    private static double dist(Color a, Color b) {
        int dr = a.getRed() - b.getRed();
        int dg = a.getGreen() - b.getGreen();
        int db = a.getBlue() - b.getBlue();
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }
}
