package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Time-parallel rounds without a Spark job per round (issue 8, item 4): one long-lived Spark job of
 * {@code tasks} tasks, each of which builds the model on its executor (once per JVM, {@link ExecutorModels}),
 * connects back to the driver and then serves rounds over that connection until told to stop. A round is
 * cut into contiguous tiles, one per connected task; the driver writes each tile's rows straight from the
 * sampler's arrays into the socket and reads the scores straight into the output array. What a Spark job
 * per round pays every sweep (a DAG stage, a task-binary broadcast, one task launch and one status/result
 * message per partition, Kryo of the rows, then the copy of every result into place) is paid once per run.
 *
 * <p>Same samples: row i's score depends only on row i (ScoreModel contract), and every tile is scored
 * by the same spec's model, so any assignment of tiles to tasks gives the bits of the local evaluator.
 *
 * <p>Robustness. Tasks are ordinary Spark tasks: a lost executor or a failed task is retried by Spark and
 * the new attempt connects again; a tile whose connection breaks mid-round is scored again by another
 * connected task (or the next one to connect). If no task is connected for {@link #waitMillis} (the job
 * failed for good, or it never got slots), {@link #evaluate} returns false and the caller falls back to a
 * Spark job per round. The channel carries plain numbers only (ScoreWire); a task must present the run's
 * random 128-bit token before it is sent any rows.
 */
final class ScoreService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreService.class);
    /** Socket buffer of each connection end. */
    static final int BUFFER_BYTES = 1 << 18;

    private final JavaSparkContext sc;
    private final int dim;
    private final int tasks;
    private final long waitMillis;
    private final ServerSocketChannel server;
    private final byte[] token = new byte[16];
    private final LinkedBlockingQueue<Conn> joined = new LinkedBlockingQueue<>();
    private final List<Conn> live = new ArrayList<>();
    private final Thread acceptor;
    private final String group;
    private final JavaFutureAction<List<Long>> job;
    private volatile boolean closed;
    private boolean started;
    private long rounds;
    private int connections;
    private int lost;
    private int retiles;
    // Where a round's wall time goes, for run.json: sending the tiles, then waiting for and reading the replies
    // (the tasks' model calls, and the replies' transfer that cannot overlap them).
    private long sendNanos;
    private long receiveNanos;

    /** One connected task, seen from the driver. */
    private static final class Conn {
        final ScoreWire wire;
        final String executor;
        final int partition;
        final int attempt;

        Conn(ScoreWire wire, String executor, int partition, int attempt) {
            this.wire = wire;
            this.executor = executor;
            this.partition = partition;
            this.attempt = attempt;
        }

        @Override
        public String toString() {
            return "task " + partition + "." + attempt + " on executor " + executor;
        }
    }

    /**
     * Starts the service job (asynchronously) and the acceptor.
     *
     * @param tasks      long-lived tasks (at most the cluster's task slots, else some never start)
     * @param waitMillis how long a round waits for a first (or a replacement) connection before giving up
     */
    ScoreService(JavaSparkContext sc, ModelSpec spec, int tasks, long waitMillis, String label) throws IOException {
        this.sc = sc;
        this.dim = spec.dim();
        this.tasks = Math.max(1, tasks);
        this.waitMillis = waitMillis;
        new SecureRandom().nextBytes(token);
        String host = sc.getConf().get("spark.driver.host", InetAddress.getLocalHost().getHostAddress());
        String bind = sc.getConf().get("spark.driver.bindAddress", host);
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(bind, 0), 256);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        acceptor = new Thread(this::acceptLoop, "piadm-score-service-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        List<Integer> parts = new ArrayList<>(this.tasks);
        for (int i = 0; i < this.tasks; i++) {
            parts.add(i);
        }
        group = "piadm-score-service-" + Long.toHexString(System.nanoTime());
        // The service job gets its own group (interrupt on cancel) and leaves the caller's group as it was.
        String prevGroup = sc.getLocalProperty("spark.jobGroup.id");
        String prevDesc = sc.getLocalProperty("spark.job.description");
        String prevInterrupt = sc.getLocalProperty("spark.job.interruptOnCancel");
        sc.setJobGroup(group, label + ": score service (" + this.tasks + " long-lived tasks)", true);
        try {
            job = sc.parallelize(parts, this.tasks)
                    .mapPartitions(new Serve(spec, host, port, token.clone(), BUFFER_BYTES)).collectAsync();
        } finally {
            sc.setLocalProperty("spark.jobGroup.id", prevGroup);
            sc.setLocalProperty("spark.job.description", prevDesc);
            sc.setLocalProperty("spark.job.interruptOnCancel", prevInterrupt);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("score service: accept failed: {}", e.toString());
                }
                return;
            }
            try {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ScoreWire w = new ScoreWire(ch, BUFFER_BYTES);
                // A stranger that sends nothing must not block the acceptor: the handshake is read with a
                // deadline by a short-lived thread.
                Thread hs = new Thread(() -> handshake(w), "piadm-score-service-handshake");
                hs.setDaemon(true);
                hs.start();
            } catch (IOException e) {
                closeQuietly(ch);
            }
        }
    }

    private void handshake(ScoreWire w) {
        SocketChannel ch = w.channel();
        try {
            Thread killer = watchdog(ch, 30_000);
            int magic = w.readInt();
            int version = w.readInt();
            byte[] tok = w.readBytes(64);
            int partition = w.readInt();
            int attempt = w.readInt();
            String executor = w.readString();
            killer.interrupt();
            if (magic != ScoreWire.MAGIC || version != ScoreWire.VERSION || !java.security.MessageDigest.isEqual(tok, token)) {
                LOG.warn("score service: refused a connection from {} (bad handshake)", ch.getRemoteAddress());
                closeQuietly(ch);
                return;
            }
            if (closed) {
                closeQuietly(ch);
                return;
            }
            joined.add(new Conn(w, executor, partition, attempt));
        } catch (IOException e) {
            closeQuietly(ch);
        }
    }

    /** Closes {@code ch} after {@code millis} unless interrupted first. */
    private static Thread watchdog(SocketChannel ch, long millis) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
                closeQuietly(ch);
            } catch (InterruptedException e) {
                // handshake done in time
            }
        }, "piadm-score-service-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Moves newly connected tasks into the live set. */
    private void drainJoined() {
        Conn c;
        while ((c = joined.poll()) != null) {
            live.add(c);
            connections++;
            if (started) {
                LOG.info("score service: {} connected ({} live)", c, live.size());
            }
        }
    }

    /** Waits for a connection; at the first round, for all tasks (or until none has joined for a while). */
    private boolean awaitWorkers() throws InterruptedException {
        drainJoined();
        long deadline = System.currentTimeMillis() + waitMillis;
        if (!started) {
            // First round: give every task the chance to start (model load on each executor), but do not
            // wait for tasks that cannot get a slot: go once the joins have stopped for a while.
            long quietUntil = Long.MAX_VALUE;
            while (live.size() < tasks && System.currentTimeMillis() < Math.min(deadline, quietUntil)
                    && !job.isDone()) {
                Conn c = joined.poll(100, TimeUnit.MILLISECONDS);
                if (c != null) {
                    joined.add(c);
                    drainJoined();
                    quietUntil = System.currentTimeMillis() + 5_000;
                }
            }
            started = true;
            if (!live.isEmpty()) {
                LOG.info("score service: {} of {} tasks connected", live.size(), tasks);
            }
        }
        while (live.isEmpty() && System.currentTimeMillis() < deadline && !job.isDone()) {
            Conn c = joined.poll(100, TimeUnit.MILLISECONDS);
            if (c != null) {
                joined.add(c);
                drainJoined();
            }
        }
        drainJoined();
        return !live.isEmpty();
    }

    private void lose(Conn c, Exception e) {
        live.remove(c);
        lost++;
        closeQuietly(c.wire.channel());
        LOG.warn("score service: lost {} ({}); its rows go to another task, Spark retries the task", c, e.toString());
    }

    /**
     * Scores {@code rows} rows into {@code out}. Returns false, having written nothing final, when no task
     * is connected (the caller then runs this round as a Spark job); throws when the model itself fails.
     */
    boolean evaluate(double[] x, double[] t, long[] ids, int rows, double[] out) {
        if (closed) {
            return false;
        }
        try {
            if (!awaitWorkers()) {
                return false;
            }
            int k = Math.min(live.size(), rows);
            List<int[]> pending = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                int from = SparkTimeEvaluator.tileStart(rows, k, i);
                pending.add(new int[] {from, SparkTimeEvaluator.tileStart(rows, k, i + 1) - from});
            }
            while (!pending.isEmpty()) {
                if (!awaitWorkers()) {
                    return false;
                }
                List<int[]> retry = new ArrayList<>();
                List<Conn> sentTo = new ArrayList<>();
                List<int[]> sent = new ArrayList<>();
                List<Conn> snapshot = new ArrayList<>(live);
                long s0 = System.nanoTime();
                for (int i = 0; i < pending.size(); i++) {
                    if (i >= snapshot.size()) {
                        retry.add(pending.get(i)); // more tiles than tasks after a loss: next pass
                        continue;
                    }
                    Conn c = snapshot.get(i);
                    int[] tile = pending.get(i);
                    try {
                        send(c, tile[0], tile[1], x, t, ids);
                        sentTo.add(c);
                        sent.add(tile);
                    } catch (IOException e) {
                        lose(c, e);
                        retry.add(tile);
                    }
                }
                long s1 = System.nanoTime();
                sendNanos += s1 - s0;
                for (int i = 0; i < sentTo.size(); i++) {
                    Conn c = sentTo.get(i);
                    int[] tile = sent.get(i);
                    try {
                        receive(c, tile[0], tile[1], out);
                    } catch (IOException e) {
                        lose(c, e);
                        retry.add(tile);
                    }
                }
                receiveNanos += System.nanoTime() - s1;
                if (!retry.isEmpty()) {
                    retiles += retry.size();
                }
                pending = retry;
            }
            rounds++;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for score service tasks", e);
        }
    }

    private void send(Conn c, int from, int n, double[] x, double[] t, long[] ids) throws IOException {
        ScoreWire w = c.wire;
        w.writeInt(ScoreWire.OP_SCORE);
        w.writeLong(rounds);
        w.writeInt(n);
        w.writeInt(dim);
        w.writeInt(ids == null ? 0 : 1);
        w.writeDoubles(t, from, n);
        if (ids != null) {
            w.writeLongs(ids, from, n);
        }
        w.writeDoubles(x, from * dim, n * dim);
        w.flush();
    }

    private void receive(Conn c, int from, int n, double[] out) throws IOException {
        ScoreWire w = c.wire;
        int op = w.readInt();
        long round = w.readLong();
        if (op == ScoreWire.OP_ERROR) {
            String msg = w.readString();
            throw new ModelFailure("score service " + c + ": the model failed: " + msg);
        }
        int got = w.readInt();
        if (op != ScoreWire.OP_SCORES || round != rounds || got != n) {
            throw new IOException("protocol error from " + c + ": op " + op + ", round " + round + "/" + rounds
                    + ", rows " + got + "/" + n);
        }
        w.readDoubles(out, from * dim, n * dim);
    }

    /** The model threw on an executor: not a transport problem, so the run fails (as a Spark job would). */
    static final class ModelFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ModelFailure(String m) {
            super(m);
        }
    }

    long rounds() {
        return rounds;
    }

    /** Live connections now (tests). */
    int liveConnections() {
        drainJoined();
        return live.size();
    }

    /** Breaks one live connection from the driver's side, as a dying executor would (tests). */
    void breakOneConnectionForTest() {
        drainJoined();
        if (!live.isEmpty()) {
            closeQuietly(live.get(0).wire.channel());
        }
    }

    /** For run.json: tasks, connections seen, losses and tiles re-sent. */
    java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("tasks", tasks);
        m.put("rounds", rounds);
        m.put("connections", connections);
        m.put("connectionsLost", lost);
        m.put("tilesRescored", retiles);
        m.put("sendSeconds", sendNanos / 1e9);
        m.put("awaitAndReceiveSeconds", receiveNanos / 1e9);
        return m;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        drainJoined();
        for (Conn c : live) {
            try {
                c.wire.writeInt(ScoreWire.OP_STOP);
                c.wire.writeLong(rounds);
                c.wire.flush();
            } catch (IOException e) {
                // it is going away anyway
            }
        }
        try {
            server.close();
        } catch (IOException e) {
            // ignore
        }
        try {
            job.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Tasks that never got a slot (or never connected) are still queued: cancel them.
            sc.cancelJobGroup(group);
        }
        for (Conn c : live) {
            closeQuietly(c.wire.channel());
        }
        Conn c;
        while ((c = joined.poll()) != null) {
            closeQuietly(c.wire.channel());
        }
        live.clear();
    }

    /** Executor side: one long-lived task serving rounds until the driver says stop. */
    static final class Serve implements FlatMapFunction<Iterator<Integer>, Long> {
        private static final long serialVersionUID = 1L;
        private final ModelSpec spec;
        private final String host;
        private final int port;
        private final byte[] token;
        private final int bufferBytes;

        Serve(ModelSpec spec, String host, int port, byte[] token, int bufferBytes) {
            this.spec = spec;
            this.host = host;
            this.port = port;
            this.token = token;
            this.bufferBytes = bufferBytes;
        }

        @Override
        public Iterator<Long> call(Iterator<Integer> ignored) throws IOException {
            TaskContext tc = TaskContext.get();
            ScoreModel m = ExecutorModels.get(spec);
            int d = spec.dim();
            long served = 0;
            SocketChannel ch = SocketChannel.open();
            try {
                // Not reaching the driver is an error (Spark retries the task, then the job fails and the
                // driver falls back to a job per round).
                ch.socket().connect(new InetSocketAddress(host, port), 30_000);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            try (SocketChannel c = ch) {
                ScoreWire w = new ScoreWire(c, bufferBytes);
                w.writeInt(ScoreWire.MAGIC);
                w.writeInt(ScoreWire.VERSION);
                w.writeBytes(token);
                w.writeInt(tc == null ? -1 : tc.partitionId());
                w.writeInt(tc == null ? 0 : tc.attemptNumber());
                w.writeString(SparkEnv.get() == null ? "?" : SparkEnv.get().executorId());
                w.flush();
                served = serve(w, m, d);
            } catch (IOException e) {
                // The driver closed this connection without a stop: it gave it up (and re-sent its rows
                // elsewhere), or it is gone. Either way this task is done; it must not fail the job.
                LoggerFactory.getLogger(ScoreService.class).warn("score service task: connection to the driver"
                        + " ended ({}); task ends", e.toString());
            }
            return new ArrayList<>(Arrays.asList(served)).iterator();
        }

        /** Serves rounds until the driver says stop; returns the rounds served. */
        private static long serve(ScoreWire w, ScoreModel m, int d) throws IOException {
            long served = 0;
            double[] x = new double[0];
            double[] t = new double[0];
            double[] g = new double[0];
            long[] ids = new long[0];
            while (true) {
                int op = w.readInt();
                long round = w.readLong();
                if (op == ScoreWire.OP_STOP) {
                    return served;
                }
                if (op != ScoreWire.OP_SCORE) {
                    throw new IOException("score service: protocol error, op " + op);
                }
                int n = w.readInt();
                int dd = w.readInt();
                boolean hasIds = w.readInt() != 0;
                if (dd != d || n < 1 || (long) n * d > Integer.MAX_VALUE - 8) {
                    throw new IOException("score service: protocol error, " + n + " rows of dimension " + dd
                            + " for a model of dimension " + d);
                }
                if (t.length < n) {
                    t = new double[n];
                    ids = new long[n];
                    x = new double[n * d];
                    g = new double[n * d];
                }
                w.readDoubles(t, 0, n);
                if (hasIds) {
                    w.readLongs(ids, 0, n);
                }
                w.readDoubles(x, 0, n * d);
                try {
                    m.score(x, t, hasIds ? ids : null, 0, n, g);
                } catch (RuntimeException e) {
                    w.writeInt(ScoreWire.OP_ERROR);
                    w.writeLong(round);
                    w.writeString(e.toString());
                    w.flush();
                    continue;
                }
                w.writeInt(ScoreWire.OP_SCORES);
                w.writeLong(round);
                w.writeInt(n);
                w.writeDoubles(g, 0, n * d);
                w.flush();
                served++;
            }
        }
    }
}
