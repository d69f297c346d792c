package io.piadm.spark;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The plain binary framing of {@link ScoreService}'s channel: fixed-width little-endian numbers and
 * arrays of doubles and longs, nothing else (no object deserialisation from the network). One instance
 * per connection end, with a reusable direct buffer; arrays larger than the buffer go through it in
 * pieces, straight from and into the caller's arrays (no intermediate copy of a round's rows).
 */
final class ScoreWire {
    static final int MAGIC = 0x50494144; // "PIAD"
    static final int VERSION = 1;
    static final int OP_SCORE = 1;
    static final int OP_STOP = 2;
    static final int OP_SCORES = 3;
    static final int OP_ERROR = 4;
    /** Longest string (an error message, an executor id) accepted from the other end. */
    static final int MAX_STRING_BYTES = 1 << 16;

    private final SocketChannel ch;
    /** Outgoing bytes, in write mode until {@link #flush}. */
    private final ByteBuffer buf;
    /** Incoming bytes: filled by {@link #need} with exactly the next item. */
    private final ByteBuffer in;

    ScoreWire(SocketChannel ch, int bufferBytes) {
        this.ch = ch;
        int cap = Math.max(1 << 12, bufferBytes & ~7);
        this.buf = ByteBuffer.allocateDirect(cap).order(ByteOrder.LITTLE_ENDIAN);
        this.in = ByteBuffer.allocateDirect(cap).order(ByteOrder.LITTLE_ENDIAN);
    }

    SocketChannel channel() {
        return ch;
    }

    // ------------------------------------------------------------------ writing (buffered until flush)

    private void room(int bytes) throws IOException {
        if (buf.remaining() < bytes) {
            flush();
        }
    }

    void writeInt(int v) throws IOException {
        room(4);
        buf.putInt(v);
    }

    void writeLong(long v) throws IOException {
        room(8);
        buf.putLong(v);
    }

    void writeBytes(byte[] b) throws IOException {
        writeInt(b.length);
        for (int off = 0; off < b.length; ) {
            room(1);
            int k = Math.min(buf.remaining(), b.length - off);
            buf.put(b, off, k);
            off += k;
        }
    }

    void writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING_BYTES) {
            b = java.util.Arrays.copyOf(b, MAX_STRING_BYTES);
        }
        writeBytes(b);
    }

    void writeDoubles(double[] a, int off, int len) throws IOException {
        while (len > 0) {
            room(8);
            int k = Math.min(buf.remaining() / 8, len);
            buf.asDoubleBuffer().put(a, off, k);
            buf.position(buf.position() + 8 * k);
            off += k;
            len -= k;
        }
    }

    void writeLongs(long[] a, int off, int len) throws IOException {
        while (len > 0) {
            room(8);
            int k = Math.min(buf.remaining() / 8, len);
            buf.asLongBuffer().put(a, off, k);
            buf.position(buf.position() + 8 * k);
            off += k;
            len -= k;
        }
    }

    void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    // ------------------------------------------------------------------ reading

    private void need(int bytes) throws IOException {
        in.clear();
        in.limit(bytes);
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                throw new EOFException("connection closed by the other end");
            }
        }
        in.flip();
    }

    int readInt() throws IOException {
        need(4);
        int v = in.getInt();
        in.clear();
        return v;
    }

    long readLong() throws IOException {
        need(8);
        long v = in.getLong();
        in.clear();
        return v;
    }

    byte[] readBytes(int maxLen) throws IOException {
        int n = readInt();
        if (n < 0 || n > maxLen) {
            throw new IOException("protocol error: byte string of length " + n + " (at most " + maxLen + ")");
        }
        byte[] b = new byte[n];
        for (int off = 0; off < n; ) {
            int k = Math.min(in.capacity(), n - off);
            need(k);
            in.get(b, off, k);
            off += k;
        }
        in.clear();
        return b;
    }

    String readString() throws IOException {
        return new String(readBytes(MAX_STRING_BYTES), StandardCharsets.UTF_8);
    }

    void readDoubles(double[] a, int off, int len) throws IOException {
        int per = in.capacity() / 8;
        while (len > 0) {
            int k = Math.min(per, len);
            need(8 * k);
            in.asDoubleBuffer().get(a, off, k);
            off += k;
            len -= k;
        }
        in.clear();
    }

    void readLongs(long[] a, int off, int len) throws IOException {
        int per = in.capacity() / 8;
        while (len > 0) {
            int k = Math.min(per, len);
            need(8 * k);
            in.asLongBuffer().get(a, off, k);
            off += k;
            len -= k;
        }
        in.clear();
    }
}
