package io.piadm.io;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Samples of an image-shaped model as 8-bit PNGs: a value v maps to {@code round(255 (v - lo) / (hi - lo))},
 * clamped to 0..255, with [lo, hi] the stated value range (the training data's, [-1, 1] for the diffusers
 * convention). The row layout is channels first ([C, H, W], PyTorch's): C = 1 is grey, C = 3 RGB, other C show
 * channel 0; [H, W] is grey.
 */
public final class ImagePng {
    /** Samples in the grid: the first 64 (8 x 8 tiles). */
    public static final int GRID_SAMPLES = 64;
    public static final int GRID_COLUMNS = 8;

    private final int channels;
    private final int height;
    private final int width;
    private final double lo;
    private final double hi;

    private ImagePng(int channels, int height, int width, double lo, double hi) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.lo = lo;
        this.hi = hi;
    }

    /** For a per-row shape, or null when the rows are not images (rank 1, or more than 3 dims). */
    public static ImagePng of(long[] rowShape, double lo, double hi) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("value range must have hi > lo, got [" + lo + ", " + hi + "]");
        }
        if (rowShape.length == 2) {
            return new ImagePng(1, (int) rowShape[0], (int) rowShape[1], lo, hi);
        }
        if (rowShape.length == 3) {
            return new ImagePng((int) rowShape[0], (int) rowShape[1], (int) rowShape[2], lo, hi);
        }
        return null;
    }

    /** The 8-bit value of v. */
    public int level(double v) {
        if (!Double.isFinite(v)) {
            return 0;
        }
        long q = Math.round(255.0 * (v - lo) / (hi - lo));
        return (int) Math.max(0, Math.min(255, q));
    }

    private int rgb(double[] x, int off, int r, int c) {
        int plane = height * width;
        int p = r * width + c;
        if (channels == 3) {
            return level(x[off + p]) << 16 | level(x[off + plane + p]) << 8 | level(x[off + 2 * plane + p]);
        }
        int g = level(x[off + p]);
        return g << 16 | g << 8 | g;
    }

    /** Integer upscaling of a tile so that it is at least 32 pixels on its long side (8x8 digits: 4x). */
    int scale() {
        return Math.max(1, (int) Math.ceil(32.0 / Math.max(height, width)));
    }

    /** The grid of the first min(n, 64) samples, 8 per row, tiles upscaled by {@link #scale()}, 1-pixel gaps. */
    public void writeGrid(Path file, double[] samples, int n) throws IOException {
        int k = Math.min(n, GRID_SAMPLES);
        int cols = Math.min(GRID_COLUMNS, Math.max(1, k));
        int rows = Math.max(1, (k + cols - 1) / cols);
        int s = scale();
        int tw = width * s + 1;
        int th = height * s + 1;
        BufferedImage img = new BufferedImage(cols * tw + 1, rows * th + 1, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x404040); // gaps
            }
        }
        int d = channels * height * width;
        for (int i = 0; i < k; i++) {
            int ox = (i % cols) * tw + 1;
            int oy = (i / cols) * th + 1;
            for (int r = 0; r < height * s; r++) {
                for (int c = 0; c < width * s; c++) {
                    img.setRGB(ox + c, oy + r, rgb(samples, i * d, r / s, c / s));
                }
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** One PNG per sample at native resolution: {@code dir/<id>.png} with six-digit ids. */
    public void writeEach(Path dir, double[] samples, int n, long firstId) throws IOException {
        Files.createDirectories(dir);
        int d = channels * height * width;
        for (int i = 0; i < n; i++) {
            writeOne(dir, samples, i * d, firstId + i);
        }
    }

    /** {@code dir/<id>.png} (six-digit id) of the sample at {@code x[off ..]}; dir must exist. */
    public void writeOne(Path dir, double[] x, int off, long id) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                img.setRGB(c, r, rgb(x, off, r, c));
            }
        }
        ImageIO.write(img, "png", dir.resolve(String.format(java.util.Locale.ROOT, "%06d.png", id)).toFile());
    }

    /** For run.json. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("valueRange", new double[] {lo, hi});
        m.put("map", "round(255 (v - lo) / (hi - lo)), clamped to 0..255; channels first ([C, H, W])");
        m.put("gridSamples", "the first " + GRID_SAMPLES + ", " + GRID_COLUMNS + " per row, each tile upscaled "
                + scale() + "x (nearest), 1-pixel grey gaps");
        return m;
    }
}
