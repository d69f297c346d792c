package io.piadm.io;

import io.piadm.config.InvalidSettingException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputDirTest {
    @TempDir
    Path tmp;

    private List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void commitMovesCompleteDirectoryIntoPlace() throws IOException {
        Path target = tmp.resolve("run");
        try (OutputDir od = OutputDir.open(target, false)) {
            assertFalse(Files.exists(target), "nothing at the target before commit");
            assertEquals(tmp, od.dir().getParent(), "temporary directory is a sibling");
            Files.writeString(od.dir().resolve("a.txt"), "A");
            assertEquals(target, od.commit());
        }
        assertEquals("A", Files.readString(target.resolve("a.txt")));
        assertEquals(List.of("run"), entries(tmp), "no temporary directory left behind");
    }

    @Test
    void failureBeforeCommitLeavesNothing() throws IOException {
        Path target = tmp.resolve("run");
        assertThrows(IllegalStateException.class, () -> {
            try (OutputDir od = OutputDir.open(target, false)) {
                Files.createDirectories(od.dir().resolve("sub"));
                Files.writeString(od.dir().resolve("sub/partial.npy"), "half");
                throw new IllegalStateException("sampler failed");
            }
        });
        assertEquals(List.of(), entries(tmp));
    }

    @Test
    void refusesExistingDirectoryWithoutOverwrite() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("run"));
        Files.writeString(target.resolve("old.txt"), "old");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.open(target, false));
        assertTrue(flags(e).startsWith("--out"), flags(e));
        assertTrue(flags(e).contains("--overwrite"), flags(e));
        assertEquals(List.of("run"), entries(tmp));
        assertEquals("old", Files.readString(target.resolve("old.txt")));
    }

    /** What piadm sample writes last: a manifest naming the outputs (what makes a directory a piadm output). */
    static void manifest(Path dir, String... files) throws IOException {
        StringBuilder sb = new StringBuilder("{\"sampler\": \"sde\", \"seed\": 1, \"samples\": 2, \"outputs\": [\"run.json\"");
        for (String f : files) {
            sb.append(", \"").append(f).append('"');
        }
        Files.writeString(dir.resolve("run.json"), sb.append("]}").toString());
    }

    @Test
    void overwriteReplacesOnlyAfterTheNewOneIsComplete() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("run"));
        Files.writeString(target.resolve("old.txt"), "old");
        manifest(target, "old.txt");
        try (OutputDir od = OutputDir.open(target, true)) {
            Files.writeString(od.dir().resolve("new.txt"), "new");
            manifest(od.dir(), "new.txt");
            assertEquals("old", Files.readString(target.resolve("old.txt")), "old outputs intact until commit");
            od.commit();
        }
        assertEquals(List.of("new.txt", "run.json"), entries(target));
        assertEquals(List.of("run"), entries(tmp), "old copy and temporary directory removed");

        // A failed overwrite keeps the previous outputs.
        try (OutputDir od = OutputDir.open(target, true)) {
            Files.writeString(od.dir().resolve("newer.txt"), "x");
        }
        assertEquals(List.of("new.txt", "run.json"), entries(target));
        assertEquals(List.of("run"), entries(tmp));
    }

    @Test
    void overwriteRefusesWhatIsNotAPiadmOutputAndProtectedDirectories() throws IOException {
        Path user = Files.createDirectory(tmp.resolve("user-data"));
        Files.writeString(user.resolve("precious.txt"), "mine");
        Files.createDirectory(user.resolve("sub"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> OutputDir.open(user, true));
        assertTrue(flags(e).contains("is not a piadm output") && flags(e).contains("--overwrite"), flags(e));
        assertEquals(List.of("precious.txt", "sub"), entries(user));
        // A run.json that piadm did not write does not count.
        Files.writeString(user.resolve("run.json"), "{\"sampler\": 3}");
        assertThrows(InvalidSettingException.class, () -> OutputDir.open(user, true));

        // Never the working directory, the home directory or a directory above them, even when they hold a
        // piadm run.json (cwd and home are parameters here, so the test names its own).
        Path home = Files.createDirectories(tmp.resolve("h/me"));
        Path work = Files.createDirectories(tmp.resolve("w/proj/sub"));
        manifest(work);
        manifest(tmp.resolve("w/proj"));
        manifest(home);
        for (Path p : List.of(work, tmp.resolve("w/proj"), tmp.resolve("w"), home, tmp.resolve("h"), tmp)) {
            InvalidSettingException f = assertThrows(InvalidSettingException.class,
                    () -> OutputSafety.checkReplaceable(p, work, home), p.toString());
            assertTrue(flags(f).startsWith("--overwrite never replaces the"), flags(f));
        }
        InvalidSettingException root = assertThrows(InvalidSettingException.class,
                () -> OutputSafety.checkReplaceable(Path.of("/"), work, home));
        assertTrue(flags(root).contains("root"), flags(root));
        // A piadm output beside them is fine.
        Path sibling = Files.createDirectories(tmp.resolve("w/other"));
        manifest(sibling);
        OutputSafety.checkReplaceable(sibling, work, home);
    }

    @Test
    void aSymbolicLinkInsideTheOutputBeingWrittenIsNeverPublished() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path target = tmp.resolve("run");
        IOException e = assertThrows(IOException.class, () -> {
            try (OutputDir od = OutputDir.open(target, false)) {
                Files.writeString(od.dir().resolve("samples.npy"), "x");
                Files.createSymbolicLink(od.dir().resolve("samples.parquet"), outside);
                od.commit();
            }
        });
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(List.of("outside"), entries(tmp), "not published, temporary directory removed");
    }

    /** A disk that fills in the middle of a file: the output never appears, the partial files are removed. */
    @Test
    void aWriteFailingWithNoSpaceLeavesNothing() throws IOException {
        Path target = tmp.resolve("run");
        java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class, () -> {
            try (OutputDir od = OutputDir.open(target, false)) {
                Files.writeString(od.dir().resolve("samples.npy"), "complete");
                try (java.io.OutputStream out = Files.newOutputStream(od.dir().resolve("run.json"))) {
                    out.write(new byte[1000]);
                    throw new java.nio.file.FileSystemException(od.dir().resolve("run.json").toString(), null,
                            "No space left on device");
                }
            }
        });
        assertEquals("No space left on device", e.getReason());
        assertEquals(List.of(), entries(tmp));
    }

    @Test
    void aNewFileIsCheckedBeforeAnyWorkAndWrittenWhole() throws IOException {
        Path f = tmp.resolve("table.json");
        OutputDir.checkNewFile(f, io.piadm.config.Setting.JSON);
        assertEquals(List.of(), entries(tmp), "the check leaves nothing");
        OutputDir.writeNewFile(f, "{}");
        assertEquals("{}", Files.readString(f));
        assertEquals(List.of("table.json"), entries(tmp));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.checkNewFile(f, io.piadm.config.Setting.JSON));
        assertTrue(flags(e).startsWith("--json") && flags(e).contains("already exists"), flags(e));
        e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.checkNewFile(tmp.resolve("no/t.json"), io.piadm.config.Setting.JSON));
        assertTrue(flags(e).contains("does not exist"), flags(e));
    }

    @Test
    void checkCreatesNothingAndNamesTheProblem() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.check(file.resolve("run"), false));
        assertTrue(flags(e).startsWith("--out") && flags(e).contains("not a directory"), flags(e));
        e = assertThrows(InvalidSettingException.class, () -> OutputDir.check(file, true));
        assertTrue(flags(e).contains("not a directory"), flags(e));

        Path deep = tmp.resolve("a/b/c/run");
        assertEquals(deep, OutputDir.check(deep, false));
        assertFalse(Files.exists(tmp.resolve("a")), "check must not create parents");
        try (OutputDir od = OutputDir.open(deep, false)) {
            od.commit();
        }
        assertTrue(Files.isDirectory(deep));
    }

    @Test
    void unwritableParentIsReportedUpFront() throws IOException {
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root may write anywhere: only meaningful for ordinary users.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root");
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> OutputDir.check(ro.resolve("run"), false));
            assertTrue(flags(e).contains("not writable"), flags(e));
        } finally {
            Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void directoryWhereNothingCanBeCreatedIsReportedEvenForRoot() throws IOException {
        Path proc = Path.of("/proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux /proc");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.check(proc.resolve("piadm-run"), false));
        assertTrue(flags(e).startsWith("--out") && flags(e).contains("cannot create files"),
                flags(e));
        assertEquals(List.of(), entries(tmp));
    }

    /** The message as the command line renders it. */
    private static String flags(InvalidSettingException e) {
        return e.render(s -> "--" + s.key());
    }
}
