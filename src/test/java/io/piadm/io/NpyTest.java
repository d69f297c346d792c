package io.piadm.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NpyTest {
    @TempDir
    Path tmp;

    /** The exact bytes numpy.save writes for a (3, 2) float64 array (checked against NumPy 2.4). */
    @Test
    void headerBytesMatchNumpy() {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }";
        StringBuilder sb = new StringBuilder(dict);
        while (sb.length() < 117) {
            sb.append(' ');
        }
        sb.append('\n');
        byte[] expected = new byte[128];
        byte[] pre = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
        System.arraycopy(pre, 0, expected, 0, 10);
        System.arraycopy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, expected, 10, 118);
        assertArrayEquals(expected, Npy.header(3, 2));
    }

    @Test
    void dataStartsOnA64ByteBoundary() {
        long[][] shapes = {{0, 0}, {1, 1}, {3, 2}, {1000, 64}, {123456789, 4096}, {9_000_000_000L, 1}};
        for (long[] s : shapes) {
            byte[] h = Npy.header(s[0], s[1]);
            assertEquals(0, h.length % 64, "shape " + s[0] + "x" + s[1]);
            assertEquals('\n', h[h.length - 1]);
            int len = (h[8] & 0xFF) | ((h[9] & 0xFF) << 8);
            assertEquals(h.length - 10, len);
            String text = new String(h, 10, len, StandardCharsets.US_ASCII);
            assertTrue(text.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (" + s[0] + ", " + s[1] + "), }"));
            assertTrue(text.substring(text.indexOf('}') + 1, len - 1).isBlank());
        }
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        int rows = 5000;
        int cols = 3;
        double[] data = new double[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = Math.sin(i) * Math.pow(10, (i % 40) - 20);
        }
        data[1] = Double.NaN;
        data[2] = Double.NEGATIVE_INFINITY;
        data[4] = -0.0;
        data[5] = Double.MIN_VALUE;
        Path f = tmp.resolve("a.npy");
        Npy.write(f, data, rows, cols);
        assertEquals(128 + 8L * rows * cols, Files.size(f));
        Npy.Array2D a = Npy.read(f);
        assertEquals(rows, a.rows);
        assertEquals(cols, a.cols);
        for (int i = 0; i < data.length; i++) {
            assertEquals(Double.doubleToRawLongBits(data[i]), Double.doubleToRawLongBits(a.data[i]), "value " + i);
        }
        // Row-major, little-endian: value (1, 0) is the fourth double after the header.
        byte[] bytes = Files.readAllBytes(f);
        double v = ByteBuffer.wrap(bytes, 128 + 3 * 8, 8).order(ByteOrder.LITTLE_ENDIAN).getDouble();
        assertEquals(data[3], v);
    }

    @Test
    void readerRejectsWhatItCannotRepresent() {
        assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream("not numpy".getBytes()), "x"));
        String h = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }";
        assertTrue(assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(v1(h)), "x"))
                .getMessage().contains("dtype '>f4' is not supported"));
        String f = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }";
        assertTrue(assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(v1(f)), "x"))
                .getMessage().contains("Fortran"));
        // Truncated data.
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> {
            Npy.write(bo, new double[] {1, 2, 3, 4}, 2, 2);
            byte[] b = bo.toByteArray();
            byte[] cut = java.util.Arrays.copyOf(b, b.length - 4);
            Npy.read(new ByteArrayInputStream(cut), "x");
        });
        assertThrows(IllegalArgumentException.class, () -> Npy.write(tmp.resolve("b.npy"), new double[3], 2, 2));
    }

    @Test
    void oneDimensionalArraysReadAsColumns() throws IOException {
        String h = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        byte[] head = v1(h);
        ByteBuffer b = ByteBuffer.allocate(head.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head).putDouble(1.5).putDouble(-2.5);
        Npy.Array2D a = Npy.read(new ByteArrayInputStream(b.array()), "x");
        assertEquals(2, a.rows);
        assertEquals(1, a.cols);
        assertArrayEquals(new double[] {1.5, -2.5}, a.data);
    }

    @Test
    void float32AndInt64AndImageArraysRoundTripThroughNumpy() throws Exception {
        assumeTrue(run("python3", "-c", "import numpy") == 0, "python3 with numpy not available");
        double[] data = {0.1, -2.0, 3.25, 1e-3, 7.0, 65504.0};
        Path f32 = tmp.resolve("f32.npy");
        Npy.writeFloat32(f32, data, 3, 2);
        Path lab = tmp.resolve("labels.npy");
        Npy.writeInt64(lab, new long[] {3, 0, 9});
        Path img = tmp.resolve("img.npy");
        String py = "import numpy as np,sys\n"
                + "a=np.load(sys.argv[1]); assert a.dtype==np.float32 and a.shape==(3,2)\n"
                + "assert (a==np.array([0.1,-2.0,3.25,1e-3,7.0,65504.0],dtype=np.float32).reshape(3,2)).all()\n"
                + "l=np.load(sys.argv[2]); assert l.dtype==np.int64 and l.shape==(3,) and list(l)==[3,0,9]\n"
                + "np.save(sys.argv[3], (np.arange(2*1*2*3)/4).astype(np.float32).reshape(2,1,2,3))\n";
        assertEquals(0, run("python3", "-c", py, f32.toString(), lab.toString(), img.toString()));
        assertEquals((float) 0.1, (float) Npy.read(f32).data[0]);
        Npy.Array2D a = Npy.read(img);
        assertEquals(2, a.rows);
        assertEquals(6, a.cols, "an [N, 1, 2, 3] array reads as N rows of 6");
        for (int i = 0; i < 12; i++) {
            assertEquals(i / 4.0, a.data[i]);
        }
        Npy.Array2D l = Npy.read(lab);
        assertArrayEquals(new double[] {3, 0, 9}, l.data);
    }

    /** Cross-check with NumPy itself when python3 with numpy is installed (skipped otherwise). */
    @Test
    void numpyReadsWhatWeWriteAndViceVersa() throws Exception {
        assumeTrue(run("python3", "-c", "import numpy") == 0, "python3 with numpy not available");
        double[] data = {0.1, -2.0, 3.25, 1e-300, 7.0, Double.MAX_VALUE};
        Path ours = tmp.resolve("ours.npy");
        Npy.write(ours, data, 3, 2);
        Path theirs = tmp.resolve("theirs.npy");
        String py = "import numpy as np,sys\n"
                + "a=np.load(sys.argv[1])\n"
                + "assert a.shape==(3,2) and a.dtype==np.float64 and a.flags['C_CONTIGUOUS']\n"
                + "assert (a==np.array([[0.1,-2.0],[3.25,1e-300],[7.0,np.finfo(np.float64).max]])).all()\n"
                + "np.save(sys.argv[2], np.arange(12, dtype=np.float64).reshape(4,3)/8)\n";
        assertEquals(0, run("python3", "-c", py, ours.toString(), theirs.toString()));
        Npy.Array2D a = Npy.read(theirs);
        assertEquals(4, a.rows);
        assertEquals(3, a.cols);
        for (int i = 0; i < 12; i++) {
            assertEquals(i / 8.0, a.data[i]);
        }
    }

    private static int run(String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        }
    }

    private static byte[] v1(String dict) {
        StringBuilder sb = new StringBuilder(dict);
        while ((10 + sb.length() + 1) % 64 != 0) {
            sb.append(' ');
        }
        sb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + sb.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) 1).put((byte) 0).putShort((short) sb.length());
        b.put(sb.toString().getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void theStreamingWriterWritesWhatTheArrayWriterWrites() throws Exception {
        int rows = 1000;
        int cols = 7;
        double[] data = new double[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = Math.sin(i) * Math.scalb(1.0, i % 40 - 20);
        }
        java.io.ByteArrayOutputStream a = new java.io.ByteArrayOutputStream();
        Npy.write(a, data, rows, cols);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        Npy.Writer w = new Npy.Writer(b, rows, cols);
        for (int r = 0; r < rows; r++) {
            w.row(data, r * cols);
        }
        w.finish();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.toByteArray(), b.toByteArray());
        org.junit.jupiter.api.Assertions.assertEquals(a.size(), Npy.fileBytes(rows, cols));
        Npy.Writer short_ = new Npy.Writer(new java.io.ByteArrayOutputStream(), 2, cols);
        short_.row(data, 0);
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, short_::finish, "fewer rows than the header");
    }
}
