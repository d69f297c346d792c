package io.piadm.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An exclusive claim on an output location, so two runs started at once against the same {@code --out}
 * never both write it: the claim file {@code .NAME.claim} beside the location, created exclusively, holds
 * who claimed it (user, host, pid, process start, time, YARN application attempt, configuration hash,
 * command) and is removed when the run ends.
 *
 * <ul>
 *   <li><b>Local file systems</b>: the claim is written under a unique temporary name, locked
 *       ({@link FileChannel#lock}, an OS lock the kernel releases when the process dies, however it dies),
 *       then hard-linked to {@code .NAME.claim}, which fails if that name exists: so the name appears only
 *       already locked. A claim whose lock can be taken belongs to a dead process: it is taken over in place,
 *       under its lock, and the takeover is logged with the dead owner's details.</li>
 *   <li><b>Hadoop file systems</b> ({@code hdfs://}, ...): {@code create(path, overwrite = false)}, atomic on
 *       HDFS (best effort on object stores without conditional writes). The owner renews the file's
 *       modification time every {@link #heartbeatMillis}. A claim is stale, and taken over, when it was
 *       made by an earlier attempt of the same YARN application (YARN starts attempt n + 1 only once attempt
 *       n's ApplicationMaster is gone), by a process on this host that is no longer running, or when its
 *       heartbeat is older than {@link #leaseMillis}. A takeover renames the stale file aside first (an atomic
 *       rename that only one contender wins) and checks it moved the claim it judged.</li>
 * </ul>
 * A live claim is refused with one message naming its owner and the claim file.
 */
public final class OutputClaim implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputClaim.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Largest claim file read. */
    private static final int MAX_CLAIM_BYTES = 1 << 16;
    private static final Pattern CONTAINER = Pattern.compile("container_(?:e\\d+_)?(\\d+)_(\\d+)_(\\d+)_\\d+");

    /**
     * Local claim files this JVM holds. POSIX record locks belong to the process and closing any descriptor
     * of the file drops them all, so this JVM must never open a claim file it holds a second time.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Heartbeat of a Hadoop claim (milliseconds); a system property so tests can shorten it. */
    static long heartbeatMillis = Long.getLong("piadm.claim.heartbeatMillis", 30_000L);
    /** A Hadoop claim whose heartbeat is older than this is stale (milliseconds). */
    static long leaseMillis = Long.getLong("piadm.claim.leaseMillis", 300_000L);

    private final String location;
    private final String claimFile;
    private final String claimId;
    private final List<String> notes;
    // local
    private final Path localClaim;
    private final FileChannel channel;
    private final FileLock lock;
    private final Object fileKey;
    // hadoop
    private final FileSystem fs;
    private final org.apache.hadoop.fs.Path hadoopClaim;
    private final ScheduledExecutorService heartbeat;
    private boolean closed;

    private OutputClaim(String location, String claimFile, String claimId, List<String> notes, Path localClaim,
            FileChannel channel, FileLock lock, Object fileKey, FileSystem fs, org.apache.hadoop.fs.Path hadoopClaim,
            ScheduledExecutorService heartbeat) {
        this.location = location;
        this.claimFile = claimFile;
        this.claimId = claimId;
        this.notes = notes;
        this.localClaim = localClaim;
        this.channel = channel;
        this.lock = lock;
        this.fileKey = fileKey;
        this.fs = fs;
        this.hadoopClaim = hadoopClaim;
        this.heartbeat = heartbeat;
    }

    /** The claim file's name beside {@code name}. */
    public static String claimName(String name) {
        return "." + name + ".claim";
    }

    /** The location this claim covers. */
    public String location() {
        return location;
    }

    /** The claim file (a local path or Hadoop URI). */
    public String claimFile() {
        return claimFile;
    }

    /** What happened while claiming (a stale claim taken over), for the log and the report. */
    public List<String> notes() {
        return new ArrayList<>(notes);
    }

    /**
     * Claims {@code location} (a local path, a {@code file:} URI or a Hadoop URI) for this process.
     * {@code info} (e.g. configHash, command) is recorded in the claim. {@code setting} names the setting
     * in a refusal (the output, or the checkpoint directory).
     */
    public static OutputClaim acquire(String location, Configuration conf, Map<String, Object> info, Setting setting) {
        try {
            if (HadoopOutput.isRemote(location)) {
                return acquireHadoop(location, conf, info, setting);
            }
            Path p = location.startsWith("file:") ? Paths.get(URI.create(location)) : Paths.get(location);
            return acquireLocal(location, p.toAbsolutePath().normalize(), info, setting);
        } catch (IOException e) {
            throw new UncheckedIOException("claiming " + location + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------- local

    private static OutputClaim acquireLocal(String location, Path target, Map<String, Object> info, Setting setting)
            throws IOException {
        Path parent = target.getParent();
        if (parent == null) {
            throw new InvalidSettingException("{0} " + location + ": cannot claim the file-system root", setting);
        }
        Files.createDirectories(parent);
        Path claim = parent.resolve(claimName(target.getFileName().toString()));
        String id = UUID.randomUUID().toString();
        byte[] content = content(id, info);
        List<String> notes = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            // 1. A fresh claim: written and locked under a unique name, then linked into place (fails if taken).
            Path tmp = parent.resolve(claimName(target.getFileName().toString()) + "." + id + ".tmp");
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            boolean keep = false;
            try {
                FileLock lk = ch.lock();
                write(ch, content);
                boolean linked;
                try {
                    Files.createLink(claim, tmp);
                    linked = true;
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    linked = false;
                } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                    // No hard links here: an exclusive create instead (the name is visible a moment before
                    // its lock; a contender that sees an empty claim treats it as live).
                    ch.close();
                    Files.deleteIfExists(tmp);
                    return createLocalWithoutLinks(location, claim, id, content, notes, setting);
                }
                if (linked) {
                    Files.delete(tmp);
                    keep = true;
                    HELD.add(claim);
                    return new OutputClaim(location, claim.toString(), id, notes, claim, ch, lk, key(claim), null,
                            null, null);
                }
            } finally {
                if (!keep) {
                    ch.close();
                    Files.deleteIfExists(tmp);
                }
            }
            // 2. Taken: by a live process (its lock is held) or a dead one (the kernel released its lock).
            OutputClaim taken = takeOverLocal(location, claim, id, content, notes, setting);
            if (taken != null) {
                return taken;
            }
        }
        throw new IllegalStateException("could not claim " + location + " after 5 attempts (contended claim file "
                + claim + ")");
    }

    private static OutputClaim createLocalWithoutLinks(String location, Path claim, String id, byte[] content,
            List<String> notes, Setting setting) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                FileChannel ch = FileChannel.open(claim, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileLock lk = ch.lock();
                write(ch, content);
                HELD.add(claim);
                return new OutputClaim(location, claim.toString(), id, notes, claim, ch, lk, key(claim), null, null,
                        null);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                OutputClaim taken = takeOverLocal(location, claim, id, content, notes, setting);
                if (taken != null) {
                    return taken;
                }
            }
        }
        throw new IllegalStateException("could not claim " + location + " (contended claim file " + claim + ")");
    }

    /**
     * The existing claim file: refused when its lock is held (a live run), taken over in place when not
     * (its owner died). Null: the file vanished or was replaced meanwhile; try again.
     */
    private static OutputClaim takeOverLocal(String location, Path claim, String id, byte[] content,
            List<String> notes, Setting setting) throws IOException {
        if (HELD.contains(claim)) {
            throw refusal(location, claim.toString(), parse(new String(content, StandardCharsets.UTF_8)), setting);
        }
        // The file at the name before opening and after locking must be the same one (device + inode), or
        // the name was released / replaced in between and the lock says nothing about it.
        Object before = key(claim);
        FileChannel ch;
        try {
            ch = FileChannel.open(claim, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null; // released meanwhile
        }
        boolean keep = false;
        try {
            FileLock lk;
            try {
                lk = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lk = null; // held by this JVM
            }
            JsonNode owner = read(ch);
            if (before == null || !before.equals(key(claim))) {
                return null; // the name now points at another file (or none): start again
            }
            if (lk == null || (owner == null && youngerThan(claim, 10_000))) {
                throw refusal(location, claim.toString(), owner, setting);
            }
            ch.truncate(0);
            write(ch, content);
            String note = "took over the claim " + claim + " of " + describe(owner)
                    + ", which is no longer running (its lock was released when it ended)";
            LOG.warn("{}", note);
            notes.add(note);
            keep = true;
            HELD.add(claim);
            return new OutputClaim(location, claim.toString(), id, notes, claim, ch, lk, key(claim), null, null, null);
        } finally {
            if (!keep) {
                ch.close();
            }
        }
    }

    private static Object key(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean youngerThan(Path p, long millis) {
        try {
            return System.currentTimeMillis() - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < millis;
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(FileChannel ch, byte[] content) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(content);
        long pos = 0;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
        ch.force(true);
    }

    private static JsonNode read(FileChannel ch) {
        try {
            long size = Math.min(ch.size(), MAX_CLAIM_BYTES);
            ByteBuffer b = ByteBuffer.allocate((int) size);
            long pos = 0;
            while (b.hasRemaining()) {
                int r = ch.read(b, pos);
                if (r < 0) {
                    break;
                }
                pos += r;
            }
            return parse(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------ hadoop

    private static OutputClaim acquireHadoop(String location, Configuration conf, Map<String, Object> info,
            Setting setting) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(URI.create(location).normalize());
        if (target.getParent() == null) {
            throw new InvalidSettingException("{0} " + location + ": cannot claim a file-system root", setting);
        }
        FileSystem fs = target.getFileSystem(conf);
        return acquireHadoop(location, fs, target, info, setting);
    }

    /** The Hadoop protocol on {@code fs} (any FileSystem; tests run it on Hadoop's local one). */
    static OutputClaim acquireHadoop(String location, FileSystem fs, org.apache.hadoop.fs.Path target,
            Map<String, Object> info, Setting setting) throws IOException {
        fs.mkdirs(target.getParent());
        org.apache.hadoop.fs.Path claim = new org.apache.hadoop.fs.Path(target.getParent(), claimName(target.getName()));
        String id = UUID.randomUUID().toString();
        byte[] content = content(id, info);
        List<String> notes = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            if (createExclusive(fs, claim, content)) {
                return new OutputClaim(location, claim.toString(), id, notes, null, null, null, null, fs, claim,
                        startHeartbeat(fs, claim, id));
            }
            // Taken: decide whether its owner is gone.
            FileStatus st;
            JsonNode owner;
            try {
                st = fs.getFileStatus(claim);
                owner = readHadoop(fs, claim);
            } catch (java.io.FileNotFoundException e) {
                continue; // released meanwhile
            }
            String stale = staleReason(owner, st.getModificationTime(), System.currentTimeMillis());
            if (stale == null) {
                throw refusal(location, claim.toString(), owner, setting);
            }
            // Move it aside (only one contender's rename succeeds), check it is the claim judged stale.
            org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(claim.getParent(),
                    claim.getName() + ".stale-" + id);
            if (!fs.rename(claim, aside)) {
                continue;
            }
            JsonNode moved = readHadoop(fs, aside);
            if (!Objects.equals(claimIdOf(moved), claimIdOf(owner))) {
                // A fresh claim appeared between the check and the rename: give it back.
                if (!fs.rename(aside, claim)) {
                    LOG.warn("could not put back the claim {} moved aside to {}", claim, aside);
                }
                throw refusal(location, claim.toString(), moved, setting);
            }
            fs.delete(aside, false);
            String note = "took over the claim " + claim + " of " + describe(owner) + ": " + stale;
            LOG.warn("{}", note);
            notes.add(note);
        }
        throw new IllegalStateException("could not claim " + location + " after 5 attempts (contended claim file "
                + claim + ")");
    }

    private static boolean createExclusive(FileSystem fs, org.apache.hadoop.fs.Path claim, byte[] content)
            throws IOException {
        if (fs.exists(claim)) {
            return false;
        }
        try (FSDataOutputStream out = fs.create(claim, false)) {
            out.write(content);
            out.hsync();
        } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            // Some file systems report an existing file with a plain IOException (or a RemoteException).
            if (e.getClass().getName().contains("AlreadyExists") || String.valueOf(e.getMessage()).contains("already exists")) {
                return false;
            }
            throw e;
        }
        return true;
    }

    private static ScheduledExecutorService startHeartbeat(FileSystem fs, org.apache.hadoop.fs.Path claim, String id) {
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "piadm-claim-heartbeat");
            t.setDaemon(true);
            return t;
        });
        ex.scheduleAtFixedRate(() -> {
            try {
                fs.setTimes(claim, System.currentTimeMillis(), -1);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not renew the claim {}: {}", claim, e.getMessage());
            }
        }, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        return ex;
    }

    private static JsonNode readHadoop(FileSystem fs, org.apache.hadoop.fs.Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            byte[] b = in.readNBytes(MAX_CLAIM_BYTES);
            return parse(new String(b, StandardCharsets.UTF_8));
        }
    }

    /**
     * Why a Hadoop claim with this content and heartbeat time is stale, or null when it must be presumed
     * live. Package-private for tests.
     */
    static String staleReason(JsonNode owner, long heartbeat, long now) {
        return staleReason(owner, heartbeat, now, yarnAttempt());
    }

    /** As above, with this process's YARN {application, attempt} given (null outside YARN). */
    static String staleReason(JsonNode owner, long heartbeat, long now, String[] yarn) {
        if (owner != null && yarn != null && yarn[0].equals(text(owner, "yarnApplication"))) {
            String theirs = text(owner, "yarnAttempt");
            try {
                if (theirs != null && Integer.parseInt(theirs) < Integer.parseInt(yarn[1])) {
                    return "it was made by attempt " + Integer.parseInt(theirs) + " of this YARN application, and YARN"
                            + " starts attempt " + Integer.parseInt(yarn[1]) + " only after the previous one ended";
                }
            } catch (NumberFormatException e) {
                // not an attempt number: fall through
            }
        }
        if (owner != null && host().equals(text(owner, "host"))) {
            String pid = text(owner, "pid");
            try {
                Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(pid));
                String start = text(owner, "processStart");
                boolean alive = h.isPresent() && h.get().isAlive() && (start == null
                        || h.get().info().startInstant().map(Instant::toString).map(start::equals).orElse(true));
                if (!alive) {
                    return "process " + pid + " on this host is no longer running";
                }
            } catch (NumberFormatException e) {
                // fall through to the heartbeat
            }
        }
        if (now - heartbeat > leaseMillis) {
            return "its heartbeat stopped at " + Instant.ofEpochMilli(heartbeat) + ", more than " + leaseMillis / 1000
                    + " s ago";
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ common

    private static byte[] content(String id, Map<String, Object> info) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("claimId", id);
        m.put("user", System.getProperty("user.name"));
        m.put("host", host());
        ProcessHandle self = ProcessHandle.current();
        m.put("pid", Long.toString(self.pid()));
        m.put("processStart", self.info().startInstant().map(Instant::toString).orElse(null));
        m.put("time", Instant.now().toString());
        String[] yarn = yarnAttempt();
        if (yarn != null) {
            m.put("yarnApplication", yarn[0]);
            m.put("yarnAttempt", yarn[1]);
        }
        if (info != null) {
            m.putAll(info);
        }
        return (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String s) {
        try {
            JsonNode j = MAPPER.readTree(s);
            return j != null && j.isObject() ? j : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode j, String key) {
        JsonNode n = j == null ? null : j.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String claimIdOf(JsonNode j) {
        return text(j, "claimId");
    }

    private static String describe(JsonNode owner) {
        if (owner == null) {
            return "an unknown run (unreadable claim)";
        }
        StringBuilder sb = new StringBuilder("pid ").append(text(owner, "pid")).append(" on host ")
                .append(text(owner, "host"));
        if (text(owner, "user") != null) {
            sb.append(" (user ").append(text(owner, "user")).append(')');
        }
        if (text(owner, "yarnApplication") != null) {
            sb.append(", YARN ").append(text(owner, "yarnApplication")).append(" attempt ")
                    .append(text(owner, "yarnAttempt"));
        }
        sb.append(", since ").append(text(owner, "time"));
        return sb.toString();
    }

    private static InvalidSettingException refusal(String location, String claim, JsonNode owner, Setting setting) {
        return new InvalidSettingException("{0} " + location + " is being written by another run (" + describe(owner)
                + "; claim file " + claim + "); wait for it to end, or choose another {0}", setting);
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return h != null ? h : "unknown";
        }
    }

    /**
     * {application id, attempt number} of this YARN container (from CONTAINER_ID, which YARN sets in every
     * container: {@code container_[eNN_]<cluster ts>_<app>_<attempt>_<container>}), or null outside YARN.
     */
    static String[] yarnAttempt() {
        return yarnAttempt(System.getenv("CONTAINER_ID"));
    }

    static String[] yarnAttempt(String containerId) {
        if (containerId == null) {
            return null;
        }
        Matcher m = CONTAINER.matcher(containerId.strip());
        if (!m.matches()) {
            return null;
        }
        return new String[] {"application_" + m.group(1) + "_" + m.group(2), Integer.toString(Integer.parseInt(m.group(3)))};
    }

    /** Throws when the claim file is no longer this claim's (e.g. removed by hand): nothing must be published then. */
    public void verify() throws IOException {
        if (closed) {
            throw new IOException("the claim on " + location + " was released");
        }
        if (localClaim != null) {
            if (!Objects.equals(key(localClaim), fileKey)) {
                throw new IOException("the claim file " + claimFile + " was removed or replaced while the run was in"
                        + " progress; another run may be writing " + location + ", so nothing was published");
            }
            return;
        }
        JsonNode now;
        try {
            now = readHadoop(fs, hadoopClaim);
        } catch (java.io.FileNotFoundException e) {
            now = null;
        }
        if (!claimId.equals(claimIdOf(now))) {
            throw new IOException("the claim file " + claimFile + " was removed or taken over while the run was in"
                    + " progress; another run may be writing " + location + ", so nothing was published");
        }
    }

    /** Removes the claim file (when it is still this claim's) and releases the lock. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (localClaim != null) {
                try {
                    if (Objects.equals(key(localClaim), fileKey)) {
                        Files.deleteIfExists(localClaim);
                    }
                } finally {
                    lock.release();
                    channel.close();
                    HELD.remove(localClaim);
                }
            } else {
                heartbeat.shutdownNow();
                JsonNode now;
                try {
                    now = readHadoop(fs, hadoopClaim);
                } catch (java.io.FileNotFoundException e) {
                    now = null;
                }
                if (claimId.equals(claimIdOf(now))) {
                    fs.delete(hadoopClaim, false);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not remove the claim {}: {}", claimFile, e.getMessage());
        }
    }
}
