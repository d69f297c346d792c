package io.piadm.io;

import io.piadm.model.AnalyticTarget;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A PNG of 2-D samples drawn as dots over the heat map of the target's log density
 * {@code log p_eta} (AnalyticTarget.logDensity at t = eta) on a pixel grid, with labelled axes. Rendered
 * with java.awt in headless mode. The view covers the central 99% of the samples and of a reference
 * draw from the target, so a bad sampler and the target are both visible.
 */
public final class SamplePlot {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int WIDTH = 640;
    private static final int HEIGHT = 600;
    private static final int LEFT = 70;
    private static final int RIGHT = 90;
    private static final int TOP = 40;
    private static final int BOTTOM = 55;
    /** Log-density span shown by the colour scale below its maximum. */
    private static final double LOG_SPAN = 12.0;
    private static final int REFERENCE_DRAWS = 2000;

    // Viridis anchors (matplotlib), interpolated linearly.
    private static final float[][] VIRIDIS = {
        {0.267f, 0.005f, 0.329f}, {0.283f, 0.141f, 0.458f}, {0.254f, 0.265f, 0.530f},
        {0.207f, 0.372f, 0.553f}, {0.164f, 0.471f, 0.558f}, {0.128f, 0.567f, 0.551f},
        {0.135f, 0.659f, 0.518f}, {0.267f, 0.749f, 0.441f}, {0.478f, 0.821f, 0.318f},
        {0.741f, 0.873f, 0.150f}, {0.993f, 0.906f, 0.144f}};

    private SamplePlot() {}

    /**
     * Writes the plot of {@code n} 2-D samples (row-major) to {@code file}. {@code target} may be null
     * (no heat map). {@code title} is drawn above the plot.
     */
    public static void write(Path file, double[] samples, int n, AnalyticTarget target, double eta,
            String title, long seed) throws IOException {
        if (target != null && target.dim() != 2) {
            throw new IllegalArgumentException("the sample plot needs a 2-D target, got d=" + target.dim());
        }
        if (samples.length < 2L * n) {
            throw new IllegalArgumentException("samples hold " + samples.length + " values, need " + 2 * n);
        }
        BufferedImage img = render(samples, n, target, eta, title, seed);
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    static BufferedImage render(double[] samples, int n, AnalyticTarget target, double eta, String title,
            long seed) {
        double[] ref = new double[0];
        if (target != null) {
            ref = new double[2 * REFERENCE_DRAWS];
            target.sample(seed, REFERENCE_DRAWS, eta, ref);
        }
        double[] xr = range(samples, n, ref, 0);
        double[] yr = range(samples, n, ref, 1);
        int pw = WIDTH - LEFT - RIGHT;
        int ph = HEIGHT - TOP - BOTTOM;

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        double lpMax = Double.NEGATIVE_INFINITY;
        if (target != null) {
            double[] lp = new double[pw * ph];
            double[] pt = new double[2];
            for (int py = 0; py < ph; py++) {
                for (int px = 0; px < pw; px++) {
                    pt[0] = xr[0] + (px + 0.5) / pw * (xr[1] - xr[0]);
                    pt[1] = yr[1] - (py + 0.5) / ph * (yr[1] - yr[0]);
                    double v = target.logDensity(pt, 0, eta);
                    lp[py * pw + px] = v;
                    if (v > lpMax) {
                        lpMax = v;
                    }
                }
            }
            for (int py = 0; py < ph; py++) {
                for (int px = 0; px < pw; px++) {
                    double u = (lp[py * pw + px] - (lpMax - LOG_SPAN)) / LOG_SPAN;
                    img.setRGB(LEFT + px, TOP + py, colour(u).getRGB());
                }
            }
            // Colour bar: log density from lpMax - LOG_SPAN to lpMax.
            int bx = LEFT + pw + 20;
            for (int py = 0; py < ph; py++) {
                Color c = colour(1.0 - (py + 0.5) / ph);
                for (int px = 0; px < 14; px++) {
                    img.setRGB(bx + px, TOP + py, c.getRGB());
                }
            }
            g.setColor(Color.BLACK);
            g.drawRect(bx, TOP, 14, ph);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(format(lpMax, 1), bx + 18, TOP + 10);
            g.drawString(format(lpMax - LOG_SPAN, 1), bx + 18, TOP + ph);
            drawRotated(g, "log p_eta(x)", bx + 30, TOP + ph / 2);
        } else {
            g.setColor(new Color(0xF4F4F4));
            g.fillRect(LEFT, TOP, pw, ph);
        }

        // Samples as dots, clipped to the plot area.
        g.setClip(LEFT, TOP, pw, ph);
        Color fill = new Color(255, 255, 255, 200);
        Color edge = new Color(200, 30, 30, 230);
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < n; i++) {
            double sx = LEFT + (samples[2 * i] - xr[0]) / (xr[1] - xr[0]) * pw;
            double sy = TOP + (yr[1] - samples[2 * i + 1]) / (yr[1] - yr[0]) * ph;
            Ellipse2D dot = new Ellipse2D.Double(sx - 2.5, sy - 2.5, 5, 5);
            g.setColor(fill);
            g.fill(dot);
            g.setColor(edge);
            g.draw(dot);
        }
        g.setClip(null);

        // Frame, ticks, labels.
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        double[] xt = ticks(xr[0], xr[1]);
        for (double v : xt) {
            int px = LEFT + (int) Math.round((v - xr[0]) / (xr[1] - xr[0]) * pw);
            g.drawLine(px, TOP + ph, px, TOP + ph + 5);
            String s = format(v, tickDigits(xt));
            g.drawString(s, px - fm.stringWidth(s) / 2, TOP + ph + 18);
        }
        double[] yt = ticks(yr[0], yr[1]);
        for (double v : yt) {
            int py = TOP + (int) Math.round((yr[1] - v) / (yr[1] - yr[0]) * ph);
            g.drawLine(LEFT - 5, py, LEFT, py);
            String s = format(v, tickDigits(yt));
            g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        fm = g.getFontMetrics();
        g.drawString("x1", LEFT + pw / 2 - fm.stringWidth("x1") / 2, HEIGHT - 15);
        drawRotated(g, "x2", 22, TOP + ph / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, LEFT, TOP - 14);
        g.dispose();
        return img;
    }

    private static void drawRotated(Graphics2D g, String s, int x, int y) {
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        g.rotate(-Math.PI / 2);
        g.drawString(s, -g.getFontMetrics().stringWidth(s) / 2, 0);
        g.setTransform(saved);
    }

    /** [lo, hi] covering the central 99% of both point sets in coordinate c, padded by 10%. */
    static double[] range(double[] samples, int n, double[] ref, int c) {
        int m = ref.length / 2;
        double[] v = new double[n + m];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(samples[2 * i + c])) {
                v[k++] = samples[2 * i + c];
            }
        }
        for (int i = 0; i < m; i++) {
            v[k++] = ref[2 * i + c];
        }
        if (k == 0) {
            return new double[] {-1, 1};
        }
        v = Arrays.copyOf(v, k);
        Arrays.sort(v);
        double lo = v[(int) Math.floor(0.005 * (k - 1))];
        double hi = v[(int) Math.ceil(0.995 * (k - 1))];
        double w = hi - lo;
        if (!(w > 1e-9)) {
            w = Math.max(1.0, Math.abs(lo));
        }
        return new double[] {lo - 0.1 * w, hi + 0.1 * w};
    }

    /** Tick positions at 1, 2 or 5 times a power of ten, about five across [lo, hi]. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / p < 1.5 ? p : raw / p < 3.5 ? 2 * p : raw / p < 7.5 ? 5 * p : 10 * p;
        double first = Math.ceil(lo / step) * step;
        int count = (int) Math.floor((hi - first) / step + 1e-9) + 1;
        double[] t = new double[Math.max(0, count)];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i * step;
            if (Math.abs(t[i]) < step * 1e-9) {
                t[i] = 0.0;
            }
        }
        return t;
    }

    private static int tickDigits(double[] t) {
        if (t.length < 2) {
            return 2;
        }
        return Math.max(0, (int) Math.ceil(-Math.log10(t[1] - t[0]) - 1e-9));
    }

    private static String format(double v, int digits) {
        String s = String.format(java.util.Locale.ROOT, "%." + digits + "f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s.equals("-0") ? "0" : s;
    }

    /** Viridis colour at u in [0, 1] (clamped). */
    static Color colour(double u) {
        double x = Math.max(0, Math.min(1, Double.isNaN(u) ? 0 : u)) * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) Math.floor(x));
        float f = (float) (x - i);
        float[] a = VIRIDIS[i];
        float[] b = VIRIDIS[i + 1];
        return new Color(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]));
    }
}
