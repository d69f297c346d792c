package io.piadm.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format version 1.0, as numpy.lib.format writes them): the magic
 * {@code \x93NUMPY}, version bytes {@code 1 0}, a little-endian uint16 header length, then an ASCII dict
 * {@code {'descr': '<f8', 'fortran_order': False, 'shape': (N, d), }} padded with spaces and ended by a
 * newline so that the data starts on a 64-byte boundary, then the values little-endian in C (row-major)
 * order. Written: 2-D float64 ({@code <f8}) or float32 ({@code <f4}) samples, 1-D int64 ({@code <i8})
 * labels. Read: float64, float32, int64, int32 and uint8 arrays of any rank, as N rows of the product of the
 * other dimensions (an image data set [N, 1, 8, 8] reads as N x 64); version 2.0/3.0 headers too.
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Data alignment NumPy uses since 1.x (numpy.lib.format.ARRAY_ALIGN). */
    static final int ALIGN = 64;

    private Npy() {}

    /** A 2-D float64 array read from a file: {@code rows x cols}, row-major. */
    public static final class Array2D {
        public final int rows;
        public final int cols;
        public final double[] data;

        Array2D(int rows, int cols, double[] data) {
            this.rows = rows;
            this.cols = cols;
            this.data = data;
        }
    }

    /** The complete header (magic through the terminating newline) for a {@code rows x cols} array. */
    public static byte[] header(long rows, long cols) {
        return header("<f8", rows, cols);
    }

    /** The header for a {@code rows x cols} array of dtype {@code descr}, or 1-D {@code (rows,)} when cols &lt; 0. */
    static byte[] header(String descr, long rows, long cols) {
        if (rows < 0) {
            throw new IllegalArgumentException("shape must be non-negative, got (" + rows + ", " + cols + ")");
        }
        String shape = cols < 0 ? rows + "," : rows + ", " + cols;
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int pre = MAGIC.length + 2 + 2;
        int unpadded = pre + dict.length() + 1; // + '\n'
        int total = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
        int headerLen = total - pre;
        if (headerLen > 0xFFFF) {
            throw new IllegalArgumentException("npy v1.0 header too long");
        }
        StringBuilder sb = new StringBuilder(headerLen).append(dict);
        while (sb.length() < headerLen - 1) {
            sb.append(' ');
        }
        sb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLen);
        b.put(sb.toString().getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** Writes {@code rows x cols} values of {@code data} (row-major) to {@code file}. */
    public static void write(Path file, double[] data, int rows, int cols) throws IOException {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values, shape is (" + rows + ", "
                    + cols + ")");
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, data, rows, cols);
        }
    }

    /** Writes the header and data to a stream (not closed). */
    public static void write(OutputStream out, double[] data, int rows, int cols) throws IOException {
        out.write(header(rows, cols));
        ByteBuffer buf = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; i++) {
            if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putDouble(data[i]);
        }
        out.write(buf.array(), 0, buf.position());
    }

    /**
     * Writes a {@code rows x cols} array row by row to a stream (not closed), holding one buffer: for arrays
     * larger than memory (samples streamed from executor-written Parquet parts). {@link #finish} checks
     * that exactly {@code rows} rows came.
     */
    public static final class Writer {
        private final OutputStream out;
        private final long rows;
        private final int cols;
        private final ByteBuffer buf = ByteBuffer.allocate(8 * 8192).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        private final boolean float32;

        public Writer(OutputStream out, long rows, int cols) throws IOException {
            this(out, rows, cols, false);
        }

        /** {@code float32}: values stored as {@code <f4} (see {@link #writeFloat32}). */
        public Writer(OutputStream out, long rows, int cols, boolean float32) throws IOException {
            this.out = out;
            this.rows = rows;
            this.cols = cols;
            this.float32 = float32;
            out.write(header(float32 ? "<f4" : "<f8", rows, cols));
        }

        public void row(double[] v, int off) throws IOException {
            if (written == rows) {
                throw new IOException("more than the " + rows + " rows of the header");
            }
            for (int i = 0; i < cols; i++) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                if (float32) {
                    buf.putFloat((float) v[off + i]);
                } else {
                    buf.putDouble(v[off + i]);
                }
            }
            written++;
        }

        public void finish() throws IOException {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
            if (written != rows) {
                throw new IOException(written + " rows written, the header says " + rows);
            }
            out.flush();
        }
    }

    /** Bytes of a {@code rows x cols} float64 .npy file. */
    public static long fileBytes(long rows, long cols) {
        return fileBytes(rows, cols, false);
    }

    /** Bytes of a {@code rows x cols} .npy file of float64 or float32 values. */
    public static long fileBytes(long rows, long cols, boolean float32) {
        return header(float32 ? "<f4" : "<f8", rows, cols).length + (float32 ? 4 : 8) * rows * cols;
    }

    /** Writes a 1-D int64 array of {@code n} values {@code value(i)}, streamed (e.g. each sample's class label). */
    public static void writeInt64(Path file, long n, java.util.function.LongUnaryOperator value) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(header("<i8", n, -1));
            ByteBuffer buf = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putLong(value.applyAsLong(i));
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    /** Writes {@code rows x cols} values as float32 ({@code <f4}): half the size, about 7 significant digits. */
    public static void writeFloat32(Path file, double[] data, int rows, int cols) throws IOException {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values, shape is (" + rows + ", "
                    + cols + ")");
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(header("<f4", rows, cols));
            ByteBuffer buf = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : data) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat((float) v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    /** Writes a 1-D int64 ({@code <i8}) array, e.g. the class label of each sample. */
    public static void writeInt64(Path file, long[] data) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(header("<i8", data.length, -1));
            ByteBuffer buf = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : data) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putLong(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads a 2-D (or 1-D, as N x 1) little-endian float64 C-order array. */
    public static Array2D read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString());
        }
    }

    static Array2D read(InputStream raw, String name) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] magic = new byte[MAGIC.length];
        try {
            in.readFully(magic);
            for (int i = 0; i < MAGIC.length; i++) {
                if (magic[i] != MAGIC[i]) {
                    throw new IOException(name + ": not a .npy file (bad magic)");
                }
            }
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            long headerLen;
            if (major == 1) {
                headerLen = in.readUnsignedByte() | (in.readUnsignedByte() << 8);
            } else if (major == 2 || major == 3) {
                headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            } else {
                throw new IOException(name + ": unsupported .npy format version " + major);
            }
            if (headerLen > (1 << 24)) {
                throw new IOException(name + ": .npy header too long (" + headerLen + " bytes)");
            }
            byte[] hb = new byte[(int) headerLen];
            in.readFully(hb);
            String h = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = group(DESCR, h, name, "descr");
            int width;
            switch (descr) {
                case "<f8":
                case "<i8":
                    width = 8;
                    break;
                case "<f4":
                case "<i4":
                    width = 4;
                    break;
                case "|u1":
                    width = 1;
                    break;
                default:
                    throw new IOException(name + ": dtype '" + descr + "' is not supported; expected '<f8' (float64),"
                            + " '<f4' (float32), '<i8', '<i4' or '|u1' (little-endian)");
            }
            if (group(FORTRAN, h, name, "fortran_order").equals("True")) {
                throw new IOException(name + ": Fortran-order arrays are not supported; expected C order");
            }
            String[] dims = group(SHAPE, h, name, "shape").split(",");
            long rows = -1;
            long cols = 1;
            for (String s : dims) {
                if (s.isBlank()) {
                    continue;
                }
                long v = Long.parseLong(s.trim());
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                if (rows < 0) {
                    rows = v;
                } else {
                    cols *= v; // rows of the product of the other dims (C order)
                    if (cols > Integer.MAX_VALUE) {
                        throw new IOException(name + ": array rows of " + cols + " values are too large");
                    }
                }
            }
            if (rows < 0) {
                throw new IOException(name + ": 0-D arrays are not supported");
            }
            if (rows * cols > Integer.MAX_VALUE - 8) {
                throw new IOException(name + ": array of " + rows + " x " + cols + " values is too large");
            }
            double[] data = new double[(int) (rows * cols)];
            byte[] chunk = new byte[8 * 4096];
            ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            int k = 0;
            while (k < data.length) {
                int n = Math.min(4096, data.length - k);
                in.readFully(chunk, 0, n * width);
                bb.clear();
                for (int i = 0; i < n; i++) {
                    switch (descr) {
                        case "<f8" -> data[k++] = bb.getDouble();
                        case "<i8" -> data[k++] = bb.getLong();
                        case "<f4" -> data[k++] = bb.getFloat();
                        case "<i4" -> data[k++] = bb.getInt();
                        default -> data[k++] = bb.get() & 0xFF;
                    }
                }
            }
            return new Array2D((int) rows, (int) cols, data);
        } catch (EOFException e) {
            throw new IOException(name + ": truncated .npy file", e);
        } catch (NumberFormatException e) {
            throw new IOException(name + ": malformed .npy shape", e);
        }
    }

    private static String group(Pattern p, String header, String name, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(name + ": .npy header has no valid '" + key + "' entry");
        }
        return m.group(1);
    }
}
